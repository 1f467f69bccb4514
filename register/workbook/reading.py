"""Opening a workbook safely, its rows by contract header, and the parsing of one cell.

A lone .xlsx or a zip holding the workbook and its PDFs (`unpacked_upload`); the known sheets
with their rows (`read_workbook`), a column the sheet does not know listed as a warning;
and `RowReader`, which reads one row's cells as the column specs say, recording every
problem as `Sheet!row N: message`.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from .limits import WorkbookRefused, check_workbook_limits
from .newer import read_stamp
from .result import ImportResult
from .sheets import (
    BOOLEAN,
    CHOICE,
    CHOICE_LIST,
    CHOICE_LISTS_SHEET,
    DATE,
    ITEMS,
    KEEP,
    SHEETS,
    Column,
    SheetSpec,
)

TRUE_WORDS = {"ja", "j", "yes", "y", "true", "waar", "1", "x"}
FALSE_WORDS = {"nee", "n", "no", "false", "onwaar", "0"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The Dutch way of writing a date (15-05-2018), which boards type into their own registers.
DUTCH_DATE = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")


class WorkbookUnreadable(Exception):
    """The file is not an .xlsx workbook openpyxl can read."""


# --- the sheets and their rows ---------------------------------------------------------------


@dataclass
class SheetRows:
    spec: SheetSpec
    title: str  # as spelled in the workbook
    columns: dict[str, int]  # contract header -> column index
    rows: list[tuple[int, list[Any]]]  # (row number, values)

    def readers(self, errors: list[str]) -> Iterator[RowReader]:
        for number, values in self.rows:
            yield RowReader(self, number, values, errors)


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
    stamp = read_stamp(workbook)
    if stamp is not None:
        result.exported_at = stamp.exported_at.isoformat()
        result.exported_revision = stamp.revision
    try:
        by_lower = {spec.name.lower(): spec for spec in SHEETS}
        for worksheet in workbook.worksheets:
            spec = by_lower.get(worksheet.title.strip().lower())
            if spec is None and worksheet.title == CHOICE_LISTS_SHEET:
                continue  # the export's own drop-down lists
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


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_sheet(spec: SheetSpec, worksheet, result: ImportResult) -> SheetRows | None:
    """The sheet's rows by contract header; None when it is empty. The headers are in row
    1: a sheet whose first row is empty but which holds rows below it is an error (its
    rows would be lost), and cells under a column without a header are a warning, like an
    unknown column's (DESIGN.md 11.4: nothing is dropped in silence)."""
    rows = worksheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    if all(_blank(title) for title in header):
        below = next(
            (
                number
                for number, values in enumerate(rows, start=2)
                if not all(_blank(v) for v in values or ())
            ),
            None,
        )
        if below is None:
            return None
        result.errors.append(
            _(
                "%(sheet)s!row 1: de eerste rij is leeg, maar rij %(row)s niet. Zet de "
                "kolomkoppen in rij 1: verwijder de lege rijen erboven."
            )
            % {"sheet": spec.name, "row": below}
        )
        return SheetRows(spec=spec, title=worksheet.title, columns={}, rows=[])
    wanted = {c.header.lower(): c.header for c in spec.columns}
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        if _blank(title):
            continue
        key = str(title).strip().rstrip("*").strip().lower()
        if key in wanted and wanted[key] not in columns:
            columns[wanted[key]] = index
        else:  # unknown, or a second column with the same header: its cells are not read
            result.warnings.append(
                _('%(sheet)s: kolom "%(column)s" wordt niet ingelezen')
                % {"sheet": spec.name, "column": str(title).strip()}
            )
    for column in spec.columns:
        if column.required and column.header not in columns:
            result.errors.append(
                _("%(sheet)s!row 1: de verplichte kolom “%(column)s” ontbreekt.")
                % {"sheet": spec.name, "column": column.header}
            )
    unnamed = {index for index, title in enumerate(header) if _blank(title)}
    filled_unnamed: set[int] = set()
    data = []
    for number, values in enumerate(rows, start=2):
        values = list(values or ())
        if all(_blank(v) for v in values):
            continue
        for index in range(len(header), len(values)):
            unnamed.add(index)
        filled_unnamed.update(
            index for index in unnamed if index < len(values) and not _blank(values[index])
        )
        data.append((number, values))
    for index in sorted(filled_unnamed):
        result.warnings.append(
            _('%(sheet)s: kolom "%(column)s" (zonder kop) wordt niet ingelezen')
            % {"sheet": spec.name, "column": get_column_letter(index + 1)}
        )
    return SheetRows(spec=spec, title=worksheet.title, columns=columns, rows=data)


