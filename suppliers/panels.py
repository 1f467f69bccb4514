"""What higher apps add to the supplier and product pages and to the product form.

The suppliers app may not import the apps above it (layering: suppliers <- agreements <-
register), nor load their template tags or reverse their URLs in its templates
(tests/foundation/test_layering.py). The register app adds its part of the product page
(the product's flags and the procurement check) by registering a panel here, in its
`AppConfig.ready()`; the agreements app adds "Overeenkomst toevoegen" to the supplier and
product pages; the register adds the schools field to the product form (its School model
holds the link).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from django.http import HttpRequest

from .models import Product, Supplier

if TYPE_CHECKING:
    from django import forms

Page = TypeVar("Page")  # the object a page shows: a product, a supplier, an agreement


@dataclass(frozen=True)
class PanelContent:
    """One panel as the product page shows it: the template it includes, the names that
    template reads (added to the page's context; the page's own names win), and buttons for
    the page's action bar; on a form page, only the template and its context count)."""

    template: str = ""  # none: the panel only adds context or actions
    context: dict = field(default_factory=dict)
    actions: list[tuple[str, str]] = field(default_factory=list)  # (label, url)


class Panels(Generic[Page]):
    """The panels higher apps add to one kind of page (`add()`, in their `AppConfig.ready()`).
    The page's view calls it with the request and its object: each panel's PanelContent, in
    the order they were added."""

    def __init__(self) -> None:
        self._panels: list[Callable[[HttpRequest, Page], PanelContent]] = []

    def add(self, panel: Callable[[HttpRequest, Page], PanelContent]) -> None:
        """Show `panel(request, obj)` on every such page (once, however often called)."""
        if panel not in self._panels:
            self._panels.append(panel)

    def __call__(self, request: HttpRequest, obj: Page) -> list[PanelContent]:
        return [panel(request, obj) for panel in self._panels]


product_panels = Panels[Product]()
supplier_panels = Panels[Supplier]()
# The forms of an existing product or supplier: what a change there does elsewhere (the
# agreements app: a new name voids the FG's approvals that name it).
product_form_panels = Panels[Product]()
supplier_form_panels = Panels[Supplier]()


class ProductFormExtension:
    """What a higher app adds to the product form: fields (`contribute`), a check that
    refuses a change it knows to be wrong (`clean`, from the form's clean()), and how it
    saves its fields (`save`, inside the transaction that saves the product). Each does
    nothing unless the extension overrides it."""

    def contribute(self, form: forms.ModelForm) -> None:
        pass

    def clean(self, form: forms.ModelForm, cleaned: dict) -> None:
        pass

    def save(self, form: forms.ModelForm, product: Product) -> None:
        pass


_product_form_extensions: list[ProductFormExtension] = []


def add_product_form_extension(extension: ProductFormExtension) -> None:
    """Add `extension`'s fields to every product form (once, however often called)."""
    if extension not in _product_form_extensions:
        _product_form_extensions.append(extension)


def product_form_extensions() -> list[ProductFormExtension]:
    return list(_product_form_extensions)
