"""The register workbook of DESIGN.md section 9 as Excel: one row generator per sheet, one
renderer (openpyxl write-only, bounded memory, a fixed number of queries).

Performance (issue 8, docs/performance.md): the rows are read as tuples (`values_list`, the
data flows streamed in chunks), enumeration labels come from one dict per field built per
export, and rows of plain values are serialised by `_StreamedSheet` as the exact XML openpyxl
would write, without a cell object per value.

The sheet and column names are the contract shared with the import (register/workbook.py).
Text that a spreadsheet would evaluate (starting with = + - @) is written as a text cell with
the "quote prefix" style: the spreadsheet shows and keeps the original text and never turns
it into a formula, and reading the cell back gives the same text, so the import needs no
unescaping and a round trip keeps the value.
"""

from __future__ import annotations

import datetime
import shutil
import tempfile
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO, Any, NamedTuple

from django.db.models import Prefetch
from django.utils import timezone
from openpyxl import LXML, Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

from agreements.models import (
    Agreement,
    AgreementModel,
    AgreementStatus,
    Decision,
    Document,
    DocumentKind,
    Review,
    load_content_values,
)
from suppliers.models import (
    AccessChannel,
    Channel,
    ConvenantStatus,
    DataFlow,
    LifecycleStatus,
    Product,
    ProductKind,
    Supplier,
)

from .models import LegalBasis, Organisation, ProcessingActivity, School, Sector


@dataclass(frozen=True)
class Column:
    header: str
    required: bool = False
    width: int = 18


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[Column, ...]
    export_only: bool = False

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def _c(header: str, width: int = 18, required: bool = False) -> Column:
    return Column(header=header, required=required, width=width)


def _req(header: str, width: int = 18) -> Column:
    return Column(header=header, required=True, width=width)


# DESIGN.md section 9, in this order. Columns after the contract's are additions (allowed:
# "add, never rename"): they keep a round trip lossless.
SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(
        "Organisatie", (_req("Naam", 40), _c("Contact", 50), _c("FG", 30), _c("FG-contact", 40))
    ),
    SheetSpec("Scholen", (_req("BRIN", 10), _req("Naam", 40), _c("Sector", 30))),
    SheetSpec(
        "Leveranciers",
        (
            _req("Naam", 30),
            _c("KvK-nummer", 12),
            _c("Website", 30),
            _c("Privacycontact", 30),
            _c("Convenant", 14),
        ),
    ),
    SheetSpec(
        "Producten",
        (
            _req("Naam", 30),
            _req("Leverancier", 30),
            _c("Soort", 22),
            _c("Toegang", 18),
            _req("Status", 14),
            _c("Persoonsgegevens", 10),
            _c("Scholen", 24),
        ),
    ),
    SheetSpec(
        "Overeenkomsten",
        (
            _req("Kenmerk", 16),
            _req("Leverancier", 28),
            _req("Producten", 40),
            _c("Model", 24),
            _c("Getekend op", 12),
            _c("Ingangsdatum", 12),
            _c("Einddatum", 12),
            _c("Doeleinden", 40),
            _c("Betrokkenen", 24),
            _c("Bewaartermijn", 30),
            _c("Verwerkingslocatie", 24),
            _c("Doorgifte buiten EER", 10),
            _c("Waarborg doorgifte", 30),
            _c("Attributen", 40),
            _req("Status", 18),
            _c("FG-besluit op", 12),
            _c("FG", 24),
            _c("Akkoord actueel", 10),
            _c("Besluit FG", 18),
            _c("Toelichting FG", 40),
            _c("Getekend door", 24),
            _c("Reden beëindiging", 30),
        ),
    ),
    SheetSpec(
        "Bijsluiters", (_req("Overeenkomst", 16), _req("Product", 30), _req("Attributen", 50))
    ),
    SheetSpec(
        "Subverwerkers",
        (
            _req("Overeenkomst", 16),
            _req("Naam", 30),
            _c("Dienst", 24),
            _c("Land", 8),
            _c("Waarborg", 40),
        ),
    ),
    SheetSpec(
        "Documenten",
        (_req("Overeenkomst", 16), _c("Soort", 22), _req("Bestand", 48), _c("Sha256", 66)),
    ),
    SheetSpec(
        "Gegevensstromen",
        (
            _req("Product", 30),
            _req("Leverancier", 30),
            _req("Attribuut", 28),
            _req("Kanaal", 18),
            _c("Toelichting", 30),
        ),
    ),
    SheetSpec(
        "Verwerkingen",
        (
            _req("Naam", 30),
            _c("Doeleinden", 40),
            _c("Grondslag", 24),
            _c("Betrokkenen", 24),
            _c("Persoonsgegevens", 40),
            _c("Ontvangers", 30),
            _c("Doorgifte derde landen", 24),
            _c("Bewaartermijn", 30),
            _c("Beveiligingsmaatregelen", 40),
            _c("Producten", 40),
        ),
    ),
    SheetSpec(
        "Signaleringen",
        (
            _c("Code", 24),
            _c("Ernst", 8),
            _c("Product", 26),
            _c("Leverancier", 26),
            _c("Overeenkomst", 16),
            _c("Attribuut", 20),
            _c("Melding", 80),
            _c("Verwerking", 26),
        ),
        export_only=True,
    ),
    SheetSpec(
        "Niveau",
        (_c("Niveau", 8), _c("Criterium", 50), _c("Voldaan", 9), _c("Toelichting", 80)),
        export_only=True,
    ),
)
SHEETS_BY_NAME = {sheet.name: sheet for sheet in SHEETS}

