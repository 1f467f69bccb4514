"""What the agreements app adds to the product page, and what higher apps add to the review
page of an agreement (see suppliers/panels.py for the pattern).

The agreements app may not import `register`, nor load its template tags (layering:
suppliers <- agreements <- register); the register adds the flags an approval would leave
open (issue 17) by registering a review panel here, in its `AppConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from suppliers.models import Product
from suppliers.panels import PanelContent

from .models import Agreement, AgreementStatus, Finding, PrivacyNotice

ReviewPanel = Callable[[HttpRequest, Agreement], PanelContent]
_review_panels: list[ReviewPanel] = []
# Shown on every agreement page (the register: the agreement's own open flags).
_agreement_panels: list[ReviewPanel] = []


def add_agreement_panel(panel: ReviewPanel) -> None:
    """Show `panel(request, agreement)` on the page of every agreement (once, however often
    called). The agreement comes with the page's prefetches: a panel that reads only its
    `content_values()` costs no query."""
    if panel not in _agreement_panels:
        _agreement_panels.append(panel)


def agreement_panels(request: HttpRequest, agreement: Agreement) -> list[PanelContent]:
    return [panel(request, agreement) for panel in _agreement_panels]


def add_review_panel(panel: ReviewPanel) -> None:
    """Show `panel(request, agreement)` on the page of every agreement still to be approved
    (once, however often called)."""
    if panel not in _review_panels:
        _review_panels.append(panel)


def review_panels(request: HttpRequest, agreement: Agreement) -> list[PanelContent]:
    return [panel(request, agreement) for panel in _review_panels]


def privacy_notices_panel(request: HttpRequest, product: Product) -> PanelContent:
    """What the privacy notices of this product say (DESIGN.md 11.2): purposes, data subjects,
    retention, locations and the subprocessors that serve it, per agreement that covers it."""
    notices = list(
        PrivacyNotice.objects.filter(product=product, agreement__products=product)
        .exclude(agreement__status=AgreementStatus.TERMINATED)
        .select_related("agreement")
        .prefetch_related("subprocessors")
        .order_by("agreement__reference", "pk")
    )
    return PanelContent(
        template="agreements/_product_notices.html", context={"product_notices": notices}
    )


def accepted_risks_panel(request: HttpRequest, product: Product) -> PanelContent:
    """The risks the FG accepted in the agreements covering this product (issue 17)."""
    risks = list(
        Finding.objects.accepted()
        .filter(agreement__products=product)
        .exclude(agreement__status=AgreementStatus.TERMINATED)
        .select_related("agreement")
        .order_by("agreement__reference", "created_at", "pk")
    )
    return PanelContent(
        template="agreements/_product_risks.html", context={"accepted_risks": risks}
    )
