"""What the register and the workbook hold, by natural key: loaded in a fixed number of
queries before the first sheet, kept up to date as the sheets add records, and the one place
where a name in a cell is resolved (with the message that says how to fix an unknown one)."""

from __future__ import annotations

from collections import defaultdict

from django.db import models
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from agreements.models import Agreement
from suppliers.models import Attribute, DataFlow, Product, Supplier

from ..models import Organisation, ProcessingActivity, School
from .reading import RowReader, as_read_back
from .sheets import NO_ATTRIBUTES


def subprocessor_key(agreement_id: int, name: str, service: str) -> tuple[int, str, str]:
    """A subprocessor's natural key in the workbook: agreement, name and service, ignoring
    case and surrounding spaces (the database's unique constraint, read as a person would),
    as their cells read back (`as_read_back`: a control character the export leaves out)."""
    return (agreement_id, as_read_back(name).lower(), as_read_back(service).lower())


class Lookups:
    def __init__(self) -> None:
        # Keys whose row failed: later references to them are not reported a second time.
        self.failed_keys: dict[str, set] = defaultdict(set)

    def load(self) -> None:
        self.organisation = Organisation.objects.first()
        self.schools = {s.brin.upper(): s for s in School.objects.all()}
        self.suppliers = {s.name.strip().lower(): s for s in Supplier.objects.all()}
        self.products: dict[tuple[str, str], Product] = {}
        self.products_by_name: dict[str, list[Product]] = defaultdict(list)
        for product in Product.objects.select_related("supplier").prefetch_related("schools"):
            self.remember_product(product)
        self.attributes_by_code = {a.code: a for a in Attribute.objects.all()}
        self.attributes_ci: dict[str, list[Attribute]] = defaultdict(list)
        for attribute in self.attributes_by_code.values():
            self.attributes_ci[attribute.code.lower()].append(attribute)
        self.agreements = {
            a.reference: a
            for a in Agreement.objects.select_related("supplier").with_fingerprint_content()
        }
        self.agreements_ci = {reference.lower(): a for reference, a in self.agreements.items()}
        self.approved_before = {
            a.pk for a in self.agreements.values() if a.approval_matches_content()
        }
        # Kenmerk -> pks of the products the agreement covers (kept up to date in memory).
        self.covered = {
            reference: {p.pk for p in a.products.all()} for reference, a in self.agreements.items()
        }
        self.notices = {}
        self.subprocessors = {}
        # (agreement pk, document kind) -> the sha256 of the files the register holds under
        # that kind: one combined PDF may be both the agreement and its security annex.
        self.hashes: dict[tuple[int, str], set[str]] = defaultdict(set)
        for agreement in self.agreements.values():
            for notice in agreement.privacy_notices.all():
                self.notices[(agreement.pk, notice.product_id)] = notice
            for sub in agreement.subprocessors.all():
                key = subprocessor_key(agreement.pk, sub.name, sub.service)
                self.subprocessors.setdefault(key, sub)
            for document in agreement.documents.all():
                self.hashes[(agreement.pk, document.kind)].add(document.sha256)
        self.flows = {
            (f.product_id, f.attribute_id, f.channel, f.subject): f for f in DataFlow.objects.all()
        }
        self.activities = {
            a.name.strip().lower(): a
            for a in ProcessingActivity.objects.prefetch_related(
                Prefetch("products", queryset=Product.objects.only("pk"))
            )
        }

    def remember_attribute(self, attribute: Attribute) -> None:
        if attribute.code not in self.attributes_by_code:
            self.attributes_by_code[attribute.code] = attribute
            self.attributes_ci[attribute.code.lower()].append(attribute)

    def remember_product(self, product: Product) -> None:
        key = (product.supplier.name.strip().lower(), product.name.strip().lower())
        self.products[key] = product
        self.products_by_name[product.name.strip().lower()].append(product)

    def failed_product(self, supplier_name: str, name: str) -> None:
        self.failed_keys["Producten"].update({name.lower(), f"{supplier_name} / {name}".lower()})

    def forget(self, obj: models.Model) -> None:
        """A new row the database refused: later rows naming it are not reported again."""
        lookups = [
            ("Scholen", self.schools),
            ("Leveranciers", self.suppliers),
            ("Overeenkomsten", self.agreements),
            ("", self.products),
            ("", self.notices),
            ("", self.subprocessors),
            ("", self.flows),
            ("", self.activities),
        ]
        for sheet, lookup in lookups:
            for key in [key for key, value in lookup.items() if value is obj]:
                del lookup[key]
                if sheet:
                    self.failed_keys[sheet].add(key)
        if isinstance(obj, Product):
            same_name = self.products_by_name[obj.name.strip().lower()]
            same_name[:] = [p for p in same_name if p is not obj]
            self.failed_product(obj.supplier.name, obj.name)

    # -- a name in a cell --

    def _unknown(self, reader: RowReader, sheet: str, key: object, message: str) -> None:
        """A name the register does not hold: the row fails. The message is left out when
        the row of `sheet` that would have added the name failed: that row says why."""
        if key not in self.failed_keys[sheet]:
            reader.error(message)
        reader.failed = True

    def agreement_ci(self, reference: str) -> Agreement | None:
        """The agreement in the register whose Kenmerk equals `reference` but for case."""
        return self.agreements_ci.get(reference.lower())

    def supplier(self, reader: RowReader, name: str) -> Supplier | None:
        supplier = self.suppliers.get(name.strip().lower())
        if supplier is None:
            self._unknown(
                reader,
                "Leveranciers",
                name.strip().lower(),
                _(
                    "onbekende leverancier “%(name)s”; voeg die toe op het tabblad Leveranciers "
                    "of controleer de spelling."
                )
                % {"name": name},
            )
        return supplier

    def product(self, reader: RowReader, ref: str, supplier_hint: str = "") -> Product | None:
        """A product named by its name or as `Leverancier / Product`."""
        ref = ref.strip()
        parts = ref.split(" / ")
        for i in range(1, len(parts)):
            key = (" / ".join(parts[:i]).strip().lower(), " / ".join(parts[i:]).strip().lower())
            if key in self.products:
                return self.products[key]
        if supplier_hint:
            found = self.products.get((supplier_hint.strip().lower(), ref.lower()))
            if found is not None:
                return found
        candidates = self.products_by_name.get(ref.lower(), [])
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            names = ", ".join(sorted(p.supplier.name for p in candidates))
            reader.error(
                _(
                    "product “%(name)s” bestaat bij meer dan één leverancier (%(suppliers)s); "
                    "schrijf het als “Leverancier / Product”."
                )
                % {"name": ref, "suppliers": names}
            )
            return None
        self._unknown(
            reader,
            "Producten",
            ref.lower(),
            _(
                "onbekend product “%(name)s”; voeg het toe op het tabblad Producten of "
                "controleer de spelling."
            )
            % {"name": ref},
        )
        return None

    def product_list(
        self, reader: RowReader, refs: list[str], supplier_hint: str = ""
    ) -> list[Product]:
        found = []
        for ref in refs:
            product = self.product(reader, ref, supplier_hint)
            if product is not None and product not in found:
                found.append(product)
        return found

    def school_list(self, reader: RowReader, codes: list[str]) -> list[School]:
        found = []
        for brin in codes:
            school = self.schools.get(brin.upper())
            if school is None:
                self._unknown(
                    reader,
                    "Scholen",
                    brin.upper(),
                    _("onbekende school (BRIN) “%(brin)s”; voeg die toe op het tabblad Scholen.")
                    % {"brin": brin},
                )
            elif school not in found:
                found.append(school)
        return found

    def attribute_list(self, reader: RowReader, codes: list[str], header: str) -> list[Attribute]:
        found, unknown = [], []
        if [code.lower() for code in codes] == [NO_ATTRIBUTES]:
            return []
        for code in codes:
            attribute = self.attribute(code)
            if attribute is None:
                unknown.append(code)
            elif attribute not in found:
                found.append(attribute)
        if unknown:
            reader.error(
                _(
                    "onbekende attribuutcode(s) in %(column)s: %(codes)s. Gebruik de codes uit "
                    "de attributenlijst, zoals eckId of givenName."
                )
                % {"column": header, "codes": ", ".join(unknown)}
            )
        return found

    def attribute(self, code: str) -> Attribute | None:
        attribute = self.attributes_by_code.get(code)
        if attribute is None:
            candidates = self.attributes_ci.get(code.lower(), [])
            attribute = candidates[0] if len(candidates) == 1 else None
        return attribute

    def agreement(self, reader: RowReader, reference: str) -> Agreement | None:
        agreement = self.agreements.get(reference)
        if agreement is None:
            self._unknown(
                reader,
                "Overeenkomsten",
                reference,
                _(
                    "onbekende overeenkomst “%(reference)s”; voeg die toe op het tabblad "
                    "Overeenkomsten of controleer het kenmerk."
                )
                % {"reference": reference},
            )
        return agreement