MAX_ROW = 1048576  # the last row of a worksheet
YES_NO = ("ja", "nee")
# The enumerations a spreadsheet offers as a drop-down (the UI labels, as the export writes
# them). The import also takes codes, so the drop-down suggests but does not refuse.
DROPDOWNS: dict[tuple[str, str], Any] = {
    ("Scholen", "Sector"): Sector,
    ("Leveranciers", "Convenant"): ConvenantStatus,
    ("Producten", "Soort"): ProductKind,
    ("Producten", "Toegang"): AccessChannel,
    ("Producten", "Status"): LifecycleStatus,
    ("Producten", "Persoonsgegevens"): YES_NO,
    ("Overeenkomsten", "Model"): AgreementModel,
    ("Overeenkomsten", "Doorgifte buiten EER"): YES_NO,
    ("Overeenkomsten", "Status"): AgreementStatus,
    ("Overeenkomsten", "Akkoord actueel"): YES_NO,
    ("Overeenkomsten", "Besluit FG"): Decision,
    ("Documenten", "Soort"): DocumentKind,
    ("Gegevensstromen", "Kanaal"): Channel,
    ("Verwerkingen", "Grondslag"): LegalBasis,
}


def _dropdowns(spec: SheetSpec) -> list[DataValidation]:
    validations = []
    for index, column in enumerate(spec.columns, start=1):
        choices = DROPDOWNS.get((spec.name, column.header))
        if choices is None:
            continue
        labels = choices if isinstance(choices, tuple) else [str(c) for c in choices.labels]
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(label.replace('"', "") for label in labels) + '"',
            allow_blank=True,
            showErrorMessage=False,
        )
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{MAX_ROW}")
        validations.append(validation)
    return validations


YES, NO = "ja", "nee"
# Bijsluiters!Attributen must be filled; a notice that agrees no attribute at all says so.
NO_ATTRIBUTES = "geen"
LIST_SEPARATOR = "; "
# Characters that make a spreadsheet evaluate a cell (OWASP "CSV injection"), plus tab and CR.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

Row = list[Any]


def yes_no(value: bool) -> str:
    return YES if value else NO


