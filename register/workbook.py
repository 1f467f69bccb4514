"""Importing the register workbook (DESIGN.md section 9): parse, validate, apply.

Used by `import_workbook PATH [--dry-run]` and by the upload page. The import is
all-or-nothing: every row is checked, every problem is reported as `Sheet!row N: message`
(in Dutch, all of them), and only a workbook without a single problem is written, in one
transaction. A dry run does the same work and rolls it back, so its report says exactly what
the real import would create and change.

Records are matched on their natural keys (BRIN, supplier name, supplier + product name,
Kenmerk, activity name); a record is saved only when a value actually differs, so importing
the same workbook twice changes nothing and writes no history.

Every row is validated on its own (`full_clean` without the per-row database checks: the
natural keys are checked in memory). New rows are written per sheet with `bulk_create`, their
history ("+" records with the links they are created with, carrying the importing user) with
simple-history's `bulk_history_create` (register/bulk.py), so the number of queries does not
grow with the rows. Changes to rows already in the register are saved one by one with the
model's `save()`, so django-simple-history records them as it does for a form.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import re
import shutil
import tempfile
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from agreements.models import (
    ISO_COUNTRIES,
    STATUS_TRANSITIONS,
    Agreement,
    AgreementModel,
    AgreementStatus,
    Decision,
    Document,
    DocumentKind,
    PrivacyNotice,
    Review,
    Subprocessor,
    pdf_file_name,
)
from agreements.services import validate_pdf
from suppliers.models import (
    AccessChannel,
    Attribute,
    Channel,
    ConvenantStatus,
    DataFlow,
    LifecycleStatus,
    Product,
    ProductKind,
    Supplier,
)

from .bulk import BulkWriter, chunks
from .exports import NO_ATTRIBUTES, SHEETS, SheetSpec, local_date
from .models import LegalBasis, Organisation, ProcessingActivity, School, Sector
from .workbook_limits import WorkbookRefused, check_workbook_limits

# A review imported with "Akkoord actueel = nee" stores this instead of a content
# fingerprint. It is not a hex sha256, so it can never equal `content_fingerprint()`: the
# approval stays "changed since approval" and `approval_outdated` survives a round trip.
OUTDATED_FINGERPRINT = "import:akkoord-niet-actueel"

IMPORTED_REVIEW_COMMENT = "Besluit overgenomen uit een bestaande werkmap (import)."

TRUE_WORDS = {"ja", "j", "yes", "y", "true", "waar", "1", "x"}
FALSE_WORDS = {"nee", "n", "no", "false", "onwaar", "0"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# An empty cell of an enumeration without an empty choice: keep the record's value (a new
# record gets the model's default).
KEEP = object()


def keep(value: Any) -> Any:
    return KEEP if value is None else value


class WorkbookUnreadable(Exception):
    """The file is not an .xlsx workbook openpyxl can read."""


# --- the result ------------------------------------------------------------------------------


@dataclass
class Change:
    sheet: str
    row: int
    action: str  # "created" or "changed"
    label: str
    fields: list[str] = field(default_factory=list)
    review: bool = False  # an imported FG decision (from a row of Overeenkomsten)


@dataclass
class ImportResult:
    dry_run: bool
    errors: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unchanged: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    # Approvals that hold now but would lapse: the content changes after the FG's approval.
    lapsing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def applied(self) -> bool:
        return self.ok and not self.dry_run

    @property
    def created(self) -> list[Change]:
        return [c for c in self.changes if c.action == "created"]

    @property
    def changed(self) -> list[Change]:
        return [c for c in self.changes if c.action == "changed"]

    def summary(self) -> list[dict]:
        """Per sheet: rows read, created, changed, unchanged (for the preview and the CLI)."""
        created = Counter(c.sheet for c in self.created if not c.review)
        changed = Counter(c.sheet for c in self.changed)
        lines = [
            {
                "sheet": spec.name,
                "rows": self.rows[spec.name],
                "created": created[spec.name],
                "changed": changed[spec.name],
                "unchanged": self.unchanged[spec.name],
            }
            for spec in SHEETS
            if spec.name in self.rows
        ]
        reviews = sum(1 for c in self.changes if c.review)
        if reviews:
            lines.append(
                {
                    "sheet": _("Besluiten FG (uit Overeenkomsten)"),
                    "rows": None,
                    "created": reviews,
                    "changed": 0,
                    "unchanged": None,
                }
            )
        return lines


# --- reading the file ------------------------------------------------------------------------


@dataclass
class SheetRows:
    spec: SheetSpec
    title: str  # as spelled in the workbook
    columns: dict[str, int]  # contract header -> column index
    rows: list[tuple[int, list[Any]]]  # (row number, values)


def read_workbook(path: Path, result: ImportResult) -> dict[str, SheetRows]:
    """The known sheets of the workbook; problems with headers go to `result.errors`."""
    from openpyxl import load_workbook

    try:
        # Before openpyxl parses anything: it trusts sizes and dimensions (issue 13).
        check_workbook_limits(path)
    except WorkbookRefused as exc:
        raise WorkbookUnreadable(str(exc)) from exc
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, xml, key, value errors)
        raise WorkbookUnreadable(
            _(
                "Dit bestand is geen leesbare Excel-werkmap (.xlsx). Sla de werkmap in Excel "
                "of LibreOffice op als 'Excel-werkmap (.xlsx)' en probeer het opnieuw."
            )
        ) from exc
    sheets: dict[str, SheetRows] = {}
    try:
        by_lower = {spec.name.lower(): spec for spec in SHEETS}
        for worksheet in workbook.worksheets:
            spec = by_lower.get(worksheet.title.strip().lower())
            if spec is None:
                result.notes.append(
                    _("Tabblad %(name)s is onbekend en is overgeslagen.")
                    % {"name": worksheet.title}
                )
                continue
            if spec.export_only:
                result.notes.append(
                    _("Tabblad %(name)s wordt alleen geëxporteerd en is bij import overgeslagen.")
                    % {"name": spec.name}
                )
                continue
            if spec.name in sheets:
                result.errors.append(
                    _("%(sheet)s!row 1: het tabblad komt twee keer voor in de werkmap.")
                    % {"sheet": spec.name}
                )
                continue
            sheet = _read_sheet(spec, worksheet, result)
            if sheet is None:
                result.notes.append(
                    _("Tabblad %(name)s is leeg en is overgeslagen.") % {"name": worksheet.title}
                )
                continue
            sheets[spec.name] = sheet
    except WorkbookUnreadable:
        raise
    except Exception as exc:
        raise WorkbookUnreadable(
            _("De werkmap kon niet worden gelezen. Controleer of het bestand niet beschadigd is.")
        ) from exc
    finally:
        workbook.close()
    return sheets


def _read_sheet(spec: SheetSpec, worksheet, result: ImportResult) -> SheetRows | None:
    """The sheet's rows by contract header; None when it has no header row at all."""
    rows = worksheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    if all(title is None or not str(title).strip() for title in header):
        return None
    wanted = {c.header.lower(): c.header for c in spec.columns}
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        if title is None:
            continue
        key = str(title).strip().rstrip("*").strip().lower()
        if key in wanted and wanted[key] not in columns:
            columns[wanted[key]] = index
    for column in spec.columns:
        if column.required and column.header not in columns:
            result.errors.append(
                _("%(sheet)s!row 1: de verplichte kolom “%(column)s” ontbreekt.")
                % {"sheet": spec.name, "column": column.header}
            )
    data = []
    for number, values in enumerate(rows, start=2):
        values = list(values or ())
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        data.append((number, values))
    return SheetRows(spec=spec, title=worksheet.title, columns=columns, rows=data)


