from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement
from suppliers.links import page_url

NAVIGATION = [
    ("dashboard", _("Dashboard")),
    ("suppliers:supplier_list", _("Leveranciers")),
    ("suppliers:product_list", _("Producten")),
    ("agreements:agreement_list", _("Overeenkomsten")),
    ("register:activity_list", _("Verwerkingsregister")),
    ("register:procurement_check", _("Inkoopcheck")),
    ("register:level", _("Niveau")),
]
REVIEW_QUEUE = "agreements:review_queue"


def navigation(request: HttpRequest) -> dict:
    """The main navigation, each item as (address, label, whether it is the current
    section), and, for an FG, the review queue's address and the number of agreements
    waiting for review."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    is_reviewer = user.has_perm("agreements.review_agreement")
    url_names = [url_name for url_name, _label in NAVIGATION]
    if is_reviewer:
        url_names.append(REVIEW_QUEUE)
    current = _current_section(request.path, url_names)
    context: dict = {
        "navigation": [
            (page_url(url_name), label, url_name == current) for url_name, label in NAVIGATION
        ],
        "navigation_current": current,
    }
    if is_reviewer:
        context["review_queue_url"] = page_url(REVIEW_QUEUE)
        context["review_queue_count"] = Agreement.objects.awaiting_review_by(user).count()
    return context


def _current_section(path: str, url_names: list[str]) -> str | None:
    """The url name of the menu item whose address is the longest prefix of `path`."""
    best, best_length = None, 0
    for url_name in url_names:
        url = page_url(url_name)
        if (path == url or (url != "/" and path.startswith(url))) and len(url) > best_length:
            best, best_length = url_name, len(url)
    return best
