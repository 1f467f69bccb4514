"""The flags of DESIGN.md section 5: computed findings that need action.

Pure rules over the register read in a fixed number of queries (`load_register()`),
whatever its size. The same helpers decide the procurement verdict (rules/verdict.py), so
"covers", "current" and "allowed attributes" are defined once, here and in the model
methods of agreements/models.py (`is_current`, `why_not_current`, `changed_since_approval`,
`has_ended`, `ends_in_expiry_window`).
"""

from __future__ import annotations

import copy
import datetime
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_lazy

from agreements.models import (
    Agreement,
    AgreementStatus,
    Decision,
    DocumentKind,
    NotCurrentReason,
    Review,
    load_content_values,
    location_unknown,
    unsafe_transfer,
)
from suppliers.models import Attribute, Channel, DataFlow, Product, ProductRow, Supplier

from ..models import ProcessingActivity, is_blank
from . import cache
from .evidence import ActivityEvidence, evidence_for

# Inside `translated_once()`: the message texts translated and the days formatted so far (a
# register's flags repeat a few dozen texts thousands of times, and each gettext call looks up
# the active language; some 500 dates in a register's messages are a hundred distinct days).
_translated: ContextVar[dict[str | datetime.date, str] | None] = ContextVar(
    "flags_translated", default=None
)


def _(message: str) -> str:
    """gettext, looked up once per text inside `translated_once()`."""
    known = _translated.get()
    if known is None:
        return gettext(message)
    text = known.get(message)
    if text is None:
        text = known[message] = gettext(message)
    return text


@contextmanager
def translated_once() -> Iterator[None]:
    """Translate each message text and format each day once in this block (the language does
    not change in it)."""
    token = _translated.set({})
    try:
        yield
    finally:
        _translated.reset(token)


HIGH, MEDIUM, LOW = "high", "medium", "low"
SEVERITY_ORDER = {HIGH: 0, MEDIUM: 1, LOW: 2}
SEVERITY_LABELS = {
    HIGH: gettext_lazy("hoog"),
    MEDIUM: gettext_lazy("middel"),
    LOW: gettext_lazy("laag"),
}

NO_AGREEMENT = "no_agreement"
APPROVAL_OUTDATED = "approval_outdated"
EXPIRED = "expired"
NOT_APPROVED = "not_approved"
EXPIRING = "expiring"
UNSIGNED = "unsigned"
FLOWS_UNKNOWN = "flows_unknown"
FLOW_EXCEEDS_AGREEMENT = "flow_exceeds_agreement"
NO_DOCUMENT = "no_document"
TRANSFER_OUTSIDE_EEA = "transfer_outside_eea"
REGISTER_INCOMPLETE = "register_incomplete"
SUBPROCESSOR_LOCATION_UNKNOWN = "subprocessor_location_unknown"
ARP_MISSING = "arp_missing"
TRANSFER_NOT_IN_REGISTER = "transfer_not_in_register"
SPECIAL_CATEGORY_UNJUSTIFIED = "special_category_unjustified"

# code -> (severity, Dutch label for display)
FLAG_CODES: dict[str, tuple[str, str]] = {
    NO_AGREEMENT: (HIGH, gettext_lazy("Geen verwerkersovereenkomst")),
    APPROVAL_OUTDATED: (HIGH, gettext_lazy("Gewijzigd na akkoord FG")),
    EXPIRED: (HIGH, gettext_lazy("Overeenkomst verlopen")),
    NOT_APPROVED: (HIGH, gettext_lazy("Geen goedgekeurde overeenkomst")),
    EXPIRING: (MEDIUM, gettext_lazy("Overeenkomst loopt binnenkort af")),
    UNSIGNED: (MEDIUM, gettext_lazy("Overeenkomst niet getekend")),
    FLOWS_UNKNOWN: (LOW, gettext_lazy("Gegevensstromen onbekend")),
    FLOW_EXCEEDS_AGREEMENT: (HIGH, gettext_lazy("Gegevensstroom buiten de overeenkomst")),
    NO_DOCUMENT: (LOW, gettext_lazy("Geen document opgeslagen")),
    TRANSFER_OUTSIDE_EEA: (MEDIUM, gettext_lazy("Doorgifte buiten de EER zonder waarborg")),
    REGISTER_INCOMPLETE: (MEDIUM, gettext_lazy("Verwerkingsregister onvolledig")),
    # DESIGN.md 11.3: shown and exported; they change neither the verdict nor the level.
    SUBPROCESSOR_LOCATION_UNKNOWN: (MEDIUM, gettext_lazy("Locatie subverwerker onbekend")),
    ARP_MISSING: (MEDIUM, gettext_lazy("ARP ontbreekt voor Entree-attribuut")),
    TRANSFER_NOT_IN_REGISTER: (MEDIUM, gettext_lazy("Doorgifte niet in het register")),
    SPECIAL_CATEGORY_UNJUSTIFIED: (
        MEDIUM,
        gettext_lazy("Bijzondere persoonsgegevens zonder uitzondering"),
    ),
}
# The flags that mean "this product has no approved agreement" (dashboard's first block).
AGREEMENT_MISSING_CODES = frozenset({NO_AGREEMENT, NOT_APPROVED, APPROVAL_OUTDATED, EXPIRED})