# --- reading one row -------------------------------------------------------------------------


def _choice_lookup(choices: type[models.Choices]) -> dict[str, str]:
    """Value by lower-case value or (translated) label; built once per language."""
    return _choice_lookup_in(choices, get_language())


@functools.cache
def _choice_lookup_in(choices: type[models.Choices], language: str | None) -> dict[str, str]:
    lookup = {}
    for value, label in choices.choices:
        for key in (str(value), str(value).replace("_", " "), str(label)):
            lookup[key.strip().lower()] = value
    return lookup


class RowReader:
    """The cells of one row by contract header, with parsing that records errors."""

    def __init__(self, sheet: SheetRows, number: int, values: list[Any], errors: list[str]):
        self.sheet = sheet
        self.number = number
        self.values = values
        self.errors = errors
        self.failed = False

    def error(self, message: str) -> None:
        self.failed = True
        self.errors.append(f"{self.sheet.spec.name}!row {self.number}: {message}")

    def has(self, header: str) -> bool:
        return header in self.sheet.columns

    def raw(self, header: str) -> Any:
        index = self.sheet.columns.get(header)
        if index is None or index >= len(self.values):
            return None
        value = self.values[index]
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def text(self, header: str, required: bool = False) -> str:
        value = self.raw(header)
        if value is None:
            if required:
                self.error(_("“%(column)s” is leeg; vul het in.") % {"column": header})
            return ""
        if isinstance(value, bool):
            return "ja" if value else "nee"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, datetime.datetime):
            return value.date().isoformat() if not value.time() else value.isoformat()
        return str(value)

    def items(self, header: str, required: bool = False) -> list[str]:
        text = self.text(header, required=required)
        items = [item.strip() for item in text.split(";")]
        return [item for item in items if item]

    def choice(self, header: str, choices: type[models.Choices], required: bool = False):
        text = self.text(header, required=required)
        if not text:
            return None
        value = _choice_lookup(choices).get(text.lower())
        if value is None:
            allowed = ", ".join(str(label) for label in choices.labels)
            self.error(
                _("“%(value)s” is geen geldige waarde voor %(column)s; kies uit: %(allowed)s.")
                % {"value": text, "column": header, "allowed": allowed}
            )
        return value

    def boolean(self, header: str) -> bool | None:
        value = self.raw(header)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        text = self.text(header).lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        self.error(
            _("“%(value)s” in %(column)s is geen ja of nee.")
            % {"value": self.text(header), "column": header}
        )
        return None

    def date(self, header: str) -> datetime.date | None:
        value = self.raw(header)
        if value is None:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        if ISO_DATE.match(text):
            try:
                return datetime.date.fromisoformat(text)
            except ValueError:
                pass
        self.error(
            _(
                "“%(value)s” in %(column)s is geen leesbare datum; gebruik een Excel-datum of "
                "JJJJ-MM-DD."
            )
            % {"value": text, "column": header}
        )
        return None


# --- the importer ----------------------------------------------------------------------------


class _Refused(Exception):
    """Raised inside the transaction to roll back a refused import or a dry run."""


@dataclass(eq=False)
class _NewRow:
    """A validated new row waiting for the bulk insert at the end of its sheet."""

    obj: models.Model
    sheet: str
    number: int
    change: Change
    links: dict[str, list] = field(default_factory=dict)  # relation -> target objects


