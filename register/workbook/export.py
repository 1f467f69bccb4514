"""The register workbook of DESIGN.md section 9 as Excel: one record generator per sheet,
the sheet's spec (sheets.py) turns records into rows, one renderer writes them with
openpyxl's public write-only API (bounded memory, a fixed number of queries).

Performance (docs/performance.md): the records are read as tuples (`values_list`, the data
flows streamed in chunks), one query per sheet, and an enumeration's labels are one dict per
export. A plain value goes to openpyxl as it is; only a date (its number format) and text
that a spreadsheet would evaluate get a `WriteOnlyCell` of their own.

Text that a spreadsheet would evaluate (starting with = + - @) is written as a text cell with
the "quote prefix" style: the spreadsheet shows and keeps the original text and never turns
it into a formula, and reading the cell back gives the same text, so the import needs no
unescaping and a round trip keeps the value.
"""

from __future__ import annotations

import datetime
import re
import shutil
import tempfile
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice
from pathlib import Path
from typing import IO, Any, NamedTuple

from django.db import models
from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from agreements.models import (
    Agreement,
    AgreementStatus,
    Document,
    Review,
    Subprocessor,
    content_read_once,
    load_content_values,
)
from suppliers.models import Attribute, DataFlow, Product, Supplier

from ..models import Organisation, ProcessingActivity, School
from ..revision import current_revision
from ..rules.flags import collector_paused
from .newer import EXPORTED_AT_PROPERTY, REVISION_PROPERTY
from .sheets import (
    ACTIVITIES,
    AGREEMENTS,
    ATTRIBUTES,
    CHOICE_LISTS_SHEET,
    DOCUMENTS,
    FLAGS,
    FLOWS,
    LEVEL,
    NO_ATTRIBUTES,
    NOTICES,
    ORGANISATION,
    PRODUCTS,
    SCHOOLS,
    SHEETS,
    SUBPROCESSORS,
    SUPPLIERS,
    SheetSpec,
    identity,
    local_date,
    locations_cell,
    reviewer_name,
    yes_no,
)

Record = dict[str, Any]  # field -> value, as the sheet's spec names the fields
Row = list[Any]

# The big tables are read as tuples in chunks of this many rows: memory stays bounded and the
# number of queries stays one per table.
CHUNK_SIZE = 2000


def _records(queryset: models.QuerySet, spec: SheetSpec, **lookups: str) -> Iterator[Record]:
    """The sheet's stored columns of each row of `queryset`, plus `lookups` (key -> ORM
    path, e.g. supplier="supplier__name"), read as tuples in chunks (one query)."""
    keys = [*lookups, *(c.field for c in spec.stored)]
    paths = [*lookups.values(), *(c.field for c in spec.stored)]
    for values in queryset.values_list(*paths).iterator(chunk_size=CHUNK_SIZE):
        yield dict(zip(keys, values, strict=True))


def _table_rows(queryset: models.QuerySet, spec: SheetSpec, **lookups: str) -> Iterator[Row]:
    """The rows of a sheet whose every column `queryset` reads (the field of the column's
    name, or its ORM path in `lookups`), in chunks (one query); as tuples all the way, which
    for the 48,000 data flows is a tenth of the time of records."""
    paths = [lookups.get(column.field, column.field) for column in spec.columns]
    formatted = [
        (index, format_)
        for index, (_field, format_) in enumerate(spec.formatters())
        if format_ is not identity
    ]
    for values in queryset.values_list(*paths).iterator(chunk_size=CHUNK_SIZE):
        row = list(values)
        for index, format_ in formatted:
            row[index] = format_(row[index])
        yield row


def controller_text(organisation: Organisation) -> str:
    """Art. 30(1)(a): the controller's name, numbers and contact, and its FG, in one cell."""
    parts = [organisation.name]
    if organisation.board_number:
        parts.append(f"bestuursnummer {organisation.board_number}")
    if organisation.kvk_number:
        parts.append(f"KvK {organisation.kvk_number}")
    lines = [", ".join(parts)]
    if organisation.contact.strip():
        lines.append(" ".join(organisation.contact.split()))
    if organisation.fg_name.strip():
        fg = f"FG: {organisation.fg_name.strip()}"
        if organisation.fg_contact.strip():
            fg += f" ({' '.join(organisation.fg_contact.split())})"
        lines.append(fg)
    return "\n".join(lines)