@dataclass(frozen=True, slots=True)
class Flag:
    """One finding with one subject: a product, an agreement or a processing activity."""

    code: str
    severity: str
    message: str
    product: ProductRow | None = None
    agreement: Agreement | None = None
    attribute: Attribute | None = None
    activity: ProcessingActivity | None = None

    @property
    def supplier(self) -> Supplier | None:
        if self.product is not None:
            return self.product.supplier
        if self.agreement is not None:
            return self.agreement.supplier
        return None

    @property
    def subject(self) -> Product | Agreement | ProcessingActivity | None:
        return self.product or self.agreement or self.activity

    @property
    def subject_name(self) -> str:
        if self.product is not None:
            return self.product.name
        if self.agreement is not None:
            return self.agreement.reference
        return self.activity.name if self.activity is not None else ""

    @property
    def severity_label(self) -> str:
        return str(SEVERITY_LABELS[self.severity])

    @property
    def label(self) -> str:
        return str(FLAG_CODES[self.code][1])

    def sort_key(self) -> tuple:
        supplier = self.supplier.name.lower() if self.supplier else ""
        return (
            SEVERITY_ORDER[self.severity],
            self.code,
            self.subject_name.lower(),
            supplier,
            self.attribute.code if self.attribute else "",
        )

    def as_json(self) -> dict:
        """The contract keys of `flags --json` (DESIGN.md section 8)."""
        supplier = self.supplier
        return {
            "code": self.code,
            "severity": self.severity,
            "product": self.product.name if self.product else None,
            "supplier": supplier.name if supplier else None,
            "agreement": self.agreement.reference if self.agreement else None,
            "attribute": self.attribute.code if self.attribute else None,
            "activity": self.activity.name if self.activity else None,
            "message": self.message,
        }


def _flag(code: str, message: str, **subject) -> Flag:
    return Flag(code=code, severity=FLAG_CODES[code][0], message=message, **subject)


# --- reading the register -------------------------------------------------------------------


class Flow(NamedTuple):
    """One data flow as the rules read it."""

    attribute: Attribute
    channel: str
    # Entree releases this attribute only under an ARP the school signed (`arp_flags()`).
    needs_arp: bool

    @classmethod
    def of(cls, attribute: Attribute, channel: str) -> Flow:
        return cls(attribute, channel, attribute.needs_arp and channel == Channel.ENTREE)


@dataclass
class RegisterData:
    """Everything the rules read, fetched once."""

    products: list[ProductRow]
    agreements: list[Agreement]  # not terminated, content read by load_content_values()
    flows_by_product: dict[int, list[Flow]] = field(default_factory=dict)
    covering_by_product: dict[int, list[Agreement]] = field(default_factory=dict)
    activities: list[ProcessingActivity] = field(default_factory=list)
    linked_product_ids: set[int] = field(default_factory=set)
    # activity id -> the ids of its linked products (read with the activities)
    products_by_activity: dict[int, list[int]] = field(default_factory=dict)
    # day -> product id -> its part of an activity's evidence (rules/evidence.py)
    _evidence_memo: dict[datetime.date, dict[int, tuple]] = field(default_factory=dict)

    @cached_property
    def products_by_id(self) -> dict[int, ProductRow]:
        return {p.id: p for p in self.products}

    def evidence(self, activity: ProcessingActivity, today: datetime.date) -> ActivityEvidence:
        """What the evidence of the activity's linked products says (rules/evidence.py)."""
        products = [
            self.products_by_id[pk]
            for pk in self.products_by_activity.get(activity.pk, ())
            if pk in self.products_by_id
        ]
        return evidence_for(
            products,
            covering_by_product=self.covering_by_product,
            flows_by_product=self.flows_by_product,
            today=today,
            memo=self._evidence_memo.setdefault(today, {}),
        )


# The product fields a `ProductRow` is made of, for reading products as model instances first
# (`.only()`); the whole register reads them as rows straight away.
FLAG_PRODUCT_FIELDS = ("name", "status", "processes_personal_data", "supplier", "supplier__name")
FLAG_SUPPLIER_FIELDS = ("name",)


_FIRST = itemgetter(0)
_ATTRIBUTE_AND_CHANNEL = itemgetter(1, 2)


class _SharedFlows(dict):
    """(attribute id, channel) -> its one `Flow`, made when first asked."""

    def __init__(self, attributes: dict[int, Attribute]) -> None:
        super().__init__()
        self.attributes = attributes

    def __missing__(self, key: tuple[int, str]) -> Flow:
        flow = self[key] = Flow.of(self.attributes[key[0]], key[1])
        return flow