class Importer:
    """Applies the sheets in dependency order; see `import_workbook()`."""

    def __init__(self, *, folder: Path, result: ImportResult, user=None, progress=None):
        self.folder = folder
        self.result = result
        self.user = user
        self.progress = progress
        self.stored_files: list[str] = []
        self.pending_reviews: list[dict] = []
        self.writer = BulkWriter(now=timezone.now(), user=user)
        # model -> id(obj) -> the new row; written by `flush()` at the end of each sheet.
        self.new_rows: dict[type, dict[int, _NewRow]] = {}
        self.new_documents: list[tuple[int, Document]] = []
        self.school_links: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
        # Keys whose row failed: later references to them are not reported a second time.
        self.failed_keys: dict[str, set] = defaultdict(set)

    @property
    def errors(self) -> list[str]:
        return self.result.errors

    # -- lookups, loaded in a fixed number of queries --

    def preload(self) -> None:
        self.organisation = Organisation.objects.first()
        self.schools = {s.brin.upper(): s for s in School.objects.all()}
        self.suppliers = {s.name.strip().lower(): s for s in Supplier.objects.all()}
        self.products: dict[tuple[str, str], Product] = {}
        self.products_by_name: dict[str, list[Product]] = defaultdict(list)
        for product in Product.objects.select_related("supplier").prefetch_related("schools"):
            self._remember_product(product)
        self.attributes = {a.code: a for a in Attribute.objects.all()}
        self.attributes_ci: dict[str, list[Attribute]] = defaultdict(list)
        for attribute in self.attributes.values():
            self.attributes_ci[attribute.code.lower()].append(attribute)
        self.agreements = {
            a.reference: a
            for a in Agreement.objects.select_related("supplier").with_fingerprint_content()
        }
        self.approved_before = {
            a.pk for a in self.agreements.values() if a.approval_matches_content()
        }
        # Kenmerk -> pks of the products the agreement covers (kept up to date in memory).
        self.covered = {
            reference: {p.pk for p in a.products.all()} for reference, a in self.agreements.items()
        }
        self.notices = {}
        self.subprocessors = {}
        self.hashes: dict[int, set[str]] = defaultdict(set)
        for agreement in self.agreements.values():
            for notice in agreement.privacy_notices.all():
                self.notices[(agreement.pk, notice.product_id)] = notice
            for sub in agreement.subprocessors.all():
                self.subprocessors.setdefault((agreement.pk, sub.name.strip().lower()), sub)
            self.hashes[agreement.pk].update(d.sha256 for d in agreement.documents.all())
        self.flows = {(f.product_id, f.attribute_id, f.channel): f for f in DataFlow.objects.all()}
        self.activities = {
            a.name.strip().lower(): a
            for a in ProcessingActivity.objects.prefetch_related(
                Prefetch("products", queryset=Product.objects.only("pk"))
            )
        }

    def _remember_product(self, product: Product) -> None:
        key = (product.supplier.name.strip().lower(), product.name.strip().lower())
        self.products[key] = product
        self.products_by_name[product.name.strip().lower()].append(product)

    def _failed_product(self, supplier_name: str, name: str) -> None:
        self.failed_keys["Producten"].update({name.lower(), f"{supplier_name} / {name}".lower()})

    # -- shared helpers --

    def rows(self, sheet: SheetRows) -> Iterable[RowReader]:
        for number, values in sheet.rows:
            yield RowReader(sheet, number, values, self.errors)

    def duplicate(self, reader: RowReader, seen: dict, key, label: str) -> bool:
        if key in seen:
            reader.error(
                _(
                    "%(label)s staat ook al op rij %(row)s; elke sleutel mag maar één keer voorkomen."
                )
                % {"label": label, "row": seen[key]}
            )
            return True
        seen[key] = reader.number
        return False

    def supplier(self, reader: RowReader, name: str) -> Supplier | None:
        supplier = self.suppliers.get(name.strip().lower())
        if supplier is None and name.strip().lower() not in self.failed_keys["Leveranciers"]:
            reader.error(
                _(
                    "onbekende leverancier “%(name)s”; voeg die toe op het tabblad Leveranciers "
                    "of controleer de spelling."
                )
                % {"name": name}
            )
        if supplier is None:
            reader.failed = True
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
        if ref.lower() not in self.failed_keys["Producten"]:
            reader.error(
                _(
                    "onbekend product “%(name)s”; voeg het toe op het tabblad Producten of "
                    "controleer de spelling."
                )
                % {"name": ref}
            )
        reader.failed = True
        return None

    def products_list(
        self, reader: RowReader, header: str, supplier_hint: str = "", required=False
    ):
        found = []
        for ref in reader.items(header, required=required):
            product = self.product(reader, ref, supplier_hint)
            if product is not None and product not in found:
                found.append(product)
        return found

    def attribute_list(self, reader: RowReader, header: str, required=False) -> list[Attribute]:
        found, unknown = [], []
        codes = reader.items(header, required=required)
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
        attribute = self.attributes.get(code)
        if attribute is None:
            candidates = self.attributes_ci.get(code.lower(), [])
            attribute = candidates[0] if len(candidates) == 1 else None
        return attribute

    def save(
        self,
        reader: RowReader,
        obj: models.Model,
        values: dict[str, Any],
        headers: dict[str, str],
        label: str,
        *,
        m2m: dict[str, tuple[str, list]] | None = None,
    ) -> bool:
        """Assign the values that differ and save, validated; record the change.

        `values` maps field -> value (only the columns present in the sheet); `headers` maps
        field -> column header for messages; `m2m` maps relation name -> (header, objects).
        Returns False when the row was refused.
        """
        # A new row waiting for its bulk insert may be named again by a later row (a data
        # flow listed twice): that row changes the values it will be inserted with.
        pending = self.new_rows.get(type(obj), {}).get(id(obj))
        created = obj.pk is None and pending is None
        changed = []
        original = {name: getattr(obj, name) for name in values}
        for name, value in values.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                if headers.get(name, name) not in changed:
                    changed.append(headers.get(name, name))
        m2m_changes = {}
        for relation, (header, objects) in (m2m or {}).items():
            wanted = {o.pk for o in objects}
            if created:
                current = set()
            elif pending is not None:
                current = {o.pk for o in pending.links.get(relation, [])}
            else:
                current = {o.pk for o in getattr(obj, relation).all()}
            if wanted != current:
                m2m_changes[relation] = objects
                changed.append(header)
        if reader.failed:
            return False
        if not created and not changed:
            self.result.unchanged[reader.sheet.spec.name] += 1
            return True
        try:
            # Related objects were looked up by the importer itself: skip the per-row existence
            # queries Django would run for each foreign key.
            relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
            obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                prefix = headers.get(name, "")
                for message in messages:
                    reader.error(f"{prefix}: {message}" if prefix else message)
            return False
        change = Change(
            sheet=reader.sheet.spec.name,
            row=reader.number,
            action="created" if created else "changed",
            label=label,
            fields=[] if created else changed,
        )
        if (created and not isinstance(obj, Organisation)) or pending is not None:
            if pending is None:
                pending = _NewRow(obj, reader.sheet.spec.name, reader.number, change)
                self.new_rows.setdefault(type(obj), {})[id(obj)] = pending
            for relation, objects in m2m_changes.items():
                setter = getattr(self, f"_set_{relation}", None)
                if setter is None:
                    pending.links[relation] = objects
                elif created:  # keys are unique per sheet: a new product is named once
                    setter(obj, objects)
            self.result.changes.append(change)
            return True
        fields_changed = any(getattr(obj, name) != value for name, value in original.items())
        if not created and fields_changed and hasattr(obj, "version"):
            obj.version += 1  # refuses a concurrent edit made from a form opened earlier
        try:
            with transaction.atomic():
                if created or fields_changed:
                    obj.save()
                for relation, objects in m2m_changes.items():
                    setter = getattr(self, f"_set_{relation}", None)
                    if setter is not None:
                        setter(obj, objects)
                    else:
                        getattr(obj, relation).set(objects)
        except IntegrityError as exc:
            reader.error(_("kon niet worden opgeslagen (%(reason)s).") % {"reason": exc})
            return False
        self.result.changes.append(change)
        return True

    def flush(self) -> None:
        """Write the new rows of the sheet: per model one bulk insert, the "+" history
        records, the many-to-many links and their history, in a fixed number of queries."""
        pending, self.new_rows = self.new_rows, {}
        if not pending:
            return
        self.writer.now = timezone.now()
        for model, new in pending.items():
            saved = self._insert(model, list(new.values()))
            self.writer.history(model, [row.obj for row in saved])
            for relation in sorted({name for row in saved for name in row.links}):
                pairs = [
                    (row.obj.pk, target.pk)
                    for row in saved
                    for target in row.links.get(relation, [])
                ]
                self.writer.link(model, relation, pairs)

    def _insert(self, model: type[models.Model], rows: list[_NewRow]) -> list[_NewRow]:
        """Insert the rows in bulk; when the database refuses the batch (a constraint the
        in-memory checks do not know, or a row written meanwhile by someone else), insert
        them one by one to report each refused row by its sheet and row number."""
        try:
            with transaction.atomic():
                self.writer.insert(model, [row.obj for row in rows])
            return rows
        except IntegrityError:
            pass
        saved = []
        for row in rows:
            row.obj.pk = None
            row.obj._state.adding = True
            try:
                with transaction.atomic():
                    self.writer.insert(model, [row.obj])
            except IntegrityError as exc:
                row.obj.pk = None
                self.errors.append(
                    f"{row.sheet}!row {row.number}: "
                    + _("kon niet worden opgeslagen (%(reason)s).") % {"reason": exc}
                )
                self.result.changes = [c for c in self.result.changes if c is not row.change]
                self._forget(row.obj)
            else:
                saved.append(row)
        return saved

    def _forget(self, obj: models.Model) -> None:
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
            self._failed_product(obj.supplier.name, obj.name)

    def _set_schools(self, product: Product, schools: list[School]) -> None:
        """Collect the change; `apply_school_links()` writes it per school at the sheet's end."""
        current = getattr(product, "_prefetched_objects_cache", {}).get("schools", [])
        wanted = {school.pk for school in schools}
        have = {school.pk for school in current}
        for pk in wanted - have:
            self.school_links[pk][0].append(product)
        for pk in have - wanted:
            self.school_links[pk][1].append(product)

    def apply_school_links(self) -> None:
        """Write the collected links in bulk. The link is tracked in the school's history
        (m2m_fields there): one "~" record per school whose products changed, with the
        school's products after the change, as `school.products.add()` would record it."""
        if not self.school_links:
            return
        schools = {school.pk: school for school in self.schools.values()}
        through = School.products.through
        added = []
        for pk, (adds, removes) in sorted(self.school_links.items()):
            added += [(pk, product.pk) for product in adds if product.pk is not None]
            if removes:  # only when a re-import moves an existing product
                through.objects.filter(
                    school_id=pk, product_id__in=[p.pk for p in removes]
                ).delete()
        self.writer.now = timezone.now()
        self.writer.link(School, "products", sorted(set(added)), history=False)
        self.writer.links_changed(School, [schools[pk] for pk in sorted(self.school_links)])
        self.school_links.clear()

    @staticmethod
    def present(reader: RowReader, pairs: Iterable[tuple[str, str, Any]]) -> dict[str, Any]:
        """field -> value for the columns present in the sheet."""
        return {
            name: value for header, name, value in pairs if reader.has(header) and value is not KEEP
        }

    # -- the sheets, in dependency order --

    def import_organisation(self, sheet: SheetRows) -> None:
        for index, reader in enumerate(self.rows(sheet)):
            if index > 0:
                reader.error(
                    _("het tabblad Organisatie heeft precies één rij; verwijder deze rij.")
                )
                continue
            name = reader.text("Naam", required=True)
            organisation = self.organisation or Organisation()
            values = self.present(
                reader,
                [
                    ("Naam", "name", name),
                    ("Contact", "contact", reader.text("Contact")),
                    ("FG", "fg_name", reader.text("FG")),
                    ("FG-contact", "fg_contact", reader.text("FG-contact")),
                ],
            )
            headers = {
                "name": "Naam",
                "contact": "Contact",
                "fg_name": "FG",
                "fg_contact": "FG-contact",
            }
            self.save(reader, organisation, values, headers, name)

    def import_schools(self, sheet: SheetRows) -> None:
        seen: dict = {}
        headers = {"brin": "BRIN", "name": "Naam", "sector": "Sector"}
        for reader in self.rows(sheet):
            brin = reader.text("BRIN", required=True).upper().replace(" ", "")
            name = reader.text("Naam", required=True)
            sector = reader.choice("Sector", Sector)
            if brin and self.duplicate(reader, seen, brin, f"BRIN {brin}"):
                continue
            school = self.schools.get(brin) or School(brin=brin)
            values = self.present(
                reader, [("Naam", "name", name), ("Sector", "sector", sector or "")]
            )
            if self.save(reader, school, values, headers, f"{name} ({brin})"):
                self.schools[brin] = school
            elif brin:
                self.failed_keys["Scholen"].add(brin)

    def import_suppliers(self, sheet: SheetRows) -> None:
        seen: dict = {}
        headers = {
            "name": "Naam",
            "kvk_number": "KvK-nummer",
            "website": "Website",
            "privacy_contact": "Privacycontact",
            "convenant": "Convenant",
        }
        for reader in self.rows(sheet):
            name = reader.text("Naam", required=True)
            key = name.lower()
            convenant = reader.choice("Convenant", ConvenantStatus)
            if name and self.duplicate(
                reader, seen, key, _("Leverancier %(name)s") % {"name": name}
            ):
                continue
            supplier = self.suppliers.get(key) or Supplier(name=name)
            values = self.present(
                reader,
                [
                    ("KvK-nummer", "kvk_number", reader.text("KvK-nummer").replace(" ", "")),
                    ("Website", "website", reader.text("Website")),
                    ("Privacycontact", "privacy_contact", reader.text("Privacycontact")),
                    ("Convenant", "convenant", keep(convenant)),
                ],
            )
            if self.save(reader, supplier, values, headers, name):
                self.suppliers[key] = supplier
            elif key:
                self.failed_keys["Leveranciers"].add(key)

    def import_products(self, sheet: SheetRows) -> None:
        seen: dict = {}
        headers = {
            "name": "Naam",
            "kind": "Soort",
            "access_channel": "Toegang",
            "status": "Status",
            "processes_personal_data": "Persoonsgegevens",
        }
        for reader in self.rows(sheet):
            name = reader.text("Naam", required=True)
            supplier_name = reader.text("Leverancier", required=True)
            kind = reader.choice("Soort", ProductKind)
            access = reader.choice("Toegang", AccessChannel)
            status = reader.choice("Status", LifecycleStatus, required=True)
            personal = reader.boolean("Persoonsgegevens")
            schools = []
            for brin in reader.items("Scholen"):
                school = self.schools.get(brin.upper())
                if school is None:
                    if brin.upper() not in self.failed_keys["Scholen"]:
                        reader.error(
                            _(
                                "onbekende school (BRIN) “%(brin)s”; voeg die toe op het tabblad Scholen."
                            )
                            % {"brin": brin}
                        )
                    reader.failed = True
                elif school not in schools:
                    schools.append(school)
            if not (name and supplier_name):
                continue
            key = (supplier_name.lower(), name.lower())
            if self.duplicate(reader, seen, key, f"{supplier_name} / {name}"):
                continue
            supplier = self.supplier(reader, supplier_name)
            if supplier is None:
                self._failed_product(supplier_name, name)
                continue
            product = self.products.get(key)
            created = product is None
            if created:
                product = Product(supplier=supplier, name=name)
            values = self.present(
                reader,
                [
                    ("Soort", "kind", keep(kind)),
                    ("Toegang", "access_channel", keep(access)),
                    ("Status", "status", keep(status)),
                    (
                        "Persoonsgegevens",
                        "processes_personal_data",
                        True if personal is None else personal,
                    ),
                ],
            )
            m2m = {"schools": ("Scholen", schools)} if reader.has("Scholen") else None
            if self.save(reader, product, values, headers, f"{supplier.name} / {name}", m2m=m2m):
                if created:
                    self._remember_product(product)
            else:
                self._failed_product(supplier_name, name)
        self.flush()  # the new products need their keys before they are linked
        if not self.errors:
            self.apply_school_links()

    def import_agreements(self, sheet: SheetRows) -> None:
        seen: dict = {}
        headers = {
            "model": "Model",
            "signed_on": "Getekend op",
            "starts_on": "Ingangsdatum",
            "ends_on": "Einddatum",
            "purposes": "Doeleinden",
            "data_subjects": "Betrokkenen",
            "retention": "Bewaartermijn",
            "processing_locations": "Verwerkingslocatie",
            "transfer_outside_eea": "Doorgifte buiten EER",
            "transfer_safeguard": "Waarborg doorgifte",
            "status": "Status",
            "signed_by": "Getekend door",
            "status_reason": "Reden beëindiging",
            "supplier": "Leverancier",
            "submitted_by": "Status",
            "submitted_at": "Status",
        }
        for reader in self.rows(sheet):
            reference = reader.text("Kenmerk", required=True)
            supplier_name = reader.text("Leverancier", required=True)
            model = reader.choice("Model", AgreementModel)
            signed_on = reader.date("Getekend op")
            starts_on = reader.date("Ingangsdatum")
            ends_on = reader.date("Einddatum")
            transfer = reader.boolean("Doorgifte buiten EER")
            status = reader.choice("Status", AgreementStatus, required=True)
            decided_on = reader.date("FG-besluit op")
            reviewer = reader.text("FG")
            current = reader.boolean("Akkoord actueel")
            decision = reader.choice("Besluit FG", Decision)
            attributes = self.attribute_list(reader, "Attributen")
            if starts_on and ends_on and ends_on < starts_on:
                reader.error(
                    _("de Einddatum (%(end)s) ligt vóór de Ingangsdatum (%(start)s).")
                    % {"end": ends_on.isoformat(), "start": starts_on.isoformat()}
                )
            if decision is None and status in Decision.values:
                decision = status
            if status in Decision.values and not (decided_on and reviewer):
                reader.error(
                    _(
                        "bij status %(status)s horen “FG-besluit op” en “FG”; vul de datum van "
                        "het besluit en de naam van de FG in."
                    )
                    % {"status": AgreementStatus(status).label.lower()}
                )
            elif bool(decided_on) != bool(reviewer) and not reader.failed:
                reader.error(_("vul zowel “FG-besluit op” als “FG” in, of laat beide leeg."))
            elif decided_on and decision is None and status:
                reader.error(
                    _(
                        "“FG-besluit op” en “FG” zijn ingevuld, maar het besluit is onbekend; vul "
                        "“Besluit FG” in (goedgekeurd, afgekeurd of aanpassing gevraagd)."
                    )
                )
            if reference and self.duplicate(reader, seen, reference, f"Kenmerk {reference}"):
                continue
            supplier = self.supplier(reader, supplier_name) if supplier_name else None
            products = self.products_list(reader, "Producten", supplier_name, required=True)
            if supplier is not None:
                for product in products:
                    if product.supplier_id != supplier.pk:
                        reader.error(
                            _(
                                "product “%(product)s” is van %(other)s, niet van %(supplier)s; "
                                "een overeenkomst geldt voor producten van één leverancier."
                            )
                            % {
                                "product": product.name,
                                "other": product.supplier.name,
                                "supplier": supplier.name,
                            }
                        )
            if not reference or supplier is None:
                self.failed_keys["Overeenkomsten"].add(reference)
                continue
            agreement = self.agreements.get(reference)
            created = agreement is None
            if created:
                agreement = Agreement(reference=reference, supplier=supplier)
            else:
                self.check_workflow(
                    reader,
                    agreement,
                    status=status,
                    reason=reader.text("Reden beëindiging"),
                    decision=decision,
                    decided_on=decided_on,
                )
            values = self.present(
                reader,
                [
                    ("Leverancier", "supplier", supplier),
                    ("Model", "model", keep(model)),
                    ("Getekend op", "signed_on", signed_on),
                    ("Ingangsdatum", "starts_on", starts_on),
                    ("Einddatum", "ends_on", ends_on),
                    ("Doeleinden", "purposes", reader.text("Doeleinden")),
                    ("Betrokkenen", "data_subjects", reader.text("Betrokkenen")),
                    ("Bewaartermijn", "retention", reader.text("Bewaartermijn")),
                    (
                        "Verwerkingslocatie",
                        "processing_locations",
                        reader.text("Verwerkingslocatie"),
                    ),
                    ("Doorgifte buiten EER", "transfer_outside_eea", bool(transfer)),
                    ("Waarborg doorgifte", "transfer_safeguard", reader.text("Waarborg doorgifte")),
                    ("Status", "status", keep(status)),
                    ("Getekend door", "signed_by", reader.text("Getekend door")),
                    ("Reden beëindiging", "status_reason", reader.text("Reden beëindiging")),
                ],
            )
            if not created and status == AgreementStatus.SUBMITTED != agreement.status:
                values.update(submitted_by=self.user, submitted_at=timezone.now())
            m2m = {"products": ("Producten", products)}
            if reader.has("Attributen"):
                m2m["attributes"] = ("Attributen", attributes)
            # The import moves an existing register in: the status is taken as it is, not
            # through the review workflow's transitions; the FG's decision becomes a review.
            if not self.save(reader, agreement, values, headers, reference, m2m=m2m):
                self.failed_keys["Overeenkomsten"].add(reference)
                continue
            self.agreements[reference] = agreement
            self.covered[reference] = {product.pk for product in products}
            if decision and decided_on and reviewer:
                self.pending_reviews.append(
                    {
                        "reader": reader,
                        "agreement": agreement,
                        "decision": decision,
                        "decided_on": decided_on,
                        "reviewer": reviewer,
                        "comment": reader.text("Toelichting FG") or IMPORTED_REVIEW_COMMENT,
                        "current": current is not False,
                    }
                )

    def check_workflow(
        self,
        reader: RowReader,
        agreement: Agreement,
        *,
        status: str | None,
        reason: str,
        decision: str | None,
        decided_on: datetime.date | None,
    ) -> None:
        """An agreement already in the register follows the review workflow.

        Moving a register in may bring its FG decisions along (new agreements get imported
        reviews), but an import must never stand in for the FG (AVG art. 38-39): it cannot
        record a new decision on an existing agreement, nor move one into a decision status,
        and other status moves follow STATUS_TRANSITIONS like `Agreement.set_status()`.
        """
        if status and status != agreement.status:
            current = AgreementStatus(agreement.status).label.lower()
            if status in Decision.values:
                reader.error(
                    _(
                        "de status van %(reference)s gaat van %(current)s naar %(new)s; dat is "
                        "een besluit van de FG, dat de FG zelf in het register vastlegt. Neem "
                        "de huidige status over."
                    )
                    % {
                        "reference": agreement.reference,
                        "current": current,
                        "new": AgreementStatus(status).label.lower(),
                    }
                )
            elif not agreement.can_move_to(status):
                allowed = ", ".join(
                    str(AgreementStatus(s).label).lower()
                    for s in sorted(STATUS_TRANSITIONS[agreement.status])
                )
                reader.error(
                    _(
                        "de status van %(reference)s kan niet van %(current)s naar %(new)s; "
                        "toegestaan: %(allowed)s."
                    )
                    % {
                        "reference": agreement.reference,
                        "current": current,
                        "new": AgreementStatus(status).label.lower(),
                        "allowed": allowed or _("geen (definitief)"),
                    }
                )
            elif status == AgreementStatus.TERMINATED and not reason:
                reader.error(_("vul bij een beëindigde overeenkomst de “Reden beëindiging” in."))
        if decision and decided_on and not reader.failed:
            known = any(
                r.decision == decision and local_date(r.decided_at) == decided_on
                for r in agreement.reviews.all()
            )
            if not known:
                reader.error(
                    _(
                        "het besluit “%(decision)s” van %(date)s staat niet in het register bij "
                        "%(reference)s. Een nieuw besluit legt de FG zelf vast in het register, "
                        "niet via een import; neem het laatste besluit uit de export over."
                    )
                    % {
                        "decision": Decision(decision).label.lower(),
                        "date": decided_on.isoformat(),
                        "reference": agreement.reference,
                    }
                )

    def agreement(self, reader: RowReader, reference: str) -> Agreement | None:
        agreement = self.agreements.get(reference)
        if agreement is None:
            if reference not in self.failed_keys["Overeenkomsten"]:
                reader.error(
                    _(
                        "onbekende overeenkomst “%(reference)s”; voeg die toe op het tabblad "
                        "Overeenkomsten of controleer het kenmerk."
                    )
                    % {"reference": reference}
                )
            reader.failed = True
        return agreement

    def import_notices(self, sheet: SheetRows) -> None:
        seen: dict = {}
        for reader in self.rows(sheet):
            reference = reader.text("Overeenkomst", required=True)
            product_ref = reader.text("Product", required=True)
            attributes = self.attribute_list(reader, "Attributen", required=True)
            if not (reference and product_ref):
                continue
            agreement = self.agreement(reader, reference)
            if agreement is None:
                continue
            product = self.product(reader, product_ref, agreement.supplier.name)
            if product is None:
                continue
            if self.duplicate(
                reader, seen, (reference, product.pk), f"{reference} / {product.name}"
            ):
                continue
            if product.pk not in self.covered.get(reference, set()):
                reader.error(
                    _(
                        "product “%(product)s” valt niet onder overeenkomst %(reference)s; voeg "
                        "het toe aan Producten op het tabblad Overeenkomsten."
                    )
                    % {"product": product.name, "reference": reference}
                )
                continue
            notice = self.notices.get((agreement.pk, product.pk))
            if notice is None:
                notice = PrivacyNotice(agreement=agreement, product=product)
            label = f"{reference} / {product.name}"
            m2m = {"attributes": ("Attributen", attributes)}
            if self.save(reader, notice, {}, {}, label, m2m=m2m):
                self.notices[(agreement.pk, product.pk)] = notice

    def import_subprocessors(self, sheet: SheetRows) -> None:
        seen: dict = {}
        headers = {"service": "Dienst", "country": "Land", "safeguard": "Waarborg"}
        for reader in self.rows(sheet):
            reference = reader.text("Overeenkomst", required=True)
            name = reader.text("Naam", required=True)
            country = reader.text("Land").upper()
            if country and country not in ISO_COUNTRIES:
                reader.error(
                    _(
                        "“%(country)s” in Land is geen landcode; gebruik ISO 3166 alpha-2, zoals NL, IE of US."
                    )
                    % {"country": country}
                )
            if not (reference and name):
                continue
            agreement = self.agreement(reader, reference)
            if agreement is None:
                continue
            key = (agreement.pk, name.lower())
            if self.duplicate(reader, seen, key, f"{reference} / {name}"):
                continue
            sub = self.subprocessors.get(key) or Subprocessor(agreement=agreement, name=name)
            values = self.present(
                reader,
                [
                    ("Dienst", "service", reader.text("Dienst")),
                    ("Land", "country", country),
                    ("Waarborg", "safeguard", reader.text("Waarborg")),
                ],
            )
            if self.save(reader, sub, values, headers, f"{reference} / {name}"):
                self.subprocessors[key] = sub

    def import_documents(self, sheet: SheetRows, dry_run: bool) -> None:
        for reader in self.rows(sheet):
            reference = reader.text("Overeenkomst", required=True)
            kind = reader.choice("Soort", DocumentKind) or DocumentKind.AGREEMENT
            location = reader.text("Bestand", required=True)
            expected = reader.text("Sha256").lower()
            if not (reference and location):
                continue
            agreement = self.agreement(reader, reference)
            if agreement is None:
                continue
            if expected and expected in self.hashes[agreement.pk]:
                self.result.unchanged[sheet.spec.name] += 1
                continue
            content = self.read_document(reader, location)
            if content is None:
                continue
            digest = hashlib.sha256(content).hexdigest()
            if expected and expected != digest:
                reader.error(
                    _(
                        "de Sha256 in de werkmap hoort niet bij het bestand “%(file)s”; maak de "
                        "cel Sha256 leeg of zet het juiste bestand neer."
                    )
                    % {"file": location}
                )
                continue
            if digest in self.hashes[agreement.pk]:
                self.result.unchanged[sheet.spec.name] += 1
                continue
            if reader.failed:
                continue
            if not dry_run and not self.errors:
                # As `add_document` stores an upload; the rows are written by
                # `write_documents()`, which numbers the versions.
                document = Document(
                    agreement=agreement,
                    kind=kind,
                    original_name=pdf_file_name(location),
                    sha256=digest,
                    size=len(content),
                    uploaded_by=self.user,
                )
                document.file.save("upload.pdf", ContentFile(content), save=False)
                self.stored_files.append(document.file.name)
                self.new_documents.append((reader.number, document))
            self.hashes[agreement.pk].add(digest)
            self.result.changes.append(
                Change(
                    sheet=sheet.spec.name,
                    row=reader.number,
                    action="created",
                    label=f"{reference}: {DocumentKind(kind).label} ({location})",
                )
            )
        self.write_documents()

    def write_documents(self) -> None:
        """The new documents in bulk, each the next version of its kind for its agreement.

        Like `add_document`, the agreements are locked first, so that an upload at the same
        moment cannot take the same version number.
        """
        documents, self.new_documents = self.new_documents, []
        if not documents or self.errors:
            return
        latest: dict[tuple[int, str], int] = defaultdict(int)
        ids = sorted({document.agreement.pk for _number, document in documents})
        for part in chunks(ids):
            list(Agreement.objects.select_for_update().filter(pk__in=part).values_list("pk"))
            versions = (
                Document.objects.filter(agreement_id__in=part)
                .order_by()
                .values("agreement_id", "kind")
                .annotate(latest=Max("version"))
                .values_list("agreement_id", "kind", "latest")
            )
            for agreement_id, kind, version in versions:
                latest[(agreement_id, kind)] = version
        for number, document in documents:
            key = (document.agreement.pk, document.kind)
            latest[key] += 1
            document.version = latest[key]
            try:
                document.full_clean(
                    exclude=["agreement", "uploaded_by"],
                    validate_unique=False,
                    validate_constraints=False,
                )
            except ValidationError as exc:
                self.errors.append(f"Documenten!row {number}: {' '.join(exc.messages)}")
        if not self.errors:
            self.writer.now = timezone.now()
            self.writer.create(Document, [document for _number, document in documents])

    def read_document(self, reader: RowReader, location: str) -> bytes | None:
        """The PDF at `location`, relative to the workbook's folder and never outside it."""
        relative = location.replace("\\", "/")
        parts = PurePosixPath(relative).parts
        if relative.startswith("/") or re.match(r"^[A-Za-z]:", relative) or ".." in parts:
            reader.error(
                _(
                    "Bestand “%(file)s” ligt buiten de map van de werkmap; geef een pad op "
                    "binnen die map, zoals documents/overeenkomst.pdf."
                )
                % {"file": location}
            )
            return None
        folder = self.folder.resolve()
        path = (folder / relative).resolve()
        if not path.is_relative_to(folder):
            reader.error(
                _("Bestand “%(file)s” verwijst naar een plek buiten de map van de werkmap.")
                % {"file": location}
            )
            return None
        if not path.is_file():
            reader.error(
                _(
                    "Bestand “%(file)s” is niet gevonden naast de werkmap; zet de PDF in de map "
                    "van de werkmap (of upload een zip met de werkmap en de PDF's)."
                )
                % {"file": location}
            )
            return None
        if path.stat().st_size > settings.DOCUMENT_MAX_BYTES:
            content = b"x" * (settings.DOCUMENT_MAX_BYTES + 1)  # let validate_pdf word it
        else:
            content = path.read_bytes()
        try:
            validate_pdf(content)
        except ValidationError as exc:
            reader.error(f"Bestand “{location}”: {' '.join(exc.messages)}")
            return None
        return content

    def create_reviews(self) -> None:
        """The imported FG decisions, fingerprinted after all the agreements' content is in."""
        pending = [item for item in self.pending_reviews if item["agreement"].pk is not None]
        if not pending:
            return
        ids = sorted({item["agreement"].pk for item in pending})
        fresh = {}
        for part in chunks(ids):
            query = Agreement.objects.filter(pk__in=part).with_fingerprint_content()
            fresh.update({agreement.pk: agreement for agreement in query})
        reviews = []
        for item in pending:
            agreement = fresh[item["agreement"].pk]
            decided_on = item["decided_on"]
            exists = any(
                r.decision == item["decision"] and local_date(r.decided_at) == decided_on
                for r in agreement.reviews.all()
            )
            reader = item["reader"]
            if exists:
                continue
            outdated = item["decision"] == Decision.APPROVED and not item["current"]
            review = Review(
                agreement=agreement,
                decision=item["decision"],
                comment=item["comment"],
                reviewer_name=item["reviewer"],
                decided_at=timezone.make_aware(
                    datetime.datetime.combine(decided_on, datetime.time(12, 0))
                ),
                fingerprint=OUTDATED_FINGERPRINT if outdated else agreement.content_fingerprint(),
                imported=True,
            )
            reviews.append(review)
            self.result.changes.append(
                Change(
                    sheet="Overeenkomsten",
                    row=reader.number,
                    action="created",
                    review=True,
                    label=_("Besluit FG bij %(reference)s: %(decision)s (%(date)s)")
                    % {
                        "reference": agreement.reference,
                        "decision": Decision(item["decision"]).label.lower(),
                        "date": decided_on.isoformat(),
                    },
                )
            )
        self.writer.now = timezone.now()
        self.writer.create(Review, reviews)

    def import_flows(self, sheet: SheetRows) -> None:
        for reader in self.rows(sheet):
            product_name = reader.text("Product", required=True)
            supplier_name = reader.text("Leverancier", required=True)
            code = reader.text("Attribuut", required=True)
            channel = reader.choice("Kanaal", Channel, required=True)
            attribute = self.attribute(code) if code else None
            if code and attribute is None:
                reader.error(
                    _(
                        "onbekende attribuutcode “%(code)s”; gebruik een code uit de attributenlijst."
                    )
                    % {"code": code}
                )
            if not (product_name and supplier_name):
                continue
            if self.supplier(reader, supplier_name) is None:
                continue
            product = self.product(reader, f"{supplier_name} / {product_name}")
            if product is None or attribute is None or channel is None:
                continue
            key = (product.pk, attribute.pk, channel)
            flow = self.flows.get(key) or DataFlow(
                product=product, attribute=attribute, channel=channel
            )
            values = self.present(reader, [("Toelichting", "note", reader.text("Toelichting"))])
            label = f"{product.name}: {attribute.code} ({Channel(channel).label})"
            if self.save(reader, flow, values, {"note": "Toelichting"}, label):
                self.flows[key] = flow

    def import_activities(self, sheet: SheetRows) -> None:
        seen: dict = {}
        headers = {
            "purposes": "Doeleinden",
            "legal_basis": "Grondslag",
            "data_subjects": "Betrokkenen",
            "personal_data": "Persoonsgegevens",
            "recipients": "Ontvangers",
            "third_country_transfers": "Doorgifte derde landen",
            "retention": "Bewaartermijn",
            "security_measures": "Beveiligingsmaatregelen",
        }
        for reader in self.rows(sheet):
            name = reader.text("Naam", required=True)
            basis = reader.choice("Grondslag", LegalBasis)
            products = self.products_list(reader, "Producten")
            if not name or self.duplicate(reader, seen, name.lower(), name):
                continue
            activity = self.activities.get(name.lower()) or ProcessingActivity(name=name)
            values = self.present(
                reader,
                [
                    ("Doeleinden", "purposes", reader.text("Doeleinden")),
                    ("Grondslag", "legal_basis", basis or ""),
                    ("Betrokkenen", "data_subjects", reader.text("Betrokkenen")),
                    ("Persoonsgegevens", "personal_data", reader.text("Persoonsgegevens")),
                    ("Ontvangers", "recipients", reader.text("Ontvangers")),
                    (
                        "Doorgifte derde landen",
                        "third_country_transfers",
                        reader.text("Doorgifte derde landen"),
                    ),
                    ("Bewaartermijn", "retention", reader.text("Bewaartermijn")),
                    (
                        "Beveiligingsmaatregelen",
                        "security_measures",
                        reader.text("Beveiligingsmaatregelen"),
                    ),
                ],
            )
            m2m = {"products": ("Producten", products)} if reader.has("Producten") else None
            if self.save(reader, activity, values, headers, name, m2m=m2m):
                self.activities[name.lower()] = activity

    def run(self, sheets: dict[str, SheetRows], *, dry_run: bool) -> None:
        self.preload()
        steps: list[tuple[str, Callable[[SheetRows], None]]] = [
            ("Organisatie", self.import_organisation),
            ("Scholen", self.import_schools),
            ("Leveranciers", self.import_suppliers),
            ("Producten", self.import_products),
            ("Overeenkomsten", self.import_agreements),
            ("Bijsluiters", self.import_notices),
            ("Subverwerkers", self.import_subprocessors),
            ("Documenten", lambda sheet: self.import_documents(sheet, dry_run)),
            ("Gegevensstromen", self.import_flows),
            ("Verwerkingen", self.import_activities),
        ]
        for name, step in steps:
            sheet = sheets.get(name)
            if sheet is None:
                continue
            self.result.rows[name] = len(sheet.rows)
            step(sheet)
            self.flush()
            if self.progress is not None:
                self.progress(name, len(sheet.rows))
        if not self.errors:
            self.create_reviews()
            self.find_lapsing_approvals()

    def find_lapsing_approvals(self) -> None:
        """Agreements whose approval held before the import but not after it."""
        if not self.approved_before:
            return
        after = Agreement.objects.filter(pk__in=self.approved_before).with_fingerprint_content()
        for agreement in after.order_by("reference"):
            if not agreement.approval_matches_content():
                self.result.lapsing.append(agreement.reference)