def join(items: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(items)


def local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment else None


def latest_review(agreement: Agreement):
    """The FG's most recent decision (reads prefetched reviews)."""
    return max(agreement.reviews.all(), key=lambda r: (r.decided_at, r.pk), default=None)


def choice_labels(model, field_name: str) -> dict[Any, str]:
    """`{code: label}` of a field's choices, as `get_<field>_display()` shows them.

    Built once per export: `get_<field>_display()` rebuilds this dict (lazy translations
    included) on every call, which at 48,000 rows cost seconds."""
    return {code: str(label) for code, label in model._meta.get_field(field_name).flatchoices}


def _display(labels: dict[Any, str], code: Any) -> Any:
    # Like get_<field>_display(): a value outside the choices is shown as it is.
    return labels.get(code, code)


class _ProductInfo(NamedTuple):
    name: str
    supplier_name: str


# --- rows ------------------------------------------------------------------------------------

# The big tables are read as tuples in chunks of this many rows: memory stays bounded and the
# number of queries stays one per table.
CHUNK_SIZE = 2000


@dataclass
class RegisterExport:
    """The register read once for the workbook; each `*_rows()` yields one sheet's rows.

    Every query is a fixed one (tuples via `values_list`, a bulk read of the agreements'
    content), so the number of queries does not grow with the register. The big tables are
    read as tuples, never as model instances, and the data flows are streamed.
    """

    today: datetime.date = field(default_factory=timezone.localdate)

    @cached_property
    def _product_table(self) -> list[tuple]:
        """Every product as a tuple, in the Producten sheet's order (6,000 at scale 1: small)."""
        return list(
            Product.objects.order_by("supplier__name", "name").values_list(
                "pk",
                "name",
                "supplier__name",
                "kind",
                "access_channel",
                "status",
                "processes_personal_data",
            )
        )

    @cached_property
    def products(self) -> dict[int, _ProductInfo]:
        """Every product's name and supplier name by pk (for the list cells)."""
        return {row[0]: _ProductInfo(row[1], row[2]) for row in self._product_table}

    @cached_property
    def _shared_names(self) -> set[str]:
        counts = Counter(p.name.strip().lower() for p in self.products.values())
        return {name for name, count in counts.items() if count > 1}

    def product_ref(self, product_id: int, supplier_name: str | None = None) -> str:
        """The product's name in a list cell: bare when unambiguous, else `Leverancier / Product`
        (also when the name holds " / ", which a bare name would be read as)."""
        product = self.products[product_id]
        if product.name.strip().lower() in self._shared_names or " / " in product.name:
            return f"{supplier_name or product.supplier_name} / {product.name}"
        return product.name

    @cached_property
    def agreements(self) -> list[Agreement]:
        """Every agreement with its reviews and its content read as plain values (a fixed
        number of queries): `content_values()` and the approval checks need no queries."""
        agreements = (
            Agreement.objects.select_related("supplier")
            .prefetch_related(
                Prefetch("reviews", queryset=Review.objects.select_related("reviewer"))
            )
            .order_by("reference")
        )
        return load_content_values(agreements, all_agreements=True)

    @cached_property
    def _documents(self) -> list[tuple[str, Document]]:
        """Every document with its agreement's reference, in the Documenten sheet's order."""
        by_agreement: dict[int, list[Document]] = defaultdict(list)
        for document in Document.objects.all():
            by_agreement[document.agreement_id].append(document)
        return [
            (agreement.reference, document)
            for agreement in self.agreements
            for document in sorted(
                by_agreement.get(agreement.pk, ()), key=lambda d: (d.kind, d.version, d.pk)
            )
        ]

    def organisation_rows(self) -> Iterator[Row]:
        organisation = Organisation.objects.first()
        if organisation is not None:
            yield [
                organisation.name,
                organisation.contact,
                organisation.fg_name,
                organisation.fg_contact,
            ]

    def school_rows(self) -> Iterator[Row]:
        sectors = choice_labels(School, "sector")
        for brin, name, sector in School.objects.order_by("brin").values_list(
            "brin", "name", "sector"
        ):
            yield [brin, name, _display(sectors, sector)]

    def supplier_rows(self) -> Iterator[Row]:
        convenant = choice_labels(Supplier, "convenant")
        for name, kvk, website, contact, status in Supplier.objects.order_by("name").values_list(
            "name", "kvk_number", "website", "privacy_contact", "convenant"
        ):
            yield [name, kvk, website, contact, _display(convenant, status)]

    def product_rows(self) -> Iterator[Row]:
        kinds = choice_labels(Product, "kind")
        channels = choice_labels(Product, "access_channel")
        statuses = choice_labels(Product, "status")
        schools: dict[int, list[str]] = defaultdict(list)
        for product_id, brin in School.products.through.objects.order_by(
            "school__brin"
        ).values_list("product_id", "school__brin"):
            schools[product_id].append(brin)
        for pk, name, supplier, kind, channel, status, personal_data in self._product_table:
            yield [
                name,
                supplier,
                _display(kinds, kind),
                _display(channels, channel),
                _display(statuses, status),
                yes_no(personal_data),
                join(schools.get(pk, ())),
            ]

    def agreement_rows(self) -> Iterator[Row]:
        models = choice_labels(Agreement, "model")
        statuses = choice_labels(Agreement, "status")
        decisions = choice_labels(Review, "decision")
        for agreement in self.agreements:
            review = latest_review(agreement)
            current = ""
            if agreement.status == AgreementStatus.APPROVED:
                current = yes_no(not agreement.changed_since_approval())
            supplier = agreement.supplier.name
            content = agreement.content_values()
            yield [
                agreement.reference,
                supplier,
                join(sorted(self.product_ref(pk, supplier) for pk in content.product_ids)),
                _display(models, agreement.model),
                agreement.signed_on,
                agreement.starts_on,
                agreement.ends_on,
                agreement.purposes,
                agreement.data_subjects,
                agreement.retention,
                agreement.processing_locations,
                yes_no(agreement.transfer_outside_eea),
                agreement.transfer_safeguard,
                join(sorted(content.attribute_codes)),
                _display(statuses, agreement.status),
                local_date(review.decided_at) if review else None,
                _reviewer_name(review) if review else "",
                current,
                _display(decisions, review.decision) if review else "",
                review.comment if review else "",
                agreement.signed_by,
                agreement.status_reason,
            ]

    def notice_rows(self) -> Iterator[Row]:
        for agreement in self.agreements:
            supplier = agreement.supplier.name
            notices = sorted(
                agreement.content_values().notices, key=lambda n: self.products[n[0]].name
            )
            for product_id, codes in notices:
                yield [
                    agreement.reference,
                    self.product_ref(product_id, supplier),
                    join(sorted(codes)) or NO_ATTRIBUTES,
                ]

    def subprocessor_rows(self) -> Iterator[Row]:
        for agreement in self.agreements:
            # Read ordered by name and pk; sorted again by name so that the order is Python's
            # whatever the database's collation (a stable sort keeps the pk order of ties).
            subprocessors = sorted(agreement.content_values().subprocessors, key=lambda s: s[0])
            for name, service, country, safeguard in subprocessors:
                yield [agreement.reference, name, service, country, safeguard]

    def documents(self) -> Iterator[tuple[str, Document]]:
        """(agreement reference, document) of every document."""
        yield from self._documents

    def document_rows(self) -> Iterator[Row]:
        # Bestand is the stored file's name, relative to the media folder; `export_register
        # --with-documents` copies the PDFs there, beside the workbook, so the paths resolve.
        kinds = choice_labels(Document, "kind")
        for reference, document in self.documents():
            yield [
                reference,
                _display(kinds, document.kind),
                document.file.name,
                document.sha256,
            ]

    def flow_rows(self) -> Iterator[Row]:
        channels = choice_labels(DataFlow, "channel")
        flows = DataFlow.objects.order_by(
            "product__supplier__name", "product__name", "attribute__sort_order", "attribute__code"
        ).values_list(
            "product__name", "product__supplier__name", "attribute__code", "channel", "note"
        )
        # The largest table: streamed as tuples in chunks (still one query), memory bounded.
        for product, supplier, attribute, channel, note in flows.iterator(chunk_size=CHUNK_SIZE):
            yield [product, supplier, attribute, _display(channels, channel), note]

    def activity_rows(self) -> Iterator[Row]:
        bases = choice_labels(ProcessingActivity, "legal_basis")
        products: dict[int, list[int]] = defaultdict(list)
        for activity_id, product_id in ProcessingActivity.products.through.objects.values_list(
            "processingactivity_id", "product_id"
        ):
            products[activity_id].append(product_id)
        activities = ProcessingActivity.objects.order_by("name").values_list(
            "pk",
            "name",
            "purposes",
            "legal_basis",
            "data_subjects",
            "personal_data",
            "recipients",
            "third_country_transfers",
            "retention",
            "security_measures",
        )
        for pk, name, purposes, basis, *rest, security in activities:
            yield [
                name,
                purposes,
                _display(bases, basis),
                *rest,
                security,
                join(sorted(self.product_ref(p) for p in products.get(pk, ()))),
            ]

    @cached_property
    def flags(self) -> list:
        from .rules import compute_flags

        return compute_flags(self.today)

    def flag_rows(self) -> Iterator[Row]:
        for flag in self.flags:
            supplier = flag.supplier
            yield [
                flag.code,
                flag.severity_label,
                flag.product.name if flag.product else "",
                supplier.name if supplier else "",
                flag.agreement.reference if flag.agreement else "",
                flag.attribute.code if flag.attribute else "",
                flag.message,
                flag.activity.name if flag.activity else "",
            ]

    def level_rows(self) -> Iterator[Row]:
        from .rules.level import compute_level, level_rows

        for row in level_rows(compute_level(self.today, flags=self.flags)):
            yield list(row)

    def sheets(self) -> Iterator[tuple[SheetSpec, Iterator[Row]]]:
        generators: dict[str, Callable[[], Iterator[Row]]] = {
            "Organisatie": self.organisation_rows,
            "Scholen": self.school_rows,
            "Leveranciers": self.supplier_rows,
            "Producten": self.product_rows,
            "Overeenkomsten": self.agreement_rows,
            "Bijsluiters": self.notice_rows,
            "Subverwerkers": self.subprocessor_rows,
            "Documenten": self.document_rows,
            "Gegevensstromen": self.flow_rows,
            "Verwerkingen": self.activity_rows,
            "Signaleringen": self.flag_rows,
            "Niveau": self.level_rows,
        }
        for spec in SHEETS:
            if spec.name == "Gegevensstromen":
                # The agreements (the largest thing read) are done with: freed before the
                # flows and the flags engine read theirs, it lowers the peak memory.
                self.__dict__.pop("agreements", None)
            yield spec, generators[spec.name]()


def _reviewer_name(review) -> str:
    if review.reviewer_name:
        return review.reviewer_name
    return review.reviewer.get_full_name() if review.reviewer_id else ""


# --- the renderer ----------------------------------------------------------------------------

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="083B6B")
HEADER_ALIGNMENT = Alignment(vertical="center")
DATE_FORMAT = "yyyy-mm-dd"
DATE_ZERO = datetime.date(2000, 1, 1)


