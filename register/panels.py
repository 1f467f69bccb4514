"""The register's panels on pages of lower apps (see suppliers/panels.py)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from agreements.models import Agreement
from suppliers.models import Product
from suppliers.panels import PanelContent

from .rules.flags import agreement_flags, flags_for_product, flags_if_approved


def product_flags_panel(request: HttpRequest, product: Product) -> PanelContent:
    """The product's open flags (DESIGN.md section 5) and a link to its procurement check."""
    check = (
        reverse("register:procurement_check")
        + "?"
        + urlencode({"q": product.name, "supplier": product.supplier.name})
    )
    return PanelContent(
        template="register/_product_flags.html",
        context={"product": product, "flags": flags_for_product(product)},
        actions=[(_("Inkoopcheck"), check)],
    )


def agreement_flags_panel(request: HttpRequest, agreement: Agreement) -> PanelContent:
    """The agreement's own open flags (DESIGN.md sections 5 and 11.3), from the content the
    page already read: no query."""
    flags = [] if agreement.is_terminated else agreement_flags(agreement)
    return PanelContent(
        template="register/_agreement_flags.html", context={"agreement_flags": flags}
    )


def agreement_open_flags_panel(request: HttpRequest, agreement: Agreement) -> PanelContent:
    """On the review page: the flags an approval of this content would leave open (issue 17)."""
    return PanelContent(
        template="register/_agreement_open_flags.html",
        context={"open_flags": flags_if_approved(agreement)},
    )