# --- the cells of one row --------------------------------------------------------------------


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


# The day numbers Excel gives 1 January 1990 and 31 December 2100: a plain number in a date
# column in this range is a date cell that lost its format; outside it (2026, a typo) it is
# refused.
EXCEL_SERIALS = (32874, 73415)


def as_read_back(text: str) -> str:
    """A text as its cell reads back after the export wrote it: the workbook's XML keeps
    no carriage return (a browser's "\\r\\n" reads back as "\\n"), the export leaves out
    the control characters a cell cannot hold, and reading strips the spaces around it. The
    import compares a register's text in this form, so that a round trip of a text typed in
    a form changes nothing (and voids no approval)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return ILLEGAL_CHARACTERS_RE.sub("", text).strip()


class RowReader:
    """The cells of one row by contract header, with parsing that records errors."""

    def __init__(self, sheet: SheetRows, number: int, values: list[Any], errors: list[str]):
        self.sheet = sheet
        self.number = number
        self.values = values
        self.errors = errors
        self.failed = False
        # Its record changed in the register after the export and was left alone (newer.py).
        self.skipped = False

    def error(self, message: str) -> None:
        self.failed = True
        self.errors.append(f"{self.sheet.spec.name}!row {self.number}: {message}")

    def has(self, header: str) -> bool:
        return header in self.sheet.columns

    def parse(self) -> dict[str, Any]:
        """field -> value of every column of the sheet, as its spec says (an absent or empty
        cell gives the column's empty value)."""
        return {column.field: self.cell(column) for column in self.sheet.spec.columns}

    def assigned(self, values: dict[str, Any]) -> dict[str, Any]:
        """field -> value of the columns that fill a model field and are in the sheet."""
        return {
            column.field: values[column.field]
            for column in self.sheet.spec.assigned
            if self.has(column.header) and values[column.field] is not KEEP
        }

    def cell(self, column: Column) -> Any:
        header = column.header
        if column.kind == CHOICE:
            value = self.choice(header, column.choices, required=column.required)
        elif column.kind == DATE:
            value = self.date(header)
        elif column.kind == BOOLEAN:
            value = self.boolean(header)
        elif column.kind == ITEMS:
            value = self.items(header, required=column.required)
        elif column.kind == CHOICE_LIST:
            value = self.choice_list(header, column.choices, required=column.required)
        else:
            value = self.text(header, required=column.required)
            if value and column.clean is not None:
                value = column.clean(value)
        if value is None or value == "" or value == []:
            return column.empty_value
        return value

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
            self.not_a_choice(header, text, choices)
        return value

    def not_a_choice(self, header: str, text: str, choices: type[models.Choices]) -> None:
        labels = [str(label) for label in choices.labels]
        if any("," in label for label in labels):  # "Ja, uitgevoerd": each label quoted
            labels = [f"“{label}”" for label in labels]
        self.error(
            _("“%(value)s” is geen geldige waarde voor %(column)s; kies uit: %(allowed)s.")
            % {"value": text, "column": header, "allowed": ", ".join(labels)}
        )

    def choice_list(
        self, header: str, choices: type[models.Choices], required: bool = False
    ) -> list[str]:
        """Each item of a `;`-separated list as a choice (code or label); each value once, in
        the order of the choices."""
        chosen: set[str] = set()
        lookup = _choice_lookup(choices)
        for item in self.items(header, required=required):
            value = lookup.get(item.lower())
            if value is None:
                self.not_a_choice(header, item, choices)
                continue
            chosen.add(value)
        return [value for value in choices.values if value in chosen]

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
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and EXCEL_SERIALS[0] <= value <= EXCEL_SERIALS[1]
        ):
            # A date whose cell lost its date format reads as Excel's day number.
            return from_excel(int(value)).date()
        text = str(value).strip()
        if ISO_DATE.match(text):
            try:
                return datetime.date.fromisoformat(text)
            except ValueError:
                pass
        elif dutch := DUTCH_DATE.match(text):
            day, month, year = (int(part) for part in dutch.groups())
            try:
                return datetime.date(year, month, day)
            except ValueError:
                pass
        self.error(
            _(
                "“%(value)s” in %(column)s is geen leesbare datum; gebruik een Excel-datum, "
                "JJJJ-MM-DD of DD-MM-JJJJ."
            )
            % {"value": text, "column": header}
        )
        return None


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
