"""What the agreements app adds to the product page, and what higher apps add to the review
page of an agreement (see suppliers/panels.py for the pattern).

The agreements app may not import `register`, nor load its template tags (layering:
suppliers <- agreements <- register); the register adds the flags an approval would leave
open (issue 17) by registering a review panel here, in its `AppConfig.ready()`.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from suppliers.models import Product, Supplier
from suppliers.panels import PanelContent, Panels, ProductFormExtension

from .models import Agreement, AgreementStatus, Finding, PrivacyNotice

# Shown on the page of every agreement still to be approved (the register: the flags an
# approval would leave open).
review_panels = Panels[Agreement]()
# Shown on every agreement page (the register: the agreement's own open flags). The agreement
# comes with the page's prefetches: a panel that reads only its `content_values()` costs no
# query.
agreement_panels = Panels[Agreement]()


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


def _add_agreement(request: HttpRequest, **params: int) -> PanelContent:
    """ "Overeenkomst toevoegen" in the action bar and beside an empty agreements list, for
    whoever may add one; the form opens with the supplier (and product) chosen."""
    if not request.user.has_perm("agreements.add_agreement"):
        return PanelContent()
    url = f"{reverse('agreements:agreement_create')}?{urlencode(params)}"
    return PanelContent(
        context={"add_agreement_url": url}, actions=[(_("Overeenkomst toevoegen"), url)]
    )


def add_agreement_for_supplier_panel(request: HttpRequest, supplier: Supplier) -> PanelContent:
    return _add_agreement(request, supplier=supplier.pk)


def add_agreement_for_product_panel(request: HttpRequest, product: Product) -> PanelContent:
    return _add_agreement(request, supplier=product.supplier_id, product=product.pk)


def _name_in_approvals(agreements) -> PanelContent:
    """The approved agreements whose approval covers this name (DESIGN.md section 3: the
    approval covers the supplier's and the products' names as the FG read them)."""
    references = list(
        agreements.filter(status=AgreementStatus.APPROVED)
        .order_by("reference")
        .values_list("reference", flat=True)
    )
    return PanelContent(
        template="agreements/_name_in_approvals.html" if references else "",
        context={"name_in_approvals": references},
    )


def name_in_approvals_of_product_panel(request: HttpRequest, product: Product) -> PanelContent:
    return _name_in_approvals(Agreement.objects.filter(products=product))


def name_in_approvals_of_supplier_panel(request: HttpRequest, supplier: Supplier) -> PanelContent:
    return _name_in_approvals(Agreement.objects.filter(supplier=supplier))


class CoveredProductKeepsItsSupplier(ProductFormExtension):
    """The product form (suppliers app) refuses to move a product to another supplier while
    an agreement of its supplier covers it: the agreement's approval covers the product as
    its supplier's (DESIGN.md section 3), and the agreement form offers only that supplier's
    products, so the move would void the approval and the next save of the agreement would
    drop the product without a word."""

    def clean(self, form, cleaned: dict) -> None:
        product, supplier = form.instance, cleaned.get("supplier")
        if product.pk is None or supplier is None or supplier.pk == product.supplier_id:
            return
        covering = sorted(
            Agreement.objects.not_terminated()
            .filter(products=product, supplier_id=product.supplier_id)
            .values_list("reference", flat=True)
        )
        if covering:
            form.add_error(
                "supplier",
                _(
                    "%(product)s valt onder %(references)s van %(supplier)s. Haal het product "
                    "eerst uit die overeenkomst (of beëindig haar) en verplaats het dan naar een "
                    "andere leverancier."
                )
                % {
                    "product": product.name,
                    "references": ", ".join(covering),
                    "supplier": product.supplier.name,
                },
            )


covered_product_keeps_its_supplier = CoveredProductKeepsItsSupplier()
