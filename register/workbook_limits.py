"""Limits a workbook must keep before the import lets openpyxl parse it (issue 13).

openpyxl trusts the file: a 514 KB workbook with one 500 MB cell took a worker to 1.36 GB,
and 10,000 rows with one cell in column XFD to 1.3 GB, because read-only iteration pads
every row to its last cell (or to the width `<dimension ref>` claims). So before openpyxl
sees the file, `check_workbook_limits` reads each part of the .xlsx once, as a bounded
stream with expat, and refuses (`WorkbookRefused`, a Dutch message saying what to fix):

- a part larger than `IMPORT_MAX_PART_BYTES` uncompressed, or all parts together larger than
  `IMPORT_MAX_WORKBOOK_BYTES`: first by the sizes the zip declares, then by counting the bytes
  actually read, so a header that lies about a size gains nothing;
- a sheet wider than `IMPORT_MAX_COLUMNS` or longer than `IMPORT_MAX_ROWS` (by its cells and
  rows, numbered or not, and by its `<dimension>`), or sheets holding more than
  `IMPORT_MAX_CELLS` cells (rows x columns, as openpyxl pads them) together;
- a cell (or shared string) longer than `IMPORT_MAX_CELL_CHARS`, Excel's own limit;
- a DTD in any part: the Open Packaging Conventions forbid them, so only a crafted file has one.

Every check counts while it streams and stops at the first limit crossed, so the check itself
holds at most one chunk of a part in memory. Whatever is not an .xlsx (not a zip) passes
untouched: openpyxl then reports it as unreadable, as before.
"""

from __future__ import annotations

import functools
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

# Defaults; the settings of the same name override them (register/settings.py). The largest
# legitimate workbook, the benchmark's scale-1 export, has parts up to 14 MB, 24 MB in all,
# 48,001 rows in its longest sheet, 22 columns in its widest, about 390,000 cells.
IMPORT_MAX_PART_BYTES = 64 * 1024 * 1024
IMPORT_MAX_WORKBOOK_BYTES = 128 * 1024 * 1024
IMPORT_MAX_ROWS = 200_000
IMPORT_MAX_COLUMNS = 100
IMPORT_MAX_CELLS = 5_000_000
IMPORT_MAX_CELL_CHARS = 32_767

CHUNK_BYTES = 64 * 1024
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CELL, ROW, DIMENSION = f"{MAIN_NS} c", f"{MAIN_NS} row", f"{MAIN_NS} dimension"
SHARED_STRING = f"{MAIN_NS} si"
CELL_REF = re.compile(r"^\$?([A-Za-z]+)\$?(\d+)$")
# Keeps at most this many sheet names for the messages, whatever workbook.xml claims.
MAX_NAMED_SHEETS = 1000


class WorkbookRefused(Exception):
    """The workbook exceeds a limit; the message (Dutch) says which and what to do."""


@dataclass(frozen=True)
class Limits:
    part_bytes: int
    workbook_bytes: int
    rows: int
    columns: int
    cells: int
    cell_chars: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            part_bytes=getattr(settings, "IMPORT_MAX_PART_BYTES", IMPORT_MAX_PART_BYTES),
            workbook_bytes=getattr(
                settings, "IMPORT_MAX_WORKBOOK_BYTES", IMPORT_MAX_WORKBOOK_BYTES
            ),
            rows=getattr(settings, "IMPORT_MAX_ROWS", IMPORT_MAX_ROWS),
            columns=getattr(settings, "IMPORT_MAX_COLUMNS", IMPORT_MAX_COLUMNS),
            cells=getattr(settings, "IMPORT_MAX_CELLS", IMPORT_MAX_CELLS),
            cell_chars=getattr(settings, "IMPORT_MAX_CELL_CHARS", IMPORT_MAX_CELL_CHARS),
        )


def check_workbook_limits(source: str | Path | IO[bytes], limits: Limits | None = None) -> None:
    """Raise WorkbookRefused when the .xlsx at `source` exceeds a limit; see the module doc."""
    limits = limits or Limits.from_settings()
    try:
        archive = zipfile.ZipFile(source)
    except Exception:  # not a zip at all: openpyxl refuses it with its own message
        return
    with archive:
        _Check(archive, limits).run()


# --- messages --------------------------------------------------------------------------------


