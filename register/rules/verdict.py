"""The procurement verdict of DESIGN.md section 6: may the board buy or keep using this tool?

AVG art. 28 lid 1 and 3: a controller uses only processors bound by a written contract;
AVG art. 5 lid 1 sub c: no more data than agreed. The rules are those of the flags
(rules/flags.py), applied to one product whatever its lifecycle status.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.models import Agreement, AgreementStatus, Finding, NotCurrentReason
from suppliers.models import Product, Supplier

from .flags import (
    Coverage,
    Flag,
    RegisterData,
    _date,
    coverage_for,
    flags_from,
    load_register,
    most_advanced,
)

ALLOWED, CONDITIONAL, BLOCKED, UNKNOWN = "allowed", "conditional", "blocked", "unknown"
VERDICT_LABELS = {
    ALLOWED: gettext_lazy("Toegestaan"),
    CONDITIONAL: gettext_lazy("Voorwaardelijk"),
    BLOCKED: gettext_lazy("Niet toegestaan"),
    UNKNOWN: gettext_lazy("Onbekend"),
}


@dataclass(frozen=True)
class Verdict:
    product: Product | None
    supplier: Supplier | None
    verdict: str
    reasons: list[str]
    agreement: Agreement | None = None
    notes: list[str] = field(default_factory=list)
    # Several suppliers have a product of this name: the caller must pick one.
    candidates: list[Product] = field(default_factory=list)
    query: str = ""
    # The risks the FG accepted in the agreement the verdict rests on (issue 17); shown
    # with the verdict, they do not change it.
    accepted_risks: list[Finding] = field(default_factory=list)
    # A conditional verdict in one sentence: what must happen before the product is used
    # ("Pas gebruiken na akkoord van de FG op ..."); the reasons give the details.
    before_use: str = ""

    @property
    def label(self) -> str:
        return str(VERDICT_LABELS[self.verdict])

    @property
    def ambiguous(self) -> bool:
        return bool(self.candidates)

    def as_json(self) -> dict:
        """The contract keys of `check_product --json` (DESIGN.md section 8)."""
        return {
            "product": self.product.name if self.product else None,
            "supplier": self.supplier.name if self.supplier else None,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "agreement": self.agreement.reference if self.agreement else None,
        }


def find_products(name: str, supplier: str | None = None) -> list[Product]:
    """Products by name (and supplier name), case-insensitive and trimmed (section 8)."""
    products = Product.objects.by_name(name).select_related("supplier")
    if supplier and supplier.strip():
        products = products.filter(supplier__name__iexact=supplier.strip())
    return list(products.order_by("supplier__name"))


def verdict_for(
    name: str, supplier: str | None = None, today: datetime.date | None = None
) -> Verdict:
    """The verdict for the product named `name` (optionally of `supplier`)."""
    return verdict_and_flags_for(name, supplier, today, with_flags=False)[0]


def verdict_and_flags_for(
    name: str,
    supplier: str | None = None,
    today: datetime.date | None = None,
    *,
    with_flags: bool = True,
) -> tuple[Verdict, list[Flag]]:
    """The verdict for the product named `name` and that product's own flags (the verdict
    PDF), from one read of the register; no flags when no single product matches."""
    today = today or timezone.localdate()
    name = (name or "").strip()
    products = find_products(name, supplier) if name else []
    if not products:
        return _unknown(name, supplier), []
    if len(products) > 1:
        suppliers = ", ".join(p.supplier.name for p in products)
        return Verdict(
            product=None,
            supplier=None,
            verdict=UNKNOWN,
            reasons=[
                _(
                    "Meerdere leveranciers hebben een product met de naam '%(name)s' "
                    "(%(suppliers)s). Geef de leverancier op (--supplier) om het juiste "
                    "product te controleren."
                )
                % {"name": name, "suppliers": suppliers}
            ],
            candidates=products,
            query=name,
        ), []
    data = load_register(products)
    verdict = with_accepted_risks(decide(_coverage(products[0], data, today)))
    if not with_flags:
        return verdict, []
    data.agreements = []  # agreement flags have the agreement as subject, not the product
    return verdict, flags_from(data, today)


def _unknown(name: str, supplier: str | None) -> Verdict:
    where = (
        _("van leverancier '%(supplier)s' ") % {"supplier": supplier.strip()}
        if supplier and supplier.strip()
        else ""
    )
    return Verdict(
        product=None,
        supplier=None,
        verdict=UNKNOWN,
        reasons=[
            _(
                "Er staat geen product '%(name)s' %(where)sin het register. Dien een "
                "intakeverzoek in via de Inkoopcheck (naam, leverancier, beoogd gebruik en "
                "scholen); de privacy officer zorgt dan voor een verwerkersovereenkomst en "
                "laat die beoordelen door de FG."
            )
            % {"name": name, "where": where}
        ],
        query=name,
    )


def verdict_for_product(product: Product, today: datetime.date | None = None) -> Verdict:
    """Section 6, steps 2-5, for one product; a fixed number of queries."""
    today = today or timezone.localdate()
    return with_accepted_risks(decide(_coverage(product, load_register([product]), today)))


def with_accepted_risks(verdict: Verdict) -> Verdict:
    """The verdict with the risks the FG accepted in its agreement (one query)."""
    if verdict.agreement is None:
        return verdict
    risks = list(
        Finding.objects.accepted().filter(agreement=verdict.agreement).order_by("created_at", "pk")
    )
    return replace(verdict, accepted_risks=risks)


def _coverage(product: Product, data: RegisterData, today: datetime.date) -> Coverage:
    return coverage_for(
        product,
        data.covering_by_product.get(product.pk, []),
        data.flows_by_product.get(product.pk, []),
        today,
    )


def decide(coverage: Coverage) -> Verdict:
    """Decide the verdict over a product's coverage: the first rule that applies wins."""
    product, today = coverage.product, coverage.today
    notes = []
    if not coverage.flows and product.processes_personal_data:
        notes.append(
            _(
                "Er zijn nog geen gegevensstromen vastgelegd; leg vast welke gegevens het "
                "product ontvangt. Dit verandert het oordeel niet."
            )
        )

    def verdict(
        kind: str, reasons: list[str], agreement: Agreement | None, before_use: str = ""
    ) -> Verdict:
        return Verdict(
            product=product,
            supplier=product.supplier,
            verdict=kind,
            reasons=reasons,
            agreement=agreement,
            notes=notes,
            query=product.name,
            before_use=before_use,
        )

    # 2. No personal data: no processor agreement needed.
    if not product.processes_personal_data:
        return verdict(
            ALLOWED,
            [
                _(
                    "%(product)s verwerkt geen persoonsgegevens; een verwerkersovereenkomst is "
                    "niet nodig."
                )
                % {"product": product.name}
            ],
            None,
        )

    # 3. Blocked: nothing covers it, or every covering agreement is rejected or ended.
    if not coverage.covering:
        return verdict(
            BLOCKED,
            [
                _(
                    "Er is geen verwerkersovereenkomst met %(supplier)s voor %(product)s. "
                    "Zonder overeenkomst mag het product geen persoonsgegevens ontvangen "
                    "(AVG art. 28)."
                )
                % {"supplier": product.supplier.name, "product": product.name}
            ],
            None,
        )
    dead = [a for a in coverage.covering if _is_rejected_or_ended(a, today)]
    if len(dead) == len(coverage.covering):
        reasons = [_blocked_reason(a, today) for a in dead]
        latest = max(dead, key=lambda a: (a.ends_on or datetime.date.min, a.pk))
        return verdict(BLOCKED, reasons, latest)

    # 4. Allowed: a current, signed agreement, no flow beyond it and not expiring.
    signed_current = [a for a in coverage.basis if a in coverage.current and a.signed_on]
    expiring = coverage.expiring_agreement
    if signed_current and not coverage.exceeding and expiring is None:
        agreement = signed_current[0]
        return verdict(
            ALLOWED,
            [
                (
                    _(
                        "Overeenkomst %(ref)s is goedgekeurd door de FG, getekend en "
                        "geldig%(until)s; de vastgelegde gegevensstromen vallen binnen de "
                        "overeenkomst."
                    )
                    if coverage.flows
                    # Unknown flows are a note (DESIGN.md section 6): nothing was compared.
                    else _(
                        "Overeenkomst %(ref)s is goedgekeurd door de FG, getekend en "
                        "geldig%(until)s."
                    )
                )
                % {
                    "ref": agreement.reference,
                    "until": (
                        _(" tot en met %(day)s") % {"day": _date(agreement.ends_on)}
                        if agreement.ends_on
                        else ""
                    ),
                }
            ],
            agreement,
        )

    # 5. Conditional: list what must happen first.
    reasons: list[str] = []
    conditions: list[str] = []
    if not coverage.current:
        live = [a for a in coverage.covering if a not in dead]
        agreement = most_advanced(live)
        reasons.extend(
            _pending_reasons(coverage, [agreement, *(a for a in live if a != agreement)])
        )
        reasons.extend(_dead_reason(a) for a in dead)
        conditions.append(_approval_condition(agreement, today))
        if not agreement.signed_on:
            conditions.append(_signature_condition(agreement))
    else:
        agreement = coverage.basis_agreement
        if not signed_current:
            reasons.append(
                _("Overeenkomst %(ref)s is nog niet getekend; laat haar tekenen.")
                % {"ref": agreement.reference}
            )
            conditions.append(_signature_condition(agreement))
        if expiring is not None:
            reasons.append(
                _("Overeenkomst %(ref)s loopt af op %(day)s; regel eerst de verlenging.")
                % {"ref": expiring.reference, "day": _date(expiring.ends_on)}
            )
            conditions.append(
                _("verlenging van overeenkomst %(ref)s (die loopt af op %(day)s)")
                % {"ref": expiring.reference, "day": _date(expiring.ends_on)}
            )
    if coverage.exceeding:
        conditions.append(
            _(
                "het stoppen van de gegevensstromen buiten de overeenkomst (%(codes)s), of het "
                "opnemen van die attributen in de overeenkomst"
            )
            % {"codes": ", ".join(a.code for a in coverage.exceeding)}
        )
    for attribute in coverage.exceeding:
        reasons.append(
            _(
                "Attribuut %(label)s (%(code)s) gaat naar het product maar staat niet in "
                "overeenkomst %(ref)s; stop die gegevensstroom of neem het attribuut op in "
                "de overeenkomst."
            )
            % {
                "code": attribute.code,
                "label": attribute.label,
                "ref": coverage.basis_agreement.reference,
            }
        )
    before_use = _("Pas gebruiken na %(conditions)s.") % {"conditions": _and_list(conditions)}
    return verdict(CONDITIONAL, reasons, agreement, before_use)


