"""What the evidence says about a processing activity (issue 16, DESIGN.md 11.2-11.3).

An activity's Art. 30(1) text is typed by the privacy officer; its linked products carry the
evidence: their suppliers receive the data (Art. 30(1)(d)), their current agreements say
where it goes (Art. 30(1)(e)) and their data flows say which attributes, special ones
included (art. 9), reach them. Whether an agreement transfers outside the EEA is decided once,
by `agreements.models.transfers_outside_eea`. The consistency flags of 11.3 (rules/flags.py) and the derived
view on the activity page both read `ActivityEvidence`; it needs no queries of its own, only
what `load_register()` read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from agreements.models import (
    APPROVED_SUBPROCESSOR_FIELDS,
    Agreement,
    location_outside_eea,
    split_locations,
    transfers_outside_eea,
)
from suppliers.models import Attribute, ProductRow

COUNTRIES = APPROVED_SUBPROCESSOR_FIELDS.index("countries")


def agreement_countries(agreement: Agreement) -> list[str]:
    """The countries and regions (ISO codes upper case, `EER`, `wereldwijd`) the agreement's
    subprocessors process in, read from its loaded content (no query)."""
    found: set[str] = set()
    for values in agreement.content_values().subprocessors:
        found.update(split_locations(values[COUNTRIES]))
    return sorted(found)


@dataclass(frozen=True)
class SpecialFlow:
    """A special-category attribute (art. 9) that reaches a linked product."""

    product: ProductRow
    attribute: Attribute
    agreement: Agreement | None  # the current agreement it flows under, if any


@dataclass(frozen=True)
class Transfer:
    """A linked product whose current agreement transfers data outside the EEA."""

    product: ProductRow
    agreement: Agreement
    countries: list[str]  # outside the EEA; empty when only the agreement says so


@dataclass
class ActivityEvidence:
    """The activity's linked products and what their evidence says, beside the activity."""

    products: list[ProductRow]
    current_by_product: dict[int, list[Agreement]] = field(default_factory=dict)
    covering_by_product: dict[int, list[Agreement]] = field(default_factory=dict)
    attributes_by_product: dict[int, list[Attribute]] = field(default_factory=dict)

    @property
    def recipients(self) -> list[str]:
        """The suppliers of the linked products: the processors that receive the data."""
        return sorted({p.supplier.name for p in self.products}, key=str.lower)

    @property
    def current_agreements(self) -> list[Agreement]:
        """The current agreements covering a linked product."""
        return self._agreements_of(self.current_by_product)

    @property
    def covering_agreements(self) -> list[Agreement]:
        """The not-terminated agreements covering a linked product, current or not."""
        return self._agreements_of(self.covering_by_product)

    def _agreements_of(self, by_product: dict[int, list[Agreement]]) -> list[Agreement]:
        """The agreements of `by_product` for the linked products, each once, by reference."""
        seen: dict[int, Agreement] = {}
        for product in self.products:
            for agreement in by_product.get(product.pk, ()):
                seen.setdefault(agreement.pk, agreement)
        return sorted(seen.values(), key=lambda a: a.reference)

    @property
    def countries(self) -> list[str]:
        """Every country the current agreements' subprocessors process in."""
        found: set[str] = set()
        for agreement in self.current_agreements:
            found.update(agreement_countries(agreement))
        return sorted(found)

    @property
    def countries_marked(self) -> list[tuple[str, bool]]:
        """(country, outside the EEA) for each of `countries`."""
        return [(country, location_outside_eea(country)) for country in self.countries]

    @property
    def transfers(self) -> list[Transfer]:
        """Per linked product, each current agreement that transfers outside the EEA."""
        found = []
        for product in self.products:
            for agreement in self.current_by_product.get(product.pk, ()):
                if transfers_outside_eea(agreement):
                    outside = [c for c in agreement_countries(agreement) if location_outside_eea(c)]
                    found.append(Transfer(product, agreement, outside))
        return found

    @property
    def attributes(self) -> list[Attribute]:
        """The attributes that flow to any linked product, each once."""
        seen: dict[str, Attribute] = {}
        for product in self.products:
            for attribute in self.attributes_by_product.get(product.pk, ()):
                seen.setdefault(attribute.code, attribute)
        return list(seen.values())

    @property
    def special_flows(self) -> list[SpecialFlow]:
        found = []
        for product in self.products:
            current = self.current_by_product.get(product.id) or [None]
            for attribute in self.attributes_by_product.get(product.id, ()):
                if attribute.special:
                    found.append(SpecialFlow(product, attribute, current[0]))
        return found

    def derived_recipients_text(self) -> str:
        """The recipients as the activity's Ontvangers would say them."""
        if not self.recipients:
            return ""
        return "; ".join(f"{name} (verwerker)" for name in self.recipients)

    def derived_transfers_text(self) -> str:
        """The transfers outside the EEA as the activity's Doorgifte derde landen would say
        them: per agreement, the countries and the product; "geen" when there is none."""
        transfers = self.transfers
        if not transfers:
            return "geen" if self.products else ""
        parts = []
        for transfer in transfers:
            where = ", ".join(transfer.countries) or "buiten de EER"
            parts.append(
                f"{where}: {transfer.product.supplier.name} / {transfer.product.name} "
                f"(overeenkomst {transfer.agreement.reference})"
            )
        return "; ".join(dict.fromkeys(parts))


def evidence_for(
    products: list[ProductRow],
    *,
    covering_by_product: dict[int, list[Agreement]],
    flows_by_product: dict[int, list],
    today: datetime.date,
    memo: dict[int, tuple] | None = None,
) -> ActivityEvidence:
    """The evidence of these products (loaded by `load_register()`; no queries). `memo`
    keeps each product's part for the next call on the same register read (a product is
    linked to several activities)."""
    memo = {} if memo is None else memo
    current: dict[int, list[Agreement]] = {}
    covering: dict[int, list[Agreement]] = {}
    attributes: dict[int, list[Attribute]] = {}
    order: dict[int, tuple[str, str]] = {}
    for product in products:
        pk = product.id
        known = memo.get(pk)
        if known is None:
            seen: dict[str, Attribute] = {}
            for flow in flows_by_product.get(pk, ()):
                seen.setdefault(flow.attribute.code, flow.attribute)
            agreements = covering_by_product.get(pk, ())
            known = memo[pk] = (
                [a for a in agreements if a.is_current(today)],
                list(agreements),
                list(seen.values()),
                (product.supplier.name.lower(), product.name.lower()),
            )
        current[pk], covering[pk], attributes[pk], order[pk] = known
    return ActivityEvidence(
        products=sorted(products, key=lambda p: order[p.id]),
        current_by_product=current,
        covering_by_product=covering,
        attributes_by_product=attributes,
    )
