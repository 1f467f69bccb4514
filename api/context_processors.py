"""The API's link in the user menu of every page.

base.html belongs to the project's lower layer (register), which never names the API's URLs;
the API hands it the link through this hook instead."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from suppliers.links import page_url


def user_menu(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    current = match is not None and match.namespace == "tokens"
    return {"user_menu_links": [(page_url("tokens:token_list"), _("API-tokens"), current)]}