def latest_review(agreement: Agreement):
    """The FG's most recent decision (reads prefetched reviews)."""
    return max(agreement.reviews.all(), key=lambda r: (r.decided_at, r.pk), default=None)


class StoredDocument(NamedTuple):
    """A document as the export lists and copies it."""

    kind: str
    name: str  # the stored file's name, relative to the media folder
    sha256: str

    def open(self) -> IO[bytes]:
        return Document.file.field.storage.open(self.name, "rb")


class _ProductInfo(NamedTuple):
    name: str
    supplier_name: str


@dataclass
class RegisterExport:
    """The register read once for the workbook; each `*_records()` yields one sheet's records.

    Every query is a fixed one (tuples via `values_list`, a bulk read of the agreements'
    content), so the number of queries does not grow with the register. The big tables are
    read as tuples, never as model instances, and the data flows are streamed.
    """

    today: datetime.date = field(default_factory=timezone.localdate)
    # Taken before anything is read: a change made while the export runs counts as newer
    # than the workbook when it comes back (import: register/workbook/newer.py).
    exported_at: datetime.datetime = field(default_factory=timezone.now)
    revision: str | None = field(default_factory=current_revision)

    @cached_property
    def _products(self) -> list[Record]:
        """Every product, in the Producten sheet's order (6,000 at scale 1: small)."""
        products = Product.objects.order_by("supplier__name", "name")
        return list(_records(products, PRODUCTS, pk="pk", supplier="supplier__name"))

    @cached_property
    def products(self) -> dict[int, _ProductInfo]:
        """Every product's name and supplier name by pk (for the list cells)."""
        return {r["pk"]: _ProductInfo(r["name"], r["supplier"]) for r in self._products}

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
        # Some 30,000 objects that all stay alive: without the collector's full scans (as
        # the flags engine reads them, register/rules/flags.py).
        with collector_paused():
            return load_content_values(agreements, all_agreements=True)

    @cached_property
    def _documents(self) -> list[tuple[str, StoredDocument]]:
        """Every document with its agreement's reference, in the Documenten sheet's order."""
        by_agreement: dict[int, list[tuple]] = defaultdict(list)
        fields = ("agreement_id", "kind", "version", "pk", "file", "sha256")
        for agreement_id, *document in Document.objects.values_list(*fields):
            by_agreement[agreement_id].append(document)
        return [
            (agreement.reference, StoredDocument(kind, name, sha256))
            for agreement in self.agreements
            for kind, _version, _pk, name, sha256 in sorted(by_agreement.get(agreement.pk, ()))
        ]

    def organisation_rows(self) -> Iterator[Row]:
        yield from _table_rows(Organisation.objects.order_by("pk")[:1], ORGANISATION)

    def school_rows(self) -> Iterator[Row]:
        yield from _table_rows(School.objects.order_by("brin"), SCHOOLS)

    def supplier_rows(self) -> Iterator[Row]:
        yield from _table_rows(Supplier.objects.order_by("name"), SUPPLIERS)

    def product_records(self) -> Iterator[Record]:
        schools: dict[int, list[str]] = defaultdict(list)
        links = School.products.through.objects.order_by("school__brin")
        for product_id, brin in links.values_list("product_id", "school__brin"):
            schools[product_id].append(brin)
        for record in self._products:
            yield {**record, "schools": schools.get(record["pk"])}

    def attribute_rows(self) -> Iterator[Row]:
        yield from _table_rows(Attribute.objects.order_by("sort_order", "code"), ATTRIBUTES)

    def agreement_records(self) -> Iterator[Record]:
        stored = [c.field for c in AGREEMENTS.stored]
        for agreement in self.agreements:
            review = latest_review(agreement)
            supplier = agreement.supplier.name
            content = agreement.content_values()
            record = {name: getattr(agreement, name) for name in stored}
            record.update(
                supplier=supplier,
                products=sorted(self.product_ref(pk, supplier) for pk in content.product_ids),
                attributes=sorted(content.attribute_codes),
                current=(
                    not agreement.changed_since_approval()
                    if agreement.status == AgreementStatus.APPROVED
                    else None
                ),
            )
            if review is not None:
                record.update(
                    decided_on=local_date(review.decided_at),
                    reviewer=reviewer_name(review),
                    decision=review.decision,
                    comment=review.comment,
                )
            yield record

    def notice_records(self) -> Iterator[Record]:
        for agreement in self.agreements:
            supplier = agreement.supplier.name
            notices = sorted(
                agreement.content_values().notices, key=lambda n: self.products[n[0]].name
            )
            for product_id, codes, own, _document in notices:
                # Subverwerkers as "Naam (Dienst)" (models.subprocessor_label): unambiguous.
                yield {
                    **own,
                    "agreement": agreement.reference,
                    "product": self.product_ref(product_id, supplier),
                    "attributes": sorted(codes) or [NO_ATTRIBUTES],
                }

    def subprocessor_records(self) -> Iterator[Record]:
        by_agreement: dict[int, list[Record]] = defaultdict(list)
        subprocessors = Subprocessor.objects.order_by("name", "pk")
        for record in _records(subprocessors, SUBPROCESSORS, agreement_id="agreement_id"):
            by_agreement[record["agreement_id"]].append(record)
        for agreement in self.agreements:
            # Sorted again by name so that the order is Python's whatever the database's
            # collation (a stable sort keeps the pk order of ties).
            for record in sorted(by_agreement.get(agreement.pk, ()), key=lambda r: r["name"]):
                yield {
                    **record,
                    "agreement": agreement.reference,
                    "countries": locations_cell(record["countries"]),
                }

    def documents(self) -> Iterator[tuple[str, StoredDocument]]:
        """(agreement reference, document) of every document."""
        yield from self._documents

    def document_records(self) -> Iterator[Record]:
        # Bestand is the stored file's name, relative to the media folder; `export_register
        # --with-documents` copies the PDFs there, beside the workbook, so the paths resolve.
        for reference, document in self.documents():
            yield {
                "agreement": reference,
                "kind": document.kind,
                "file": document.name,
                "sha256": document.sha256,
            }

    def flow_rows(self) -> Iterator[Row]:
        # The largest table: streamed as tuples in chunks (still one query), memory bounded.
        # Every key column in the order, so that two exports list the flows alike (one
        # attribute may flow through two channels and for two subjects).
        flows = DataFlow.objects.order_by(
            "product__supplier__name",
            "product__name",
            "attribute__sort_order",
            "attribute__code",
            "channel",
            "subject",
        )
        yield from _table_rows(
            flows,
            FLOWS,
            product="product__name",
            supplier="product__supplier__name",
            attribute="attribute__code",
        )

    def activity_records(self) -> Iterator[Record]:
        """Every activity with every Art. 30(1) field: (a) the controller and its FG on each
        row, so that one printed row stands on its own."""
        products: dict[int, list[int]] = defaultdict(list)
        links = ProcessingActivity.products.through.objects
        for activity_id, product_id in links.values_list("processingactivity_id", "product_id"):
            products[activity_id].append(product_id)
        controller = controller_text(Organisation.load())
        activities = ProcessingActivity.objects.order_by("name")
        for record in _records(activities, ACTIVITIES, pk="pk"):
            refs = sorted(self.product_ref(p) for p in products.get(record["pk"], ()))
            yield {**record, "products": refs, "controller": controller}

    @cached_property
    def flags(self) -> list:
        from ..rules import compute_flags

        return compute_flags(self.today)

    def flag_records(self) -> Iterator[Record]:
        # A code's label and a severity's, translated once (not twice for each of 4,000 flags).
        labels: dict[str, str] = {}
        severities: dict[str, str] = {}
        for flag in self.flags:
            supplier = flag.supplier
            attribute = flag.attribute
            if flag.code not in labels:
                labels[flag.code] = flag.label
            if flag.severity not in severities:
                severities[flag.severity] = flag.severity_label
            yield {
                "label": labels[flag.code],
                "code": flag.code,
                "severity": severities[flag.severity],
                "product": flag.product.name if flag.product else "",
                "supplier": supplier.name if supplier else "",
                "agreement": flag.agreement.reference if flag.agreement else "",
                "attribute": f"{attribute.label} ({attribute.code})" if attribute else "",
                "message": flag.message,
                "activity": flag.activity.name if flag.activity else "",
            }

    @cached_property
    def level(self):
        from ..rules.level import compute_level

        return compute_level(self.today, flags=self.flags)

    def level_records(self) -> Iterator[Record]:
        from ..rules.level import level_rows

        result = self.level
        yield self.current_level_record(result)
        for level, criterion, met, detail in level_rows(result):
            yield {"level": level, "criterion": criterion, "met": met, "detail": detail}

    def current_level_record(self, result) -> Record:
        """The Niveau sheet's first row: the level now, against the advised minimum (a
        reader opening the sheet sees the answer first; when the workbook was made is in its
        document properties, so that the sheets of two exports of the same register match)."""
        detail = _(
            "Het register staat op niveau %(level)s van 5; geadviseerd minimum: niveau %(advised)s."
        ) % {"level": result.level, "advised": result.advised_level}
        if result.next_step:
            detail += " " + _("Volgende stap: %(step)s") % {"step": result.next_step}
        return {
            "level": result.level,
            "criterion": _("Huidig niveau (geadviseerd minimum: %(advised)s)")
            % {"advised": result.advised_level},
            "met": yes_no(result.level >= result.advised_level),
            "detail": detail,
        }

    def info(self) -> WorkbookInfo:
        organisation = Organisation.load()
        return WorkbookInfo(
            title=_("Verwerkingsregister %(name)s") % {"name": organisation.name},
            exported_at=self.exported_at,
            revision=self.revision,
        )

    def sheets(self) -> Iterator[tuple[SheetSpec, Iterator[Row]]]:
        # A sheet read straight from one table as rows; the others as records.
        rows: dict[SheetSpec, Callable[[], Iterator[Row]]] = {
            ORGANISATION: self.organisation_rows,
            SCHOOLS: self.school_rows,
            SUPPLIERS: self.supplier_rows,
            ATTRIBUTES: self.attribute_rows,
            FLOWS: self.flow_rows,
        }
        records: dict[SheetSpec, Callable[[], Iterator[Record]]] = {
            PRODUCTS: self.product_records,
            AGREEMENTS: self.agreement_records,
            NOTICES: self.notice_records,
            SUBPROCESSORS: self.subprocessor_records,
            DOCUMENTS: self.document_records,
            ACTIVITIES: self.activity_records,
            FLAGS: self.flag_records,
            LEVEL: self.level_records,
        }
        # The flags and the level first, while the export holds nothing else: the engine's
        # read of the whole register is the export's largest moment in memory, and what it
        # frees the sheets reuse. The agreements then take the content the engine read.
        with content_read_once(current_revision):
            self.level  # noqa: B018 (computes and keeps the flags and the level)
            self.agreements  # noqa: B018
        for spec in EXPORT_ORDER:
            if spec is FLOWS:
                # The agreements (the largest thing the export reads) are done with: freed
                # before the largest sheet.
                self.__dict__.pop("agreements", None)
            if spec in rows:
                yield spec, rows[spec]()
            else:
                yield spec, _rows(spec, records[spec]())


