"""The register's panels on pages of lower apps (see suppliers/panels.py)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from suppliers.models import Product
from suppliers.panels import PanelContent

from .rules.flags import flags_for_product


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