def agreements_queryset():
    """Agreements as the rules read them: not terminated. Read them with
    `load_content_values(..., approvals=True)`: their related content as tuples and their
    approving reviews (`approving_review()` reads only those); each fingerprint is computed
    once, when first asked."""
    return Agreement.objects.not_terminated().select_related("supplier").order_by("reference")


def load_register(
    products: Iterable[Product] | None = None, *, read_links: bool = True
) -> RegisterData:
    """Read products, their data flows, covering agreements and the processing register in a
    fixed number of queries, whatever the register's size.

    With `products` (select_related supplier), only those products, the agreements covering
    them and their links to activities are read, and no activities. With `read_links=False`,
    no links to activities either (`products_by_activity` stays empty). Either way the
    products are held as `ProductRow`s, so that a flag's product is one kind of object.
    """
    whole_register = products is None
    agreements_qs = agreements_queryset()
    if whole_register:
        # Only what the rules and the pages that show flags read (name, scope, supplier's
        # name, the key for links): a third of the time of reading whole rows. Each supplier
        # is read once and shared by its products and agreements (not once per row).
        suppliers = {s.pk: s for s in Supplier.objects.only(*FLAG_SUPPLIER_FIELDS)}
        products = [
            ProductRow(pk, name, status, processes, supplier_id, suppliers[supplier_id])
            for pk, name, status, processes, supplier_id in Product.objects.order_by(
                "name", "supplier__name"
            ).values_list(*ProductRow.FIELDS)
        ]
        agreements_qs = list(agreements_qs.select_related(None))
        for agreement in agreements_qs:
            agreement.supplier = suppliers[agreement.supplier_id]
    else:
        products = [ProductRow.of(product) for product in products]
    product_ids = [p.id for p in products]
    flows = DataFlow.objects.order_by(
        "product_id", "attribute__sort_order", "attribute__code", "channel"
    )
    links = ProcessingActivity.products.through.objects.values_list(
        "processingactivity_id", "product_id"
    )
    if not whole_register:
        flows = flows.filter(product_id__in=product_ids)
    # Flows as plain tuples (a register holds tens of thousands) in product order: the
    # database reads them along the unique (product, attribute, ...) index and sorts each
    # product's few, not all of them (a third less SQL), and each product's list is made by
    # `map`, not a Python loop per row. One Attribute each code and one Flow each attribute
    # and channel (a flow is a value: they share it).
    shared = _SharedFlows({a.pk: a for a in Attribute.objects.all()})
    flows_by_product = {
        product_id: list(map(shared.__getitem__, map(_ATTRIBUTE_AND_CHANNEL, rows)))
        for product_id, rows in groupby(
            flows.values_list("product_id", "attribute_id", "channel"), key=_FIRST
        )
    }
    if not whole_register:
        # The covering agreements by their links (a DISTINCT over whole agreement rows costs
        # more than the subquery on PostgreSQL).
        agreements_qs = agreements_qs.filter(
            pk__in=Agreement.products.through.objects.filter(product_id__in=product_ids).values(
                "agreement_id"
            )
        )
        links = links.filter(product_id__in=product_ids)
    agreements = load_content_values(agreements_qs, all_agreements=whole_register, approvals=True)
    covering: dict[int, list[Agreement]] = defaultdict(list)
    for agreement in agreements:
        for product_id in agreement.content_values().product_ids:
            covering[product_id].append(agreement)
    activities = list(ProcessingActivity.objects.order_by("name")) if whole_register else []
    products_by_activity: dict[int, list[int]] = defaultdict(list)
    for activity_id, product_id in links if read_links else ():
        products_by_activity[activity_id].append(product_id)
    return RegisterData(
        products=products,
        agreements=agreements,
        flows_by_product=flows_by_product,
        covering_by_product=covering,
        activities=activities,
        linked_product_ids={pk for pks in products_by_activity.values() for pk in pks},
        products_by_activity=products_by_activity,
    )


# --- the product rules, shared with the verdict ----------------------------------------------


def allowed_codes(product: Product | ProductRow, agreement: Agreement) -> set[str]:
    """The allowed attributes of a product under an agreement (DESIGN.md section 5): those of
    the product's privacy notice under that agreement where it exists, else the agreement's."""
    content = agreement.content_values()
    for notice in content.notices:
        if notice.product_id == product.id:
            return set(notice.codes)
    return set(content.attribute_codes)


def _latest_approval_key(agreement: Agreement) -> tuple:
    review = agreement.approving_review()
    return (review.decided_at, review.pk)


