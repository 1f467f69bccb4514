"""Workbooks built to exhaust a worker's memory are refused before openpyxl parses them
(issue 13): too large a part uncompressed, too wide or too long a sheet, too long a cell.

Every workbook here is a real .xlsx: a normal one written by openpyxl, with its sheet part
swapped for a crafted one that is streamed into the zip (the file stays small, the part does
not). Each test also shows that the refusal costs next to no memory and that openpyxl never
got to open the file.
"""

from __future__ import annotations

import struct
import tracemalloc
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from register.workbook import WorkbookUnreadable, import_workbook
from register.workbook_limits import check_workbook_limits
from suppliers.models import Supplier

from ..workbook.conftest import write_workbook

pytestmark = pytest.mark.django_db

SHEET_PART = "xl/worksheets/sheet1.xml"
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
HEADER_ROW = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>Naam</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>Privacycontact</t></is></c></row>'
)
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
MB = 1024 * 1024
# What a refusal may cost: a few chunks of 64 KB and the parser, nowhere near the part.
MEMORY_BUDGET = 16 * MB


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def no_openpyxl(monkeypatch):
    """openpyxl must never be asked to open a refused workbook."""

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl opened a workbook the limits should have refused")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def crafted(
    tmp_path: Path,
    *pieces: bytes | Iterable[bytes],
    shared_strings: list[str] | None = None,
    name="werkmap.xlsx",
) -> Path:
    """A real workbook (sheet Leveranciers) whose sheet part is the given pieces, streamed;
    with `shared_strings`, it has a shared-strings part as Excel writes one."""
    source = write_workbook(tmp_path / "bron.xlsx", {"Leveranciers": [["Naam"], ["Eén"]]})
    target = tmp_path / name
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as out,
    ):
        for member in original.infolist():
            data = original.read(member)
            if member.filename == SHEET_PART:
                with out.open(SHEET_PART, "w") as part:
                    for piece in pieces:
                        for chunk in [piece] if isinstance(piece, bytes) else piece:
                            part.write(chunk)
                continue
            if shared_strings is not None and member.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", SHARED_STRINGS_TYPE + b"</Types>")
            out.writestr(member, data)
        if shared_strings is not None:
            items = "".join(f"<si><t>{text}</t></si>" for text in shared_strings)
            out.writestr(
                "xl/sharedStrings.xml",
                f'<sst xmlns="{MAIN_NS}" count="{len(shared_strings)}">{items}</sst>',
            )
    return target