def import_workbook(
    path: str | Path,
    *,
    dry_run: bool = False,
    user=None,
    folder: Path | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ImportResult:
    """Import the workbook at `path`; documents are read relative to `folder` (default: the
    workbook's own folder). Nothing is written when there is any error or on a dry run.

    Raises WorkbookUnreadable when the file is not a readable .xlsx workbook.
    """
    path = Path(path)
    result = ImportResult(dry_run=dry_run)
    sheets = read_workbook(path, result)
    importer = Importer(folder=folder or path.parent, result=result, user=user, progress=progress)
    try:
        with transaction.atomic():
            if not result.errors:
                importer.run(sheets, dry_run=dry_run)
            if result.errors or dry_run:
                raise _Refused
    except _Refused:
        for name in importer.stored_files:
            default_storage.delete(name)
    except Exception:
        for name in importer.stored_files:
            default_storage.delete(name)
        raise
    return result


# --- uploads: a lone .xlsx or a zip holding the workbook and its PDFs -------------------------

UPLOAD_MAX_MEMBERS = 2000
UPLOAD_MAX_UNPACKED_BYTES = 500 * 1024 * 1024


@contextlib.contextmanager
def unpacked_upload(path: Path) -> Iterator[tuple[Path, Path]]:
    """Yield (workbook, folder) for an uploaded file, documents resolving inside `folder`.

    A lone .xlsx gets an empty folder of its own (never the upload folder, which holds other
    users' uploads). A zip is unpacked into a fresh temporary folder, refusing members that
    would land outside it, and must hold exactly one .xlsx. Raises WorkbookUnreadable.
    """
    with tempfile.TemporaryDirectory(prefix="workbook-import-") as tmp:
        folder = Path(tmp)
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise WorkbookUnreadable(
                _("Dit bestand is geen Excel-werkmap (.xlsx) en geen leesbaar zip-bestand.")
            ) from exc
        with archive:
            names = archive.namelist()
            if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
                workbook = folder / "werkmap.xlsx"
                shutil.copyfile(path, workbook)
                yield workbook, folder
                return
            try:
                _unpack(archive, folder)
            except (
                zipfile.BadZipFile,
                OSError,
                EOFError,
                RuntimeError,
                NotImplementedError,
            ) as exc:
                # Damaged, encrypted or oddly compressed members: say so instead of failing.
                raise WorkbookUnreadable(
                    _(
                        "Het zip-bestand kon niet worden uitgepakt (beschadigd, versleuteld of "
                        "een onbekende compressie). Maak het zip-bestand opnieuw aan."
                    )
                ) from exc
        candidates = [
            p
            for p in folder.rglob("*.xlsx")
            if p.is_file() and "__MACOSX" not in p.parts and not p.name.startswith("~$")
        ]
        if len(candidates) != 1:
            raise WorkbookUnreadable(
                _(
                    "Het zip-bestand moet precies één Excel-werkmap (.xlsx) bevatten, met de "
                    "PDF's op de paden die het tabblad Documenten noemt; gevonden: %(count)s."
                )
                % {"count": len(candidates)}
            )
        yield candidates[0], candidates[0].parent


def _unpack(archive: zipfile.ZipFile, folder: Path) -> None:
    members = archive.infolist()
    if len(members) > UPLOAD_MAX_MEMBERS:
        raise WorkbookUnreadable(_("Het zip-bestand bevat te veel bestanden."))
    if sum(m.file_size for m in members) > UPLOAD_MAX_UNPACKED_BYTES:
        raise WorkbookUnreadable(_("Het zip-bestand is uitgepakt te groot."))
    root = folder.resolve()
    for member in members:
        if member.is_dir():
            continue
        name = member.filename.replace("\\", "/")
        target = (root / name).resolve()
        if (
            name.startswith("/")
            or ".." in PurePosixPath(name).parts
            or not target.is_relative_to(root)
        ):
            # Zip-slip: a member that would land outside the folder is skipped; a Documenten
            # row that names it is then reported as not found.
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(member) as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out)
