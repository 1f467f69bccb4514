from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement

NAVIGATION = [
    ("dashboard", _("Dashboard")),
    ("suppliers:supplier_list", _("Leveranciers")),
    ("suppliers:product_list", _("Producten")),
    ("agreements:agreement_list", _("Overeenkomsten")),
    ("register:activity_list", _("Verwerkingsregister")),
    ("register:procurement_check", _("Inkoopcheck")),
    ("register:level", _("Niveau")),
]


def navigation(request: HttpRequest) -> dict:
    """The main navigation and, for an FG, the number of agreements waiting for review."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context: dict = {
        "navigation": NAVIGATION,
        "navigation_current": _current_section(request.path, user),
    }
    if user.has_perm("agreements.review_agreement"):
        context["review_queue_count"] = Agreement.objects.awaiting_review_by(user).count()
    return context


def _current_section(path: str, user) -> str | None:
    """The url name of the menu item whose address is the longest prefix of `path`."""
    url_names = [url_name for url_name, _label in NAVIGATION]
    if user.has_perm("agreements.review_agreement"):
        url_names.append("agreements:review_queue")
    best, best_length = None, 0
    for url_name in url_names:
        url = reverse(url_name)
        if (path == url or (url != "/" and path.startswith(url))) and len(url) > best_length:
            best, best_length = url_name, len(url)
    return best
