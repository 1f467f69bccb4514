"""What an agreement must hold before the FG reviews it, and what the review must see.

The one completeness checklist (issue 17): the privacy officer sees it before submitting,
`submit_agreement` refuses while an item is missing, and the FG's page shows the same list;
approving with an item missing needs a stated reason. Reads the agreement's related rows
through `.all()`, so a queryset from `checklist_queryset()` (or the detail page's prefetches)
needs no further queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from suppliers.models import Attribute, DataFlow, Product

from .models import Agreement, DocumentKind, PrivacyNotice


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    missing: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def done(self) -> bool:
        return not self.missing


def checklist_queryset() -> QuerySet[Agreement]:
    """Agreements with everything `completeness()` and `contradictions()` read."""
    return Agreement.objects.prefetch_related(
        Prefetch("products", queryset=Product.objects.order_by("name")),
        "attributes",
        "subprocessors",
        "documents",
        Prefetch(
            "privacy_notices",
            queryset=PrivacyNotice.objects.prefetch_related("attributes"),
        ),
    )


def agreed_codes(agreement: Agreement, product: Product) -> list[str]:
    """The attributes agreed for one covered product: its privacy notice's where it has
    one, else the agreement's (DESIGN.md section 5, "allowed attributes")."""
    for notice in agreement.privacy_notices.all():
        if notice.product_id == product.pk:
            return sorted(a.code for a in notice.attributes.all())
    return sorted(a.code for a in agreement.attributes.all())


def completeness(agreement: Agreement) -> list[ChecklistItem]:
    """The checklist in a fixed order; an item with `missing` entries is not complete."""
    items = []
    has_document = any(d.kind == DocumentKind.AGREEMENT for d in agreement.documents.all())
    items.append(
        ChecklistItem(
            "document",
            _("Getekende verwerkersovereenkomst (PDF)"),
            [] if has_document else [_("upload de getekende overeenkomst als PDF")],
        )
    )
    dates = []
    if not agreement.signed_on:
        dates.append(_("datum van ondertekening"))
    if not agreement.starts_on:
        dates.append(_("ingangsdatum"))
    items.append(ChecklistItem("dates", _("Datum van ondertekening en ingangsdatum"), dates))

    products = list(agreement.products.all())
    product_gaps = [] if products else [_("voeg de producten toe waarvoor de overeenkomst geldt")]
    for product in products:
        if not agreed_codes(agreement, product):
            product_gaps.append(
                _("%(product)s: geen overeengekomen attributen (bijsluiter of overeenkomst)")
                % {"product": product.name}
            )
    items.append(
        ChecklistItem("products", _("Producten met hun overeengekomen attributen"), product_gaps)
    )

    subprocessor_gaps = []
    agreement_safeguard = bool(agreement.transfer_safeguard.strip())
    subprocessors = list(agreement.subprocessors.all())
    for sub in subprocessors:
        if not sub.countries:
            subprocessor_gaps.append(_("%(name)s: land ontbreekt") % {"name": sub.name})
        elif sub.unsafe_transfer and not agreement_safeguard:
            subprocessor_gaps.append(
                _("%(name)s (%(country)s, buiten de EER): waarborg ontbreekt")
                % {"name": sub.name, "country": sub.countries}
            )
    items.append(
        ChecklistItem(
            "subprocessors",
            _("Subverwerkers met land en waarborg"),
            subprocessor_gaps,
            note="" if subprocessors else _("geen subverwerkers vastgelegd"),
        )
    )

    terms = []
    if not agreement.purposes.strip():
        terms.append(_("doeleinden"))
    if not agreement.retention.strip():
        terms.append(_("bewaartermijn"))
    items.append(ChecklistItem("terms", _("Doeleinden en bewaartermijn"), terms))
    return items


def missing_items(agreement: Agreement) -> list[ChecklistItem]:
    return [item for item in completeness(agreement) if not item.done]


def describe_missing(items: list[ChecklistItem]) -> str:
    """One line per missing item, for messages and mails."""
    return "; ".join(f"{item.label}: {', '.join(item.missing)}" for item in items)


def contradictions(agreement: Agreement) -> list[str]:
    """Where the agreement's own fields say something its subprocessors contradict."""
    found = []
    outside = [s for s in agreement.subprocessors.all() if s.outside_eea]
    if outside and not agreement.transfer_outside_eea:
        found.append(
            _(
                "De overeenkomst zegt “Doorgifte buiten de EER: nee”, maar deze subverwerkers "
                "zitten buiten de EER: %(subs)s."
            )
            % {"subs": ", ".join(f"{s.name} ({s.countries})" for s in outside)}
        )
    return found


@dataclass
class FlowRow:
    attribute: Attribute
    channels: list[str]
    agreed: bool


@dataclass
class ProductFlows:
    product: Product
    agreed: list[str]
    rows: list[FlowRow]

    @property
    def beyond(self) -> list[FlowRow]:
        return [row for row in self.rows if not row.agreed]


def flows_against_agreement(agreement: Agreement) -> list[ProductFlows]:
    """Per covered product, its recorded data flows marked as agreed or not under this
    agreement (one query for the flows, besides the prefetched content)."""
    products = list(agreement.products.all())
    flows = (
        DataFlow.objects.filter(product__in=[p.pk for p in products])
        .select_related("attribute")
        .order_by("attribute__sort_order", "attribute__code", "channel")
    )
    by_product: dict[int, dict[str, FlowRow]] = defaultdict(dict)
    for flow in flows:
        rows = by_product[flow.product_id]
        label = flow.get_channel_display()
        if flow.attribute.code in rows:
            if label not in rows[flow.attribute.code].channels:
                rows[flow.attribute.code].channels.append(label)
        else:
            rows[flow.attribute.code] = FlowRow(flow.attribute, [label], False)
    result = []
    for product in products:
        agreed = agreed_codes(agreement, product)
        rows = list(by_product[product.pk].values())
        for row in rows:
            row.agreed = row.attribute.code in agreed
        result.append(ProductFlows(product, agreed, rows))
    return result