@dataclass
class Coverage:
    """How a product stands under its covering agreements on one day (DESIGN.md section 5)."""

    product: Product | ProductRow  # the verdict's is the model instance
    covering: list[Agreement]
    current: list[Agreement]
    # The agreements whose allowed attributes count: the current ones, or else the covering
    # one with the most recent approving review; empty when none was ever approved.
    basis: list[Agreement]
    exceeding: list[Attribute]
    flows: list[Flow]
    today: datetime.date

    @property
    def outdated(self) -> list[Agreement]:
        return [a for a in self.covering if a.changed_since_approval()]

    @property
    def ended(self) -> list[Agreement]:
        return [a for a in self.covering if a.why_not_current(self.today) == NotCurrentReason.ENDED]

    @property
    def expiring_agreement(self) -> Agreement | None:
        """The latest-ending current agreement when every current one ends within the
        window (`expiring`), else None."""
        if not self.current or any(a.ends_on is None for a in self.current):
            return None
        latest = max(self.current, key=lambda a: a.ends_on)
        return latest if latest.ends_in_expiry_window(self.today) else None

    @property
    def unsigned(self) -> bool:
        return bool(self.current) and not any(a.signed_on for a in self.current)

    @property
    def basis_agreement(self) -> Agreement | None:
        """The agreement a finding about flows or approval names."""
        if self.basis:
            return self.basis[0]
        return max(self.covering, key=lambda a: a.pk, default=None)


def coverage_for(
    product: Product | ProductRow,
    covering: list[Agreement],
    flows: list[Flow],
    today: datetime.date,
) -> Coverage:
    current = [a for a in covering if a.is_current(today)]
    if current:
        # Open-ended or latest-ending first: the agreement a finding names.
        basis = sorted(current, key=lambda a: a.ends_on or datetime.date.max, reverse=True)
    else:
        approved_once = [a for a in covering if a.approving_review() is not None]
        basis = [max(approved_once, key=_latest_approval_key)] if approved_once else []
    exceeding: list[Attribute] = []
    if basis:
        allowed = set().union(*(allowed_codes(product, a) for a in basis))
        seen: set[str] = set()
        for flow in flows:
            code = flow.attribute.code
            if code not in allowed and code not in seen:
                seen.add(code)
                exceeding.append(flow.attribute)
    return Coverage(
        product=product,
        covering=covering,
        current=current,
        basis=basis,
        exceeding=exceeding,
        flows=flows,
        today=today,
    )


def _date(day: datetime.date) -> str:
    """The day as the messages say it ("1 augustus 2026"), once per day in `translated_once()`."""
    known = _translated.get()
    if known is None:
        return formats.date_format(day, "j F Y")
    text = known.get(day)
    if text is None:
        text = known[day] = formats.date_format(day, "j F Y")
    return text


# The agreement a not_approved finding names: the one closest to approval, newest first.
_PROGRESS = {
    AgreementStatus.APPROVED: 0,
    AgreementStatus.SUBMITTED: 1,
    AgreementStatus.CHANGES_REQUESTED: 2,
    AgreementStatus.DRAFT: 3,
    AgreementStatus.REJECTED: 4,
}


def most_advanced(agreements: list[Agreement]) -> Agreement:
    return min(agreements, key=lambda a: (_PROGRESS.get(a.status, 9), -a.pk))


def _not_approved_message(
    agreement: Agreement, product: Product | ProductRow, today: datetime.date
) -> str:
    """Why the named agreement is not current (`Agreement.why_not_current`), and what to do."""
    values = {"ref": agreement.reference, "product": product.name}
    reason = agreement.why_not_current(today)
    if reason == NotCurrentReason.REJECTED:
        return (
            _(
                "De FG heeft overeenkomst %(ref)s afgekeurd. Maak met de leverancier een nieuwe "
                "overeenkomst of stop het gebruik van %(product)s."
            )
            % values
        )
    if reason == NotCurrentReason.CHANGES_REQUESTED:
        return (
            _(
                "De FG heeft aanpassingen gevraagd in overeenkomst %(ref)s. Verwerk die en dien de "
                "overeenkomst opnieuw in ter beoordeling."
            )
            % values
        )
    if reason == NotCurrentReason.SUBMITTED:
        return (
            _(
                "Overeenkomst %(ref)s wacht op het oordeel van de FG. Tot het akkoord mag "
                "%(product)s geen persoonsgegevens ontvangen."
            )
            % values
        )
    if reason == NotCurrentReason.NOT_STARTED:
        return _(
            "Overeenkomst %(ref)s is goedgekeurd maar gaat pas in op %(day)s. Tot dan is er "
            "geen geldende overeenkomst voor %(product)s."
        ) % {**values, "day": _date(agreement.starts_on)}
    if reason == NotCurrentReason.NO_APPROVAL:
        return (
            _(
                "Overeenkomst %(ref)s staat op goedgekeurd, maar er is geen akkoord van de FG "
                "vastgelegd. Dien de overeenkomst in ter beoordeling."
            )
            % values
        )
    return (
        _(
            "Overeenkomst %(ref)s is nog een concept. Rond haar af en dien haar in ter beoordeling "
            "door de FG."
        )
        % values
    )


