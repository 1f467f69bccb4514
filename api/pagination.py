from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

from .exceptions import PageNotFound


class Pagination(PageNumberPagination):
    """`?page=N` (50 per page); `?page_size=` up to 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as error:
            raise PageNotFound(
                _("Deze pagina bestaat niet. Begin bij page=1 en volg de link in “next”.")
            ) from error