def _cell(sheet, value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            cell = WriteOnlyCell(sheet, value=value)
            # Assigning a string starting with "=" makes openpyxl write a formula: force text.
            cell.data_type = "s"
            cell.quotePrefix = True
            return cell
    return value


class _StreamedSheet(WriteOnlyWorksheet):
    """openpyxl's write-only sheet, with rows of plain values serialised here.

    openpyxl builds a cell object and an XML element tree for every value (a few
    microseconds each; the export writes some 400,000 cells at scale 1). A row whose values
    are all text, whole numbers, dates or empty is written here as the very XML that openpyxl
    writes for it (`_cell()`'s date format and quote prefix included); any other row, the
    styled header for one, goes through openpyxl itself. The sheet's other parts (columns,
    frozen pane, drop-downs, auto-filter) and the package stay openpyxl's.
    tests/workbook/test_export_writer.py pins that both ways give the same bytes.
    """

    def __init__(self, parent: Workbook, title: str) -> None:
        super().__init__(parent, title)
        self._style_ids: dict[str, int] = {}
        self._letters: list[str] = []

    def _style_id(self, kind: str) -> int:
        # Registered on first use, as openpyxl registers a style when it first writes it,
        # so that the workbook's style table comes out the same.
        if kind not in self._style_ids:
            self._style_ids[kind] = _cell(self, "=" if kind == "text" else DATE_ZERO).style_id
        return self._style_ids[kind]

    def _row_xml(self, values: Iterable[Any], row_idx: int) -> str | None:
        """The row as openpyxl would write it, or None when it holds another kind of value."""
        letters = self._letters
        parts = [f'<row r="{row_idx}">']
        for index, value in enumerate(values):
            if value is None or value == "":
                continue
            while index >= len(letters):
                letters.append(get_column_letter(len(letters) + 1))
            kind = type(value)
            if kind is str:
                value = ILLEGAL_CHARACTERS_RE.sub("", value)[:32767]
                if not value or value in ERROR_CODES:
                    return None  # openpyxl writes these its own way
                style = (
                    f' s="{self._style_id("text")}"' if value.startswith(FORMULA_PREFIXES) else ""
                )
                stripped = value.strip()
                space = ' xml:space="preserve"' if stripped and stripped != value else ""
                if "&" in value:
                    value = value.replace("&", "&amp;")
                if "<" in value:
                    value = value.replace("<", "&lt;")
                if ">" in value:
                    value = value.replace(">", "&gt;")
                parts.append(
                    f'<c r="{letters[index]}{row_idx}"{style} t="inlineStr">'
                    f"<is><t{space}>{value}</t></is></c>"
                )
            elif kind is int:
                parts.append(
                    f'<c r="{letters[index]}{row_idx}" t="n"><v>{safe_string(value)}</v></c>'
                )
            elif kind is datetime.date or kind is datetime.datetime:
                day = value.date() if kind is datetime.datetime else value
                serial = safe_string(to_excel(day, self.parent.epoch))
                parts.append(
                    f'<c r="{letters[index]}{row_idx}" s="{self._style_id("date")}" t="n">'
                    f"<v>{serial}</v></c>"
                )
            else:
                return None
        parts.append("</row>")
        return "".join(parts)

    def _write_rows(self):
        """openpyxl's `WriteOnlyWorksheet._write_rows`, writing plain rows directly."""
        try:
            xf = self._writer.xf.send(True)
        except StopIteration:
            self._already_saved()
        # The standard library's xmlfile takes raw text; with lxml every row goes the
        # openpyxl way.
        write = None if LXML else getattr(xf, "_file", None)
        with xf.element("sheetData"):
            row_idx = 1
            try:
                while True:
                    values = yield
                    xml = self._row_xml(values, row_idx) if write is not None else None
                    if xml is None:
                        cells = [_cell(self, value) for value in values]
                        self._writer.write_row(xf, self._values_to_row(cells, row_idx), row_idx)
                    else:
                        write(xml)
                    row_idx += 1
            except GeneratorExit:
                pass
        self._writer.xf.send(None)


def render_xlsx(
    sheets: Iterable[tuple[SheetSpec, Iterable[Row]]],
    target: str | Path | IO[bytes],
    progress: Callable[[str, int], None] | None = None,
    *,
    streamed: bool = True,
) -> None:
    """Write the sheets to `target` (a path or a binary file object).

    `streamed=False` writes every cell through openpyxl (the reference the streamed rows
    are tested against)."""
    workbook = Workbook(write_only=True)
    for spec, rows in sheets:
        if streamed:
            sheet = _StreamedSheet(parent=workbook, title=spec.name)
            workbook._add_sheet(sheet)
        else:
            sheet = workbook.create_sheet(spec.name)
        for index, column in enumerate(spec.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        for validation in _dropdowns(spec):
            sheet.data_validations.append(validation)
        header = []
        for title in spec.headers:
            cell = WriteOnlyCell(sheet, value=title)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = HEADER_ALIGNMENT
            header.append(cell)
        sheet.append(header)
        count = 0
        if streamed:
            for row in rows:
                sheet.append(row)
                count += 1
        else:
            for row in rows:
                sheet.append([_cell(sheet, value) for value in row])
                count += 1
        last_column = get_column_letter(len(spec.columns))
        sheet.auto_filter.ref = f"A1:{last_column}{count + 1}"
        if progress is not None:
            progress(spec.name, count)
    workbook.save(target)


def export_register(
    target: str | Path | IO[bytes],
    *,
    today: datetime.date | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> RegisterExport:
    """Write the whole register workbook (DESIGN.md section 9) to `target`."""
    export = RegisterExport(today=today or timezone.localdate())
    render_xlsx(export.sheets(), target, progress=progress)
    return export


def copy_documents(export: RegisterExport, folder: Path) -> int:
    """Copy the stored PDFs beside the workbook, at the paths its Documenten sheet names."""
    count = 0
    for _reference, document in export.documents():
        destination = folder / document.file.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        with document.file.open("rb") as source, open(destination, "wb") as out:
            shutil.copyfileobj(source, out)
        count += 1
    return count


def write_template(target: str | Path | IO[bytes]) -> None:
    """An empty workbook with the importable sheets and their headers, to fill in."""
    render_xlsx(((spec, []) for spec in SHEETS if not spec.export_only), target)


def export_bundle(target: IO[bytes], *, today: datetime.date | None = None) -> None:
    """A zip with the workbook and, at the paths its Documenten sheet names, the PDFs: the
    import page takes it back as it is."""
    today = today or timezone.localdate()
    with tempfile.TemporaryFile() as workbook:
        export = export_register(workbook, today=today)
        workbook.seek(0)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            with archive.open(export_filename(today), "w") as out:
                shutil.copyfileobj(workbook, out)
            for _reference, document in export.documents():
                with (
                    document.file.open("rb") as source,
                    archive.open(document.file.name, "w") as out,
                ):
                    shutil.copyfileobj(source, out)


def export_filename(today: datetime.date | None = None, suffix: str = "xlsx") -> str:
    return f"verwerkingsregister-{(today or timezone.localdate()).isoformat()}.{suffix}"