# Following the advice of some flags changes what the FG approved (the signing date, the
# documents: DESIGN.md section 3): the message says so, so that the approval_outdated that
# follows is no surprise.
def _review_again() -> str:
    return _(
        " Dat wijzigt wat de FG heeft goedgekeurd: dien de overeenkomst daarna opnieuw in ter "
        "beoordeling."
    )


def product_flags(coverage: Coverage) -> list[Flag]:
    """The product flags of DESIGN.md section 5 (AVG art. 28 lid 1 and 3: processing by a
    processor only under a contract; art. 5 lid 1 sub c: data minimisation)."""
    product, today = coverage.product, coverage.today
    flags: list[Flag] = []
    if not coverage.covering:
        flags.append(
            _flag(
                NO_AGREEMENT,
                _(
                    "Er is geen verwerkersovereenkomst voor %(product)s van %(supplier)s. "
                    "Sluit een overeenkomst af met de leverancier (bij voorkeur Model Convenant 4.0) "
                    "of stop het gebruik."
                )
                % {"product": product.name, "supplier": product.supplier.name},
                product=product,
            )
        )
    elif not coverage.current:
        # Precedence: approval_outdated > expired > not_approved.
        if coverage.outdated:
            agreement = coverage.outdated[0]
            flags.append(
                _flag(
                    APPROVAL_OUTDATED,
                    _(
                        "Overeenkomst %(ref)s is gewijzigd na het akkoord van de FG, dus het "
                        "akkoord geldt niet meer. Dien de overeenkomst opnieuw in ter beoordeling."
                    )
                    % {"ref": agreement.reference},
                    product=product,
                    agreement=agreement,
                )
            )
        elif coverage.ended:
            agreement = max(coverage.ended, key=lambda a: a.ends_on)
            flags.append(
                _flag(
                    EXPIRED,
                    _(
                        "Overeenkomst %(ref)s is verlopen op %(day)s. Verleng de overeenkomst en "
                        "laat haar beoordelen door de FG, of stop het gebruik van %(product)s."
                    )
                    % {
                        "ref": agreement.reference,
                        "day": _date(agreement.ends_on),
                        "product": product.name,
                    },
                    product=product,
                    agreement=agreement,
                )
            )
        else:
            agreement = most_advanced(coverage.covering)
            flags.append(
                _flag(
                    NOT_APPROVED,
                    _not_approved_message(agreement, product, today),
                    product=product,
                    agreement=agreement,
                )
            )
    expiring = coverage.expiring_agreement
    if expiring is not None:
        flags.append(
            _flag(
                EXPIRING,
                _(
                    "Overeenkomst %(ref)s loopt af op %(day)s (over %(days)s dagen). "
                    "Start de verlenging en laat de nieuwe overeenkomst op tijd beoordelen."
                )
                % {
                    "ref": expiring.reference,
                    "day": _date(expiring.ends_on),
                    "days": (expiring.ends_on - today).days,
                },
                product=product,
                agreement=expiring,
            )
        )
    if coverage.unsigned:
        agreement = coverage.current[0]
        flags.append(
            _flag(
                UNSIGNED,
                _(
                    "Overeenkomst %(ref)s is goedgekeurd maar er is geen ondertekening vastgelegd. "
                    "Laat de overeenkomst tekenen en leg de datum vast."
                )
                % {"ref": agreement.reference}
                + _review_again(),
                product=product,
                agreement=agreement,
            )
        )
    if not coverage.flows:
        flags.append(
            _flag(
                FLOWS_UNKNOWN,
                _(
                    "Voor %(product)s zijn geen gegevensstromen vastgelegd. Leg vast welke "
                    "attributen via welk kanaal naar de leverancier gaan."
                )
                % {"product": product.name},
                product=product,
            )
        )
    flags.extend(arp_flags(coverage))
    agreement = coverage.basis_agreement
    for attribute in coverage.exceeding:
        flags.append(
            _flag(
                FLOW_EXCEEDS_AGREEMENT,
                _(
                    "Attribuut %(label)s (%(code)s) gaat naar %(product)s maar is niet "
                    "overeengekomen in %(ref)s. Stop deze gegevensstroom of neem het attribuut "
                    "op in de overeenkomst of de privacybijsluiter."
                )
                % {
                    "code": attribute.code,
                    "label": attribute.label,
                    "product": product.name,
                    "ref": agreement.reference,
                },
                product=product,
                agreement=agreement,
                attribute=attribute,
            )
        )
    return flags


def holds_arp(agreement: Agreement) -> bool:
    return any(
        kind == DocumentKind.ARP for kind, _version, _sha in agreement.content_values().documents
    )