def _approval_condition(agreement: Agreement, today: datetime.date) -> str:
    """What an agreement that is not current needs before use, in words."""
    reason = agreement.why_not_current(today)
    if reason == NotCurrentReason.NOT_STARTED:
        return _("de ingangsdatum van overeenkomst %(ref)s (%(day)s)") % {
            "ref": agreement.reference,
            "day": _date(agreement.starts_on),
        }
    if reason == NotCurrentReason.CHANGED_SINCE_APPROVAL:
        return _("een nieuw akkoord van de FG op de gewijzigde overeenkomst %(ref)s") % {
            "ref": agreement.reference
        }
    return _("akkoord van de FG op overeenkomst %(ref)s") % {"ref": agreement.reference}


def _signature_condition(agreement: Agreement) -> str:
    return _("ondertekening van overeenkomst %(ref)s") % {"ref": agreement.reference}


def _and_list(items: list[str]) -> str:
    """'a', 'a en b', 'a, b en c'."""
    if len(items) < 2:
        return "".join(items)
    return _("%(items)s en %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def _is_rejected_or_ended(agreement: Agreement, today: datetime.date) -> bool:
    return agreement.why_not_current(today) in (NotCurrentReason.REJECTED, NotCurrentReason.ENDED)


def _blocked_reason(agreement: Agreement, today: datetime.date) -> str:
    if agreement.status == AgreementStatus.REJECTED:
        return _(
            "De FG heeft overeenkomst %(ref)s afgekeurd; er is geen andere overeenkomst. "
            "Sluit een nieuwe overeenkomst af of kies een ander product."
        ) % {"ref": agreement.reference}
    return _(
        "Overeenkomst %(ref)s is verlopen op %(day)s; er is geen geldige opvolger. "
        "Sluit een nieuwe overeenkomst af en laat die beoordelen door de FG."
    ) % {"ref": agreement.reference, "day": _date(agreement.ends_on)}


def _dead_reason(agreement: Agreement) -> str:
    if agreement.status == AgreementStatus.REJECTED:
        return _("De FG heeft overeenkomst %(ref)s afgekeurd.") % {"ref": agreement.reference}
    return _("Overeenkomst %(ref)s is verlopen op %(day)s.") % {
        "ref": agreement.reference,
        "day": _date(agreement.ends_on),
    }


def _pending_reasons(coverage: Coverage, live: list[Agreement]) -> list[str]:
    """Why no covering agreement is current, for each live agreement."""
    today = coverage.today
    reasons = []
    for agreement in live:
        ref = agreement.reference
        reason = agreement.why_not_current(today)
        if reason == NotCurrentReason.CHANGED_SINCE_APPROVAL:
            reasons.append(
                _(
                    "Overeenkomst %(ref)s is gewijzigd na het akkoord van de FG; laat de "
                    "nieuwe versie opnieuw beoordelen."
                )
                % {"ref": ref}
            )
        elif reason == NotCurrentReason.NOT_STARTED:
            reasons.append(
                _("Overeenkomst %(ref)s is goedgekeurd maar gaat pas in op %(day)s.")
                % {"ref": ref, "day": _date(agreement.starts_on)}
            )
        elif reason == NotCurrentReason.NO_APPROVAL:
            reasons.append(
                _("Overeenkomst %(ref)s heeft geen geldig akkoord van de FG.") % {"ref": ref}
            )
        elif reason == NotCurrentReason.SUBMITTED:
            reasons.append(_("Overeenkomst %(ref)s wacht op het akkoord van de FG.") % {"ref": ref})
        elif reason == NotCurrentReason.CHANGES_REQUESTED:
            reasons.append(
                _(
                    "De FG heeft aanpassingen gevraagd in overeenkomst %(ref)s; verwerk die en "
                    "dien haar opnieuw in."
                )
                % {"ref": ref}
            )
        else:
            reasons.append(
                _(
                    "Overeenkomst %(ref)s is nog een concept; rond haar af en dien haar in ter "
                    "beoordeling door de FG."
                )
                % {"ref": ref}
            )
        if not agreement.signed_on:
            reasons.append(_("Overeenkomst %(ref)s is nog niet getekend.") % {"ref": ref})
    return reasons