# The register as the AP reads it comes first (issue 16); the other sheets keep the contract's
# order. Sheets are found by name on import, so their order there does not matter.
EXPORT_ORDER: tuple[SheetSpec, ...] = (ACTIVITIES, *(s for s in SHEETS if s is not ACTIVITIES))


def sheet_rows(spec: SheetSpec, records: Iterable[Record]) -> Iterator[Row]:
    """The records as the sheet's rows (the PDF of the Verwerkingsregister reads them too)."""
    formatters = spec.formatters()
    for record in records:
        yield spec.row(record, formatters)


_rows = sheet_rows


# --- the renderer ----------------------------------------------------------------------------

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="083B6B")
HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)
# Long text wraps in its column, so a printed page shows all of it (issue 16).
WRAPPED = Alignment(vertical="top", wrap_text=True)
# The Dutch way (DESIGN.md 11.4); the cell holds a real date, so the import reads it as one.
DATE_FORMAT = "dd-mm-yyyy"
MAX_ROW = 1048576  # the last row of a worksheet
# Characters that make a spreadsheet evaluate a cell (OWASP "CSV injection"), plus tab and CR.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# Text that needs more than handing over: an illegal control character (removed) or a first
# character that makes a spreadsheet evaluate it; one search, as most text needs neither.
_TEXT_NEEDS_CARE = re.compile(r"^[=+\-@\t\r]|[\000-\010\013\014\016-\037]")