def repeated(text: bytes, times: int) -> Iterator[bytes]:
    block = text * max(1, (MB // len(text)))
    per_block = len(block) // len(text)
    while times > 0:
        count = min(times, per_block)
        yield block if count == per_block else text * count
        times -= count


def refused(path: Path) -> str:
    """The Dutch message of the refusal, measuring the memory the import took to refuse."""
    tracemalloc.start()
    try:
        with pytest.raises(WorkbookUnreadable) as refusal:
            import_workbook(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BUDGET, f"refusing took {peak / MB:.0f} MB"
    assert not Supplier.objects.exists()
    return str(refusal.value)


def test_a_small_file_with_one_huge_cell_is_refused_by_its_unpacked_size(tmp_path, no_openpyxl):
    # The 514 KB workbook with a 500 MB cell, at 80 MB: over the 64 MB per part.
    path = crafted(
        tmp_path,
        HEAD + b"<sheetData>" + HEADER_ROW + b'<row r="2"><c r="A2" t="inlineStr"><is><t>',
        repeated(b"A", 80 * MB),
        b"</t></is></c></row></sheetData></worksheet>",
    )
    assert path.stat().st_size < 1 * MB
    message = refused(path)
    assert "De werkmap is uitgepakt te groot: tabblad Leveranciers is 80 MB of meer" in message
    assert "ten hoogste 64 MB per onderdeel" in message


def test_a_zip_header_that_understates_a_part_gains_nothing(tmp_path, no_openpyxl):
    path = crafted(
        tmp_path,
        HEAD + b"<sheetData>" + HEADER_ROW + b'<row r="2"><c r="A2" t="inlineStr"><is><t>',
        repeated(b"A", 80 * MB),
        b"</t></is></c></row></sheetData></worksheet>",
    )
    lie_about_size(path, SHEET_PART, 4096)
    assert zipfile.ZipFile(path).getinfo(SHEET_PART).file_size == 4096
    message = refused(path)
    assert "De werkmap is beschadigd (tabblad Leveranciers kan niet worden gelezen)" in message


def lie_about_size(path: Path, name: str, size: int) -> None:
    """Write `size` as the part's uncompressed size in its local and central headers."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := data.find(signature, at)) >= 0:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(encoded)] == encoded:
                struct.pack_into("<I", data, at + offset, size)
            at += 4
    path.write_bytes(bytes(data))


def test_rows_with_a_cell_in_column_xfd_are_refused_as_too_wide(tmp_path, no_openpyxl):
    # The 10,000 rows with one cell in column XFD (1.3 GB in openpyxl).
    rows = (
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>L{n}</t></is></c>'
        f'<c r="XFD{n}"><v>1</v></c></row>'.encode()
        for n in range(2, 10_002)
    )
    path = crafted(tmp_path, HEAD + b"<sheetData>" + HEADER_ROW, rows, b"</sheetData></worksheet>")
    message = refused(path)
    assert "De werkmap is te breed: tabblad Leveranciers gebruikt kolom XFD" in message
    assert "ten hoogste 100 kolommen (tot en met kolom CV)" in message


def test_a_dimension_that_claims_column_xfd_is_refused(tmp_path, no_openpyxl):
    # openpyxl pads every row to the width the <dimension> claims, whatever the cells say.
    rows = (
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>L{n}</t></is></c></row>'.encode()
        for n in range(2, 5_002)
    )
    path = crafted(
        tmp_path,
        HEAD + b'<dimension ref="A1:XFD5001"/><sheetData>' + HEADER_ROW,
        rows,
        b"</sheetData></worksheet>",
    )
    assert "De werkmap is te breed: tabblad Leveranciers gebruikt kolom XFD" in refused(path)


def test_cells_without_a_reference_count_their_columns_too(tmp_path, no_openpyxl):
    cells = b"<c><v>1</v></c>" * 20_000
    path = crafted(
        tmp_path,
        HEAD + b"<sheetData>" + HEADER_ROW,
        (b"<row>" + cells + b"</row>" for _ in range(100)),
        b"</sheetData></worksheet>",
    )
    assert "tabblad Leveranciers gebruikt kolom CW" in refused(path)


def test_a_row_far_below_the_table_is_refused_as_too_long(tmp_path, no_openpyxl):
    path = crafted(
        tmp_path,
        HEAD + b"<sheetData>" + HEADER_ROW,
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>Een</t></is></c></row>',
        b'<row r="900000"><c r="A900000"><v>1</v></c></row></sheetData></worksheet>',
    )
    message = refused(path)
    assert "De werkmap is te lang: tabblad Leveranciers loopt tot rij 900.000" in message
    assert "ten hoogste 200.000 rijen per tabblad" in message


def test_sheets_with_too_many_cells_together_are_refused(tmp_path, settings, no_openpyxl):
    settings.IMPORT_MAX_CELLS = 1_000
    rows = (
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>L{n}</t></is></c>'
        f'<c r="J{n}"><v>1</v></c></row>'.encode()
        for n in range(2, 200)
    )
    path = crafted(tmp_path, HEAD + b"<sheetData>" + HEADER_ROW, rows, b"</sheetData></worksheet>")
    message = refused(path)
    assert "De werkmap is te groot: de tabbladen tellen samen 1.990 cellen" in message
    assert "ten hoogste 1.000" in message


def test_a_cell_longer_than_excel_allows_is_refused_and_named(tmp_path, no_openpyxl):
    path = crafted(
        tmp_path,
        HEAD + b"<sheetData>" + HEADER_ROW,
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>Uitgeverij</t></is></c>'
        b'<c r="B2" t="inlineStr"><is><t>',
        repeated("é".encode(), 40_000),
        b"</t></is></c></row></sheetData></worksheet>",
    )
    message = refused(path)
    assert message.startswith("Leveranciers!B2: de cel bevat ")
    assert "een cel mag ten hoogste 32.767 tekens bevatten, de grens van Excel zelf" in message


def test_a_cell_at_excels_limit_is_accepted(tmp_path):
    contact = "é" * 32_767
    path = write_workbook(
        tmp_path / "w.xlsx", {"Leveranciers": [["Naam", "Privacycontact"], ["Eén", contact]]}
    )
    result = import_workbook(path, dry_run=True)  # the model's own rule speaks, not the limit
    assert result.errors and "Leveranciers!row 2:" in result.errors[0]


def test_a_shared_string_longer_than_excel_allows_names_the_cell_that_uses_it(
    tmp_path, no_openpyxl
):
    path = crafted(
        tmp_path,
        HEAD + b"<sheetData>" + HEADER_ROW,
        b'<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c></row>',
        b'<row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3" t="s"><v>3</v></c></row>',
        b"</sheetData></worksheet>",
        shared_strings=["Eén", "x", "Twee", "y" * 40_000],
    )
    message = refused(path)
    assert message.startswith("Leveranciers!B3: de cel bevat 40.000 tekens of meer")


def test_shared_strings_within_the_limits_import_as_usual(tmp_path):
    path = crafted(
        tmp_path,
        HEAD + b"<sheetData>" + HEADER_ROW,
        b'<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c></row>',
        b"</sheetData></worksheet>",
        shared_strings=["Uitgeverij Eén", "privacy@een.nl"],
    )
    assert import_workbook(path).ok
    assert Supplier.objects.get().privacy_contact == "privacy@een.nl"


def test_a_dtd_is_refused(tmp_path, no_openpyxl):
    laughs = (
        b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    )
    path = crafted(
        tmp_path,
        b'<?xml version="1.0"?>' + laughs + HEAD.split(b"?>", 1)[1],
        b"<sheetData>" + HEADER_ROW + b"</sheetData></worksheet>",
    )
    assert "De werkmap bevat een DTD (tabblad Leveranciers)" in refused(path)


def test_a_workbook_as_large_as_the_benchmarks_passes(tmp_path):
    # 48,000 data flows at scale 1 (docs/performance.md); the limits leave room for more.
    rows = (
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Leverancier {n}</t></is></c>'
        f'<c r="V{n}" t="inlineStr"><is><t>{"toelichting " * 20}</t></is></c></row>'.encode()
        for n in range(2, 100_002)
    )
    path = crafted(tmp_path, HEAD + b"<sheetData>" + HEADER_ROW, rows, b"</sheetData></worksheet>")
    check_workbook_limits(path)  # no refusal


def test_the_command_line_import_applies_the_same_limits(tmp_path, no_openpyxl):
    rows = (f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>'.encode() for n in range(2, 10))
    path = crafted(tmp_path, HEAD + b"<sheetData>" + HEADER_ROW, rows, b"</sheetData></worksheet>")
    with pytest.raises(CommandError, match="tabblad Leveranciers gebruikt kolom XFD"):
        call_command("import_workbook", str(path), "--dry-run")
    bundle = tmp_path / "bundel.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.write(path, "register/werkmap.xlsx")
    with pytest.raises(CommandError, match="tabblad Leveranciers gebruikt kolom XFD"):
        call_command("import_workbook", str(bundle))
    assert not Supplier.objects.exists()