def arp_flags(coverage: Coverage) -> list[Flag]:
    """`arp_missing` (DESIGN.md 11.3), one per attribute: Entree releases an attribute with
    `needs_arp` only under an attribute release policy the school signed, so a flow of it
    through Entree needs that ARP among the documents of an agreement covering the product."""
    needing = [flow.attribute for flow in coverage.flows if flow.needs_arp]
    if not needing or any(holds_arp(a) for a in coverage.covering):
        return []
    product, flags, seen = coverage.product, [], set()
    for attribute in needing:
        if attribute.code in seen:
            continue
        seen.add(attribute.code)
        flags.append(
            _flag(
                ARP_MISSING,
                _(
                    "Attribuut %(label)s (%(code)s) gaat via Entree naar %(product)s, maar "
                    "Entree geeft het alleen vrij onder een getekend attribuutvrijgavebeleid "
                    "(ARP), en geen overeenkomst voor dit product bevat een ARP. Upload het "
                    "getekende ARP bij de overeenkomst (soort ARP) of stop deze gegevensstroom."
                )
                % {"code": attribute.code, "label": attribute.label, "product": product.name}
                + (_review_again() if coverage.current else ""),
                product=product,
                agreement=coverage.basis_agreement,
                attribute=attribute,
            )
        )
    return flags


# --- agreement and register rules ----------------------------------------------------------


def has_agreement_document(agreement: Agreement) -> bool:
    return any(
        kind == DocumentKind.AGREEMENT
        for kind, _version, _sha in agreement.content_values().documents
    )


def agreement_flags(agreement: Agreement) -> list[Flag]:
    """`no_document` (AVG art. 28 lid 9: the contract is in writing; Kennisnet level 4: stored
    centrally) and `transfer_outside_eea` (AVG art. 44-46) of DESIGN.md section 5, and
    `subprocessor_location_unknown` (11.3: AVG art. 28 lid 2 and 4, art. 44; without a
    location the transfer rule cannot be applied)."""
    flags: list[Flag] = []
    approved_or_signed = agreement.status == AgreementStatus.APPROVED or agreement.signed_on
    if approved_or_signed and not has_agreement_document(agreement):
        flags.append(
            _flag(
                NO_DOCUMENT,
                _(
                    "Van overeenkomst %(ref)s is geen verwerkersovereenkomst (PDF) opgeslagen. "
                    "Upload het getekende document."
                )
                % {"ref": agreement.reference}
                + (_review_again() if agreement.status == AgreementStatus.APPROVED else ""),
                agreement=agreement,
            )
        )
    unsafe = transfer_problems(agreement)
    if unsafe:
        flags.append(
            _flag(
                TRANSFER_OUTSIDE_EEA,
                _(
                    "Overeenkomst %(ref)s: gegevens gaan buiten de EER zonder vastgelegde waarborg "
                    "(%(where)s). Leg de waarborg vast (adequaatheidsbesluit of "
                    "modelcontractbepalingen) of laat de doorgifte stoppen."
                )
                % {"ref": agreement.reference, "where": "; ".join(unsafe)},
                agreement=agreement,
            )
        )
    unknown = sorted(
        name
        for name, _service, countries, *_rest in agreement.content_values().subprocessors
        if location_unknown(countries)
    )
    if unknown:
        flags.append(
            _flag(
                SUBPROCESSOR_LOCATION_UNKNOWN,
                _(
                    "Overeenkomst %(ref)s: niet vastgelegd waar %(names)s de gegevens "
                    "verwerkt. Vraag het de leverancier en vul het land of de regio in (EER of "
                    "wereldwijd); zonder locatie is niet te zien of gegevens de EER verlaten."
                )
                % {"ref": agreement.reference, "names": ", ".join(unknown)},
                agreement=agreement,
            )
        )
    return flags


def transfer_problems(agreement: Agreement) -> list[str]:
    """Why an agreement's transfer outside the EEA lacks a safeguard (empty when it has one)."""
    if agreement.transfer_safeguard.strip():
        return []
    problems = [
        _("subverwerker %(name)s (locatie: %(country)s)") % {"name": name, "country": countries}
        for name, _service, countries, safeguard, _hq, kind in (
            agreement.content_values().subprocessors
        )
        if unsafe_transfer(countries, safeguard, kind)
    ]
    if agreement.transfer_outside_eea:
        problems.insert(0, _("de overeenkomst vermeldt doorgifte buiten de EER"))
    return problems