def _cell(sheet, value: Any, wrap: bool = False) -> Any:
    """A value as openpyxl takes it: plain, or a cell of its own for a date's format, for
    wrapped text and for text a spreadsheet would evaluate."""
    kind = type(value)
    if kind is str:
        if not value:
            return None
        if _TEXT_NEEDS_CARE.search(value) is None:
            if not wrap:
                return value
            cell = WriteOnlyCell(sheet, value=value)
            cell.alignment = WRAPPED
            return cell
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            cell = WriteOnlyCell(sheet, value=value)
            # Assigning a string starting with "=" makes openpyxl write a formula: force text.
            cell.data_type = "s"
            cell.quotePrefix = True
            if wrap:
                cell.alignment = WRAPPED
            return cell
        if wrap:
            cell = WriteOnlyCell(sheet, value=value)
            cell.alignment = WRAPPED
            return cell
        return value
    if kind is datetime.date or kind is datetime.datetime:
        cell = WriteOnlyCell(sheet, value=value.date() if kind is datetime.datetime else value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


# Rows are made ready this many at a time, then appended: openpyxl's writing runs faster in a
# tight loop than interleaved with reading the register (about 0.2 s of the 48,000 data flows).
BATCH = 100


class _StyledCells:
    """Cells of one style (a date's format, wrapped text) for one column, reused: styling a
    new cell for each of the export's 36,000 wrapped texts and dates was a tenth of its time.

    A write-only sheet writes a row's cells out while `append` runs, so a cell may take its
    next value once its row is appended; rows are appended at most BATCH at a time, so BATCH
    cells per column are enough."""

    def __init__(self, sheet, style: Callable[[WriteOnlyCell], None]) -> None:
        self.sheet = sheet
        self.style = style
        self.pool: list[WriteOnlyCell] = []
        self.taken = 0

    def take(self, value: Any) -> WriteOnlyCell:
        if len(self.pool) < BATCH:
            cell = WriteOnlyCell(self.sheet)
            self.style(cell)
            self.pool.append(cell)
        else:
            cell = self.pool[self.taken % BATCH]
        self.taken += 1
        cell.value = value
        return cell


def _date_style(cell: WriteOnlyCell) -> None:
    cell.number_format = DATE_FORMAT


def _wrapped_style(cell: WriteOnlyCell) -> None:
    cell.alignment = WRAPPED


def _column_cells(sheet, wraps: Iterable[bool]) -> list[Callable[[Any], Any]]:
    """Per column, value -> what `sheet.append` takes (as `_cell`), made once per sheet."""
    return [_wrapped_cells(sheet) if wrap else _plain_cells(sheet) for wrap in wraps]


def _plain_cells(sheet) -> Callable[[Any], Any]:
    dates = _StyledCells(sheet, _date_style)

    def cell(value: Any) -> Any:
        # The common cases first: plain text, an empty cell, a date.
        kind = type(value)
        if kind is str:
            if not value:
                return None
            if _TEXT_NEEDS_CARE.search(value) is None:
                return value
            return _cell(sheet, value)
        if value is None:
            return None
        if kind is datetime.date:
            return dates.take(value)
        return _cell(sheet, value)

    return cell


def _wrapped_cells(sheet) -> Callable[[Any], Any]:
    texts = _StyledCells(sheet, _wrapped_style)

    def cell(value: Any) -> Any:
        if type(value) is str and value and _TEXT_NEEDS_CARE.search(value) is None:
            return texts.take(value)
        if value is None:
            return None
        return _cell(sheet, value, wrap=True)

    return cell


class _ChoiceLists:
    """The drop-down lists whose labels contain a comma, each a column of the hidden
    CHOICE_LISTS_SHEET that the validation refers to (a list typed into the validation is
    split at its commas: "Ja, uitgevoerd" would be offered as two wrong choices)."""

    def __init__(self) -> None:
        self.columns: dict[tuple[str, ...], str] = {}

    def reference(self, labels: tuple[str, ...]) -> str:
        letter = self.columns.get(labels)
        if letter is None:
            letter = self.columns[labels] = get_column_letter(len(self.columns) + 1)
        return f"'{CHOICE_LISTS_SHEET}'!${letter}$1:${letter}${len(labels)}"

    def write(self, workbook: Workbook) -> None:
        if not self.columns:
            return
        sheet = workbook.create_sheet(CHOICE_LISTS_SHEET)
        sheet.sheet_state = "hidden"
        lists = list(self.columns)
        for index in range(max(len(labels) for labels in lists)):
            sheet.append([labels[index] if index < len(labels) else None for labels in lists])


def _dropdowns(spec: SheetSpec, lists: _ChoiceLists) -> list[DataValidation]:
    validations = []
    for index, column in enumerate(spec.columns, start=1):
        if not column.choices:
            continue
        labels = tuple(column.labels())
        if any("," in label for label in labels):
            formula = lists.reference(labels)
        else:
            formula = '"' + ",".join(label.replace('"', "") for label in labels) + '"'
        validation = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=False,
        )
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{MAX_ROW}")
        validations.append(validation)
    return validations


