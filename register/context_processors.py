from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, AgreementStatus

NAVIGATION = [
    ("dashboard", _("Dashboard")),
    ("suppliers:supplier_list", _("Leveranciers")),
    ("suppliers:product_list", _("Producten")),
    ("agreements:agreement_list", _("Overeenkomsten")),
    ("register:activity_list", _("Verwerkingsregister")),
    ("register:procurement_check", _("Inkoopcheck")),
]


def navigation(request: HttpRequest) -> dict:
    """The main navigation and, for an FG, the number of agreements waiting for review."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context: dict = {"navigation": NAVIGATION}
    if user.has_perm("agreements.review_agreement"):
        context["review_queue_count"] = (
            Agreement.objects.filter(status=AgreementStatus.SUBMITTED)
            .exclude(submitted_by=user)
            .count()
        )
    return context