def activity_flags(
    activity: ProcessingActivity,
    data: RegisterData | None = None,
    today: datetime.date | None = None,
) -> list[Flag]:
    """The flags whose subject is this activity: `register_incomplete` (a missing Art. 30(1)
    AVG field), and, with the register's evidence (`data`, read by `load_register()` with the
    activity's links), the consistency flags of DESIGN.md 11.3: `transfer_not_in_register`
    (Art. 30(1)(e)) and `special_category_unjustified` (art. 9). No queries."""
    flags: list[Flag] = []
    missing = activity.missing_fields()
    if missing:
        flags.append(
            _flag(
                REGISTER_INCOMPLETE,
                _(
                    "Verwerking %(name)s mist: %(fields)s. Vul deze gegevens aan "
                    "(art. 30 lid 1 AVG)."
                )
                % {"name": activity.name, "fields": ", ".join(missing)},
                activity=activity,
            )
        )
    checks_transfers = activity.records_no_transfer()
    checks_special = is_blank(activity.special_category_exception)
    if data is None or not (checks_transfers or checks_special):
        return flags
    evidence = data.evidence(activity, today or timezone.localdate())
    if checks_transfers:
        causes = [
            _("%(product)s (overeenkomst %(ref)s%(where)s)")
            % {
                "product": transfer.product.name,
                "ref": transfer.agreement.reference,
                "where": f": {', '.join(transfer.countries)}" if transfer.countries else "",
            }
            for transfer in evidence.transfers
        ]
        if causes:
            flags.append(
                _flag(
                    TRANSFER_NOT_IN_REGISTER,
                    _(
                        "Verwerking %(name)s vermeldt geen doorgifte naar derde landen, maar "
                        "gegevens gaan buiten de EER via %(causes)s. Neem de doorgifte en de "
                        "waarborg op in “Doorgifte derde landen” (art. 30 lid 1 sub e AVG)."
                    )
                    % {"name": activity.name, "causes": "; ".join(dict.fromkeys(causes))},
                    activity=activity,
                )
            )
    if checks_special:
        causes = []
        for special in evidence.special_flows:
            values = {
                "label": special.attribute.label,
                "code": special.attribute.code,
                "product": special.product.name,
            }
            if special.agreement is not None:
                values["ref"] = special.agreement.reference
                causes.append(
                    _("%(label)s (%(code)s) naar %(product)s (overeenkomst %(ref)s)") % values
                )
            else:
                causes.append(_("%(label)s (%(code)s) naar %(product)s") % values)
        if causes:
            flags.append(
                _flag(
                    SPECIAL_CATEGORY_UNJUSTIFIED,
                    _(
                        "Bij verwerking %(name)s gaan bijzondere persoonsgegevens: %(causes)s, "
                        "maar de verwerking noemt geen uitzondering van art. 9 lid 2 AVG. Leg de "
                        "uitzondering vast of stop deze gegevensstroom."
                    )
                    % {"name": activity.name, "causes": "; ".join(causes)},
                    activity=activity,
                )
            )
    return flags


def flags_for_activity(
    activity: ProcessingActivity, today: datetime.date | None = None
) -> list[Flag]:
    """The flags whose subject is this activity (for its page); a fixed number of queries:
    one when the register's flags are kept (rules/cache.py), else the activity's products'."""
    today = today or timezone.localdate()
    kept = cache.kept_rules(today, compute=False)
    if kept is not None:
        return sorted(kept.by_activity.get(activity.pk, []), key=Flag.sort_key)
    return sorted(
        activity_flags(activity, load_activity_register(activity), today), key=Flag.sort_key
    )


def load_activity_register(activity: ProcessingActivity) -> RegisterData:
    """The register as far as one activity's flags and evidence read it: its linked products
    with their flows and covering agreements; a fixed number of queries."""
    products = (
        Product.objects.filter(processing_activities=activity)
        .select_related("supplier")
        .only(*FLAG_PRODUCT_FIELDS)
        .order_by("supplier__name", "name")
    )
    # The links of these products to other activities are not needed: one query less.
    data = load_register(products, read_links=False)
    data.products_by_activity = {activity.pk: [p.pk for p in data.products]}
    return data


def unlinked_product_flag(product: ProductRow) -> Flag:
    """`register_incomplete` for an in-scope product in no processing activity (art. 30 AVG)."""
    return _flag(
        REGISTER_INCOMPLETE,
        _(
            "%(product)s staat bij geen enkele verwerking in het verwerkingsregister. "
            "Koppel het product aan de verwerking waarvoor het wordt gebruikt."
        )
        % {"product": product.name},
        product=product,
    )


def flags_of_product(product: ProductRow, data: RegisterData, today: datetime.date) -> list[Flag]:
    """The flags whose subject is `product`, from data read by `load_register()` (which read
    the product's flows, covering agreements and links); no queries. The unit the rules
    recompute when a write touches the product (rules/incremental.py)."""
    if not product.is_in_scope:
        return []
    # `.id` rather than `.pk` (a property) in the rules' loops: they run per product.
    coverage = coverage_for(
        product,
        data.covering_by_product.get(product.id, []),
        data.flows_by_product.get(product.id, []),
        today,
    )
    flags = product_flags(coverage)
    if product.id not in data.linked_product_ids:
        flags.append(unlinked_product_flag(product))
    return flags


def flags_from(data: RegisterData, today: datetime.date) -> list[Flag]:
    """All flags of DESIGN.md section 5 over data read by `load_register()`; no queries."""
    flags: list[Flag] = []
    with translated_once():
        for product in data.products:
            flags.extend(flags_of_product(product, data, today))
        for agreement in data.agreements:
            flags.extend(agreement_flags(agreement))
        for activity in data.activities:
            flags.extend(activity_flags(activity, data, today))
    return sorted(flags, key=Flag.sort_key)