def number(value: int) -> str:
    """32767 -> "32.767", as a Dutch reader writes it."""
    return f"{value:,}".replace(",", ".")


def megabytes(size: int) -> str:
    return number(max(1, round(size / (1024 * 1024))))


def column_letter(index: int) -> str:
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@functools.lru_cache(maxsize=4096)
def column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - ord("A") + 1
    return index


# --- the check -------------------------------------------------------------------------------


class _Check:
    def __init__(self, archive: zipfile.ZipFile, limits: Limits) -> None:
        self.archive = archive
        self.limits = limits
        self.members = [m for m in archive.infolist() if not m.is_dir()]
        self.read_bytes = 0
        self.cells = 0
        self.sheet_names: dict[str, str] = {}  # part name -> sheet title
        self.long_strings: dict[int, int] = {}  # shared-string index -> its length

    def run(self) -> None:
        self.sheet_names = self.find_sheet_names()
        self.check_declared_sizes()
        # Shared strings first, so a sheet cell that uses an over-long one can be named.
        for member in sorted(self.members, key=lambda m: "sharedstrings" not in m.filename.lower()):
            self.scan(member)
        if self.long_strings:
            index, length = next(iter(self.long_strings.items()))
            raise WorkbookRefused(
                _(
                    "De werkmap bevat een tekst van %(length)s tekens (gedeelde tekst "
                    "nr. %(index)s); een cel mag ten hoogste %(max)s tekens bevatten, de grens "
                    "van Excel zelf. Maak de tekst korter."
                )
                % {
                    "length": number(length),
                    "index": index + 1,
                    "max": number(self.limits.cell_chars),
                }
            )

    def label(self, member: zipfile.ZipInfo) -> str:
        title = self.sheet_names.get(member.filename)
        if title:
            return _("tabblad %(sheet)s") % {"sheet": title}
        return _("onderdeel %(part)s") % {"part": member.filename}

    def too_large(self, member: zipfile.ZipInfo, size: int) -> WorkbookRefused:
        return WorkbookRefused(
            _(
                "De werkmap is uitgepakt te groot: %(part)s is %(size)s MB of meer; ten hoogste "
                "%(max)s MB per onderdeel is toegestaan. Verwijder overbodige gegevens, "
                "afbeeldingen of tabbladen, of splits de werkmap in delen."
            )
            % {
                "part": self.label(member),
                "size": megabytes(size),
                "max": megabytes(self.limits.part_bytes),
            }
        )

    def too_large_in_all(self, size: int) -> WorkbookRefused:
        return WorkbookRefused(
            _(
                "De werkmap is uitgepakt te groot: %(size)s MB of meer; ten hoogste %(max)s MB "
                "is toegestaan. Verwijder overbodige gegevens, afbeeldingen of tabbladen, of "
                "splits de werkmap in delen."
            )
            % {"size": megabytes(size), "max": megabytes(self.limits.workbook_bytes)}
        )

    def damaged(self, member: zipfile.ZipInfo) -> WorkbookRefused:
        return WorkbookRefused(
            _(
                "De werkmap is beschadigd (%(part)s kan niet worden gelezen). Sla de werkmap "
                "in Excel of LibreOffice opnieuw op als 'Excel-werkmap (.xlsx)' en probeer het "
                "opnieuw."
            )
            % {"part": self.label(member)}
        )

    def check_declared_sizes(self) -> None:
        total = 0
        for member in self.members:
            if member.file_size > self.limits.part_bytes:
                raise self.too_large(member, member.file_size)
            total += member.file_size
        if total > self.limits.workbook_bytes:
            raise self.too_large_in_all(total)

    def chunks(self, member: zipfile.ZipInfo, *, counted: bool = True) -> Iterator[bytes]:
        """The part's bytes, counted as they come: never more than the limits allow.
        `counted=False` for a second read of the same part (the sheet names)."""
        read = 0
        try:
            with self.archive.open(member) as stream:
                while chunk := stream.read(CHUNK_BYTES):
                    read += len(chunk)
                    self.read_bytes += len(chunk) if counted else 0
                    if read > member.file_size:
                        # The zip declared less than it holds: not a file Excel wrote.
                        raise self.damaged(member)
                    if read > self.limits.part_bytes:
                        raise self.too_large(member, read)
                    if self.read_bytes > self.limits.workbook_bytes:
                        raise self.too_large_in_all(self.read_bytes)
                    yield chunk
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            RuntimeError,
            ValueError,
            NotImplementedError,
        ) as exc:
            # A CRC mismatch, a truncated or encrypted part, an unknown compression.
            raise self.damaged(member) from exc

    def parse(
        self, member: zipfile.ZipInfo, handlers: dict[str, Callable], *, counted: bool = True
    ) -> None:
        """Stream the part through expat with `handlers`; a part that is not XML is only
        counted. A DTD is refused: no part of an .xlsx may have one."""
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.buffer_size = CHUNK_BYTES
        for name, handler in handlers.items():
            setattr(parser, name, handler)

        def refuse_dtd(*args) -> None:
            raise WorkbookRefused(
                _(
                    "De werkmap bevat een DTD (%(part)s); Excel schrijft die nooit. Sla de "
                    "werkmap in Excel of LibreOffice opnieuw op en probeer het opnieuw."
                )
                % {"part": self.label(member)}
            )

        parser.StartDoctypeDeclHandler = refuse_dtd
        parser.EntityDeclHandler = refuse_dtd
        parsing = True
        for chunk in self.chunks(member, counted=counted):
            if not parsing:
                continue  # still read to the end: its size and checksum count
            try:
                parser.Parse(chunk, False)
            except expat.ExpatError:
                # openpyxl's parser is expat as well and stops at the same byte, so what
                # follows can never reach it: everything before has been checked.
                parsing = False
        if parsing:
            try:
                parser.Parse(b"", True)
            except expat.ExpatError:
                pass

    # --- sheet names, for messages only --------------------------------------------------

    def find_sheet_names(self) -> dict[str, str]:
        """Part name -> sheet title from xl/workbook.xml and its relationships; best effort
        (the checks below look at every part whatever its name)."""
        by_name = {m.filename: m for m in self.members}
        workbook = by_name.get("xl/workbook.xml")
        rels = by_name.get("xl/_rels/workbook.xml.rels")
        if workbook is None or rels is None:
            return {}
        if max(workbook.file_size, rels.file_size) > self.limits.part_bytes:
            return {}  # refused next, by its declared size
        titles: dict[str, str] = {}  # relationship id -> title
        targets: dict[str, str] = {}  # relationship id -> part name

        def sheet(name: str, attrs: dict[str, str]) -> None:
            if name == f"{MAIN_NS} sheet" and len(titles) < MAX_NAMED_SHEETS:
                titles[attrs.get(f"{REL_NS} id", "")] = attrs.get("name", "")[:100]

        def relationship(name: str, attrs: dict[str, str]) -> None:
            if name == f"{PACKAGE_REL_NS} Relationship" and len(targets) < MAX_NAMED_SHEETS:
                target = attrs.get("Target", "")
                if target.startswith("/"):
                    part = target.lstrip("/")
                else:
                    part = str(PurePosixPath("xl") / target)
                targets[attrs.get("Id", "")] = part

        self.parse(workbook, {"StartElementHandler": sheet}, counted=False)
        self.parse(rels, {"StartElementHandler": relationship}, counted=False)
        return {targets[rid]: title for rid, title in titles.items() if rid in targets}

    # --- every part ----------------------------------------------------------------------

    def scan(self, member: zipfile.ZipInfo) -> None:
        """Rows, columns and cell lengths of a worksheet, string lengths of shared strings;
        any other part is read for its size only (it has no such elements)."""
        limits = self.limits
        max_chars, max_rows, max_columns = limits.cell_chars, limits.rows, limits.columns
        long_strings = self.long_strings
        label = self.label(member)
        sheet = self.sheet_names.get(member.filename, member.filename)
        row = column = last_row = last_column = 0
        # The open <c>: its row and column, its type, its length so far and (for a shared
        # string) the start of its index; depth counts the elements open inside it.
        in_cell = False
        cell_row = cell_column = cell_length = depth = 0
        cell_type: str | None = None
        cell_value = ""
        string_index, string_length = -1, -1  # the open <si>; -1: none

        def too_wide(column: int) -> WorkbookRefused:
            return WorkbookRefused(
                _(
                    "De werkmap is te breed: %(part)s gebruikt kolom %(column)s; ten hoogste "
                    "%(max)s kolommen (tot en met kolom %(last)s) zijn toegestaan. Verwijder "
                    "de cellen rechts van de tabel (ook lege cellen met opmaak) en sla de "
                    "werkmap opnieuw op."
                )
                % {
                    "part": label,
                    "column": column_letter(column) if column <= 16384 else number(column),
                    "max": number(max_columns),
                    "last": column_letter(max_columns),
                }
            )

        def too_long(row: int) -> WorkbookRefused:
            return WorkbookRefused(
                _(
                    "De werkmap is te lang: %(part)s loopt tot rij %(row)s; ten hoogste "
                    "%(max)s rijen per tabblad zijn toegestaan. Verwijder de rijen onder de "
                    "tabel (ook lege rijen met opmaak) of splits de werkmap in delen."
                )
                % {"part": label, "row": number(row), "max": number(max_rows)}
            )

        def too_long_cell(length: int) -> WorkbookRefused:
            return WorkbookRefused(
                _(
                    "%(sheet)s!%(cell)s: de cel bevat %(length)s tekens of meer; een cel mag "
                    "ten hoogste %(max)s tekens bevatten, de grens van Excel zelf. Maak de "
                    "tekst korter."
                )
                % {
                    "sheet": sheet,
                    "cell": f"{column_letter(cell_column)}{cell_row}",
                    "length": number(length),
                    "max": number(max_chars),
                }
            )

        def reach(at_row: int, at_column: int) -> None:
            nonlocal last_row, last_column
            if at_column > max_columns:
                raise too_wide(at_column)
            if at_row > max_rows:
                raise too_long(at_row)
            if at_row > last_row:
                last_row = at_row
            if at_column > last_column:
                last_column = at_column

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal row, column, in_cell, cell_row, cell_column, cell_length, depth
            nonlocal cell_type, cell_value, string_index, string_length
            if in_cell:
                depth += 1
            elif name == CELL:
                match = CELL_REF.match(attrs.get("r", ""))
                if match:
                    column = column_index(match[1])
                    cell_row = int(match[2])
                else:  # openpyxl numbers a cell without a reference after the previous one
                    column += 1
                    cell_row = row
                cell_column = column
                reach(cell_row, column)
                in_cell, depth, cell_length = True, 0, 0
                cell_type, cell_value = attrs.get("t"), ""
            elif name == ROW:
                try:
                    row = int(float(attrs["r"]))
                except (KeyError, ValueError, OverflowError):
                    row += 1
                column = 0
                reach(row, 0)
            elif name == SHARED_STRING:
                string_index += 1
                string_length = 0
            elif name == DIMENSION:
                # openpyxl pads every row to the width the dimension claims.
                match = CELL_REF.match(attrs.get("ref", "").rpartition(":")[2])
                if match:
                    reach(int(match[2]), column_index(match[1]))

        def end(name: str) -> None:
            nonlocal in_cell, depth, string_length
            if in_cell:
                if depth:
                    depth -= 1
                    return
                in_cell = False
                if cell_type == "s" and long_strings:
                    try:
                        length = long_strings.get(int(cell_value))
                    except ValueError:
                        length = None
                    if length is not None:
                        raise too_long_cell(length)
            elif name == SHARED_STRING:
                string_length = -1

        def text(data: str) -> None:
            nonlocal cell_length, cell_value, string_length
            if in_cell:
                cell_length += len(data)
                if cell_length > max_chars:
                    raise too_long_cell(cell_length)
                if cell_type == "s" and len(cell_value) < 20:
                    cell_value += data[:20]
            elif string_length >= 0:
                string_length += len(data)
                if string_length > max_chars:
                    # Remembered, not refused yet: the sheet cell that uses it names it.
                    long_strings[string_index] = string_length

        self.parse(
            member,
            {"StartElementHandler": start, "EndElementHandler": end, "CharacterDataHandler": text},
        )
        if last_row and last_column:
            self.cells += last_row * last_column
            if self.cells > limits.cells:
                raise WorkbookRefused(
                    _(
                        "De werkmap is te groot: de tabbladen tellen samen %(cells)s cellen "
                        "(rijen maal kolommen per tabblad) of meer; ten hoogste %(max)s zijn "
                        "toegestaan. Verwijder overbodige rijen en kolommen of splits de "
                        "werkmap in delen."
                    )
                    % {"cells": number(self.cells), "max": number(limits.cells)}
                )