def _print_layout(sheet) -> None:
    """A sheet that prints readably (issue 16): A4 landscape, all columns on the width of
    one page (as many pages down as it takes), the header row repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.print_options.gridLines = True


@dataclass(frozen=True)
class WorkbookInfo:
    """What the workbook says about itself, in its document properties (File > Info in
    Excel): its title, and when it was exported from which revision of the register, which
    the import reads back to see which rows the register changed since (newer.py)."""

    title: str
    exported_at: datetime.datetime
    revision: str | None = None


def _describe(workbook: Workbook, info: WorkbookInfo) -> None:
    moment = timezone.localtime(info.exported_at)
    workbook.properties.title = info.title
    workbook.properties.creator = "Privacyregister"
    workbook.properties.subject = _("Geëxporteerd op %(when)s") % {
        "when": formats.date_format(moment, "j F Y H:i")
    }
    workbook.properties.created = info.exported_at.astimezone(datetime.UTC).replace(tzinfo=None)
    workbook.custom_doc_props.append(
        StringProperty(name=EXPORTED_AT_PROPERTY, value=moment.isoformat())
    )
    if info.revision:
        workbook.custom_doc_props.append(
            StringProperty(name=REVISION_PROPERTY, value=info.revision)
        )


def render_xlsx(
    sheets: Iterable[tuple[SheetSpec, Iterable[Row]]],
    target: str | Path | IO[bytes],
    progress: Callable[[str, int], None] | None = None,
    info: WorkbookInfo | None = None,
) -> None:
    """Write the sheets to `target` (a path or a binary file object); `info` describes an
    export (a template has none, so it imports as a hand-made workbook)."""
    workbook = Workbook(write_only=True)
    if info is not None:
        _describe(workbook, info)
    lists = _ChoiceLists()
    for spec, rows in sheets:
        sheet = workbook.create_sheet(spec.name)
        for index, column in enumerate(spec.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        _print_layout(sheet)
        for validation in _dropdowns(spec, lists):
            sheet.data_validations.append(validation)
        header = []
        for title in spec.headers:
            cell = WriteOnlyCell(sheet, value=title)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = HEADER_ALIGNMENT
            header.append(cell)
        sheet.append(header)
        cells = _column_cells(sheet, spec.wraps)
        count = 0
        rows = iter(rows)
        while batch := [
            [cell(value) for cell, value in zip(cells, row, strict=False)]
            for row in islice(rows, BATCH)
        ]:
            for row in batch:
                sheet.append(row)
            count += len(batch)
        last_column = get_column_letter(len(spec.columns))
        sheet.auto_filter.ref = f"A1:{last_column}{count + 1}"
        if progress is not None:
            progress(spec.name, count)
    lists.write(workbook)
    workbook.save(target)


def export_register(
    target: str | Path | IO[bytes],
    *,
    today: datetime.date | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> RegisterExport:
    """Write the whole register workbook (DESIGN.md section 9) to `target`."""
    export = RegisterExport(today=today or timezone.localdate())
    render_xlsx(export.sheets(), target, progress=progress, info=export.info())
    return export


def copy_documents(export: RegisterExport, folder: Path) -> int:
    """Copy the stored PDFs beside the workbook, at the paths its Documenten sheet names."""
    count = 0
    for _reference, document in export.documents():
        destination = folder / document.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        with document.open() as source, open(destination, "wb") as out:
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
                with document.open() as source, archive.open(document.name, "w") as out:
                    shutil.copyfileobj(source, out)


def export_filename(today: datetime.date | None = None, suffix: str = "xlsx") -> str:
    return f"verwerkingsregister-{(today or timezone.localdate()).isoformat()}.{suffix}"
