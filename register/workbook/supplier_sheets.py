"""The import of the suppliers' sheets: Leveranciers, Producten and Gegevensstromen."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from suppliers.models import (
    Attribute,
    Channel,
    DataFlow,
    DataSubject,
    Product,
    Supplier,
    attribute_code_validator,
    new_attribute_code_problem,
)

from ..models import School
from .reading import RowReader, SheetRows
from .saving import SheetImport
from .sheets import ATTRIBUTES, FLOWS, PRODUCTS, SUPPLIERS


class SuppliersImport(SheetImport):
    spec = SUPPLIERS

    def row(self, reader: RowReader, values: dict[str, Any]) -> None:
        name = values["name"]
        key = name.lower()
        if name and self.duplicate(reader, key, _("Leverancier %(name)s") % {"name": name}):
            return
        supplier = self.known.suppliers.get(key) or Supplier(name=name)
        if self.records.save(reader, supplier, reader.assigned(values), name):
            self.known.suppliers[key] = supplier
        elif key:
            self.known.failed_keys["Leveranciers"].add(key)


class ProductsImport(SheetImport):
    """Products by supplier and name. Their schools are linked at the end of the sheet, per
    school: the link is tracked in the school's history (m2m_fields there)."""

    spec = PRODUCTS

    def __init__(self, importer) -> None:
        super().__init__(importer)
        # school pk -> (products to link, products to unlink)
        self.school_links: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))

    def run(self, sheet: SheetRows) -> None:
        super().run(sheet)
        self.records.flush()  # the new products need their keys before they are linked
        if not self.errors:
            self.write_school_links()

    def row(self, reader: RowReader, values: dict[str, Any]) -> None:
        name, supplier_name = values["name"], values["supplier"]
        schools = self.known.school_list(reader, values["schools"])
        if not (name and supplier_name):
            return
        key = (supplier_name.lower(), name.lower())
        if self.duplicate(reader, key, f"{supplier_name} / {name}"):
            return
        supplier = self.known.supplier(reader, supplier_name)
        if supplier is None:
            self.known.failed_product(supplier_name, name)
            return
        product = self.known.products.get(key)
        created = product is None
        if created:
            product = Product(supplier=supplier, name=name)
        saved = self.records.save(
            reader,
            product,
            reader.assigned(values),
            f"{supplier.name} / {name}",
            m2m={"schools": schools} if reader.has("Scholen") else None,
            links={"schools": self.link_schools},
        )
        if not saved:
            self.known.failed_product(supplier_name, name)
        elif created:
            self.known.remember_product(product)

    def link_schools(self, product: Product, schools: list[School]) -> None:
        """Collect the change; `write_school_links()` writes it per school."""
        current = getattr(product, "_prefetched_objects_cache", {}).get("schools", [])
        wanted = {school.pk for school in schools}
        have = {school.pk for school in current}
        for pk in wanted - have:
            self.school_links[pk][0].append(product)
        for pk in have - wanted:
            self.school_links[pk][1].append(product)

    def write_school_links(self) -> None:
        """Write the collected links in bulk: one "~" history record per school whose
        products changed, with the school's products after the change, as
        `school.products.add()` would record it."""
        if not self.school_links:
            return
        schools = {school.pk: school for school in self.known.schools.values()}
        through = School.products.through
        added = []
        for pk, (adds, removes) in sorted(self.school_links.items()):
            added += [(pk, product.pk) for product in adds if product.pk is not None]
            if removes:  # only when a re-import moves an existing product
                through.objects.filter(
                    school_id=pk, product_id__in=[p.pk for p in removes]
                ).delete()
        writer = self.records.writer
        writer.now = timezone.now()
        writer.link(School, "products", sorted(set(added)), history=False)
        writer.links_changed(School, [schools[pk] for pk in sorted(self.school_links)])
        self.school_links.clear()


class FlowsImport(SheetImport):
    """Which attribute reaches which product through which channel."""

    spec = FLOWS

    def row(self, reader: RowReader, values: dict[str, Any]) -> None:
        product_name, supplier_name = values["product"], values["supplier"]
        code, channel, subject = values["attribute"], values["channel"], values["subject"]
        attribute = self.known.attribute(code) if code else None
        if code and attribute is None:
            reader.error(
                _("onbekende attribuutcode “%(code)s”; gebruik een code uit de attributenlijst.")
                % {"code": code}
            )
        if not (product_name and supplier_name):
            return
        if self.known.supplier(reader, supplier_name) is None:
            return
        product = self.known.product(reader, f"{supplier_name} / {product_name}")
        if product is None or attribute is None or not channel:
            return
        # Two rows that differ only in the subject are two flows (issue 15: the parents' app
        # sends parents' and pupils' mail through one channel).
        key = (product.pk, attribute.pk, channel, subject)
        label = (
            f"{product.name}: {attribute.code} ({Channel(channel).label}, "
            f"{DataSubject(subject).label})"
        )
        # A flow listed twice would keep only the last row's note: refused, like any key.
        if self.duplicate(reader, key, label):
            return
        flow = self.known.flows.get(key) or DataFlow(
            product=product, attribute=attribute, channel=channel, subject=subject
        )
        if self.records.save(reader, flow, reader.assigned(values), label):
            self.known.flows[key] = flow


class AttributesImport(SheetImport):
    """The vocabulary (DESIGN.md 11.4), matched on the code; a new code must not differ from
    an existing one only in case, as the other sheets name attributes ignoring case."""

    spec = ATTRIBUTES

    def row(self, reader: RowReader, values: dict[str, Any]) -> None:
        code = values["code"]
        if not code or self.duplicate(reader, code.lower(), code):
            return
        attribute = self.known.attributes_by_code.get(code)
        if attribute is None:
            problem = self.new_code_problem(code)
            if problem:
                reader.error(problem)
                return
            attribute = Attribute(code=code, sort_order=self.next_sort_order())
        if self.records.save(reader, attribute, reader.assigned(values), code):
            self.known.remember_attribute(attribute)
        else:
            self.known.failed_keys["Attributen"].add(code.lower())

    def new_code_problem(self, code: str) -> str | None:
        try:
            attribute_code_validator(code)
        except ValidationError as exc:
            return f"Code: {' '.join(exc.messages)}"
        return new_attribute_code_problem(code, self.known.attributes_by_code)

    def next_sort_order(self) -> int:
        last = max((a.sort_order for a in self.known.attributes_by_code.values()), default=0)
        return last + 10