def compute_flags(today: datetime.date | None = None) -> list[Flag]:
    """The open flags of the whole register (DESIGN.md section 5), sorted by severity (high
    first), code and subject name; a fixed number of queries whatever the register's size.

    Kept per register revision and day (rules/cache.py) and, after a write through the
    application, updated for the subjects it touched only (rules/incremental.py): until the
    register changes, a repeated call costs one query."""
    today = today or timezone.localdate()
    return list(cache.kept_rules(today).flags)


def whole_register_data() -> RegisterData:
    # Reading the register makes some 100,000 objects, none of them garbage: with the
    # collector paused it takes half the time (0.47 s instead of 0.65-1.4 s at scale 1,
    # more the more the process already holds, see docs/performance.md).
    with collector_paused():
        return load_register()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a burst of allocations that all stay
    alive; reference counting still frees everything else at once.

    At the end the burst joins the oldest generation (`gc.freeze()` then `gc.unfreeze()`):
    re-enabled as it was, the collector would walk all of it in one young-generation pass
    (some 20 ms at scale 1) only to find it alive. Cyclic garbage among it is still freed,
    by the next full collection."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def flags_for_product(product: Product, today: datetime.date | None = None) -> list[Flag]:
    """The flags whose subject is this product (for its page); a fixed number of queries:
    one when the register's flags are kept (rules/cache.py), else the product's own."""
    today = today or timezone.localdate()
    kept = cache.kept_rules(today, compute=False)
    if kept is not None:
        return sorted(kept.by_product.get(product.pk, []), key=Flag.sort_key)
    data = load_register([product])
    data.agreements = []  # agreement flags have the agreement as subject, not the product
    return flags_from(data, today)


def matching_flags(
    flags: Iterable[Flag],
    *,
    severity: str | None = None,
    code: str | None = None,
    missing: bool = False,
) -> list[Flag]:
    """The flags that match the dashboard's filters: a severity, a code, and `missing` for the
    products without a current agreement (AGREEMENT_MISSING_CODES). The API filters alike."""
    return [
        flag
        for flag in flags
        if (severity is None or flag.severity == severity)
        and (code is None or flag.code == code)
        and (not missing or flag.code in AGREEMENT_MISSING_CODES)
    ]


def group_by_severity(flags: Iterable[Flag]) -> dict[str, list[Flag]]:
    grouped: dict[str, list[Flag]] = {HIGH: [], MEDIUM: [], LOW: []}
    for flag in flags:
        grouped[flag.severity].append(flag)
    return grouped


def flag_codes(flags: Iterable[Flag]) -> set[str]:
    return {f.code for f in flags}


__all__ = [
    "AGREEMENT_MISSING_CODES",
    "FLAG_CODES",
    "SEVERITY_LABELS",
    "SEVERITY_ORDER",
    "Flag",
    "compute_flags",
    "flags_for_activity",
    "flags_for_product",
    "matching_flags",
]


def flags_if_approved(agreement: Agreement, today: datetime.date | None = None) -> list[Flag]:
    """The flags that would stay open if the FG approved this agreement now, exactly as it
    is: those of its covered products and its own (issue 17: a high `flow_exceeds_agreement`
    appeared seconds after an approval, because nothing showed it beforehand).

    A fixed number of queries: the covered products read as `flags_for_product` reads one;
    one query while the register is unchanged (kept apart in rules/cache.py).
    """
    today = today or timezone.localdate()
    if agreement.status == AgreementStatus.TERMINATED:
        return []
    return list(
        cache.keep_apart(
            f"open:{agreement.pk}", today, lambda: _flags_if_approved(agreement, today)
        )
    )


def _flags_if_approved(agreement: Agreement, today: datetime.date) -> list[Flag]:
    products = (
        Product.objects.filter(agreements=agreement)
        .select_related("supplier")
        .only(*FLAG_PRODUCT_FIELDS)
        .order_by("name")
    )
    data = load_register(products)
    loaded = next((a for a in data.agreements if a.pk == agreement.pk), None)
    if loaded is None:  # it covers no product yet: only its own flags
        alone = agreements_queryset().filter(pk=agreement.pk)
        loaded = load_content_values(alone, approvals=True)[0]
    assumed = _assumed_approved(loaded)
    data.covering_by_product = {
        product_id: [assumed if a.pk == agreement.pk else a for a in covering]
        for product_id, covering in data.covering_by_product.items()
    }
    data.agreements = [assumed]
    return flags_from(data, today)


def _assumed_approved(agreement: Agreement) -> Agreement:
    """A copy of the agreement as the FG's approval would leave it: status approved, and an
    approving review (decided now) whose fingerprint is the current content's."""
    assumed = copy.copy(agreement)
    assumed.status = AgreementStatus.APPROVED
    review = Review(
        decision=Decision.APPROVED,
        decided_at=timezone.now(),
        fingerprint=agreement.content_fingerprint(),
    )
    # Shadows the method on this copy only; the rules read approvals through it.
    assumed.approving_review = lambda: review
    return assumed
