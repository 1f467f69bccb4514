"""What higher apps add to the product page.

The suppliers app may not import the apps above it (layering: suppliers <- agreements <-
register), nor load their template tags or reverse their URLs in its templates
(tests/foundation/test_layering.py). The register app adds its part of the product page
(the product's flags and the procurement check) by registering a panel here, in its
`AppConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest

from .models import Product


@dataclass(frozen=True)
class PanelContent:
    """One panel as the product page shows it: the template it includes, the names that
    template reads (added to the page's context; the page's own names win), and buttons for
    the page's action bar."""

    template: str
    context: dict = field(default_factory=dict)
    actions: list[tuple[str, str]] = field(default_factory=list)  # (label, url)


ProductPanel = Callable[[HttpRequest, Product], PanelContent]
_product_panels: list[ProductPanel] = []


def add_product_panel(panel: ProductPanel) -> None:
    """Show `panel(request, product)` on every product page (once, however often called)."""
    if panel not in _product_panels:
        _product_panels.append(panel)


def product_panels(request: HttpRequest, product: Product) -> list[PanelContent]:
    return [panel(request, product) for panel in _product_panels]
