"""The export's renderer (register/workbook/export.py) writes every kind of value a sheet can
hold so that it reads back as the same text, date or number, formulas kept as text."""

from __future__ import annotations

import ast
import datetime
import io
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from register.workbook import export
from register.workbook.export import render_xlsx
from register.workbook.sheets import SHEETS_BY_NAME, SheetSpec

# Every kind of value a sheet can hold, the awkward ones included.
AWKWARD_ROWS: list[list] = [
    ["plain", "Leerling & ouder <naam>", "  leading and trailing  ", "   ", "a\nb"],
    ["=SUM(A1:A2)", "+31 20 123", "-min", "@handle", "\tTab"],
    ["\rCR", "=", "tekst \x01 met \x02 stuurtekens", "\x02", "#N/A"],
    ["ë € 😀 中文", "x" * 40_000, 0, 42, 10**17],
    [datetime.date(2026, 1, 31), datetime.datetime(2025, 3, 4, 15, 30), None, "", -7],
    [None, None, None, None, None],
    [1.5, True, Decimal("2.50"), "#DIV/0!", datetime.date(1900, 1, 1)],
    ["ja", "nee", datetime.date(2030, 12, 31), "Goedgekeurd", '=HYPERLINK("x")'],
]


def _write(rows: list[list]) -> bytes:
    spec = SheetSpec(
        SHEETS_BY_NAME["Gegevensstromen"].name, SHEETS_BY_NAME["Gegevensstromen"].columns
    )
    second = SHEETS_BY_NAME["Overeenkomsten"]
    out = io.BytesIO()
    render_xlsx([(spec, iter(rows)), (second, iter(rows[::-1]))], out)
    return out.getvalue()


def test_rows_read_back_as_text_dates_and_numbers_with_formulas_kept_as_text():
    workbook = load_workbook(io.BytesIO(_write(AWKWARD_ROWS)))
    sheet = workbook["Gegevensstromen"]
    rows = list(sheet.iter_rows(min_row=2))
    assert rows[0][1].value == "Leerling & ouder <naam>"
    assert rows[0][2].value == "  leading and trailing  "
    formula = rows[1][0]
    assert formula.value == "=SUM(A1:A2)"
    assert formula.data_type == "s" and formula.quotePrefix
    assert rows[2][2].value == "tekst  met  stuurtekens"
    assert rows[3][0].value == "ë € 😀 中文"
    assert len(rows[3][1].value) == 32767  # Excel's limit, as openpyxl truncates
    assert rows[3][3].value == 42
    day = rows[4][0]
    assert day.value == datetime.datetime(2026, 1, 31)
    assert day.number_format == "dd-mm-yyyy"  # shown the Dutch way, still a date
    assert rows[4][1].value == datetime.datetime(2025, 3, 4)  # a date, time dropped
    # The filter spans the sheet's header row (its columns), over every written row.
    last = get_column_letter(len(SHEETS_BY_NAME["Gegevensstromen"].columns))
    assert sheet.auto_filter.ref == f"A1:{last}{len(AWKWARD_ROWS) + 1}"


def test_the_renderer_uses_only_openpyxls_public_api():
    # A private part of openpyxl breaks silently on its next release (issue 14).
    source = Path(export.__file__).read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openpyxl"):
            assert not any(part.startswith("_") for part in node.module.split(".")), node.module
            assert not any(alias.name.startswith("_") for alias in node.names), node.module
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            owner = node.value
            assert isinstance(owner, ast.Name) and owner.id == "self", ast.unparse(node)


def test_every_row_of_a_long_sheet_keeps_its_own_wrapped_text_and_date():
    # The renderer reuses styled cells across rows (export.BATCH at a time): each row must
    # still read back with its own values and styles, past several batches.
    spec = SHEETS_BY_NAME["Overeenkomsten"]
    columns = [column.header for column in spec.columns]
    purposes, signed = columns.index("Doeleinden"), columns.index("Getekend op")
    count = export.BATCH * 2 + 7
    rows = []
    for n in range(count):
        row = [None] * len(columns)
        row[0] = f"REF-{n}"
        row[purposes] = f"Doel {n}" if n % 3 else ""  # some empty: no cell taken
        row[signed] = datetime.date(2020, 1, 1) + datetime.timedelta(days=n)
        rows.append(row)
    out = io.BytesIO()
    render_xlsx([(spec, iter(rows))], out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))[spec.name]
    for n, cells in enumerate(sheet.iter_rows(min_row=2)):
        assert cells[0].value == f"REF-{n}"
        assert not cells[0].alignment.wrap_text
        if n % 3:
            assert cells[purposes].value == f"Doel {n}"
            assert cells[purposes].alignment.wrap_text
        else:
            assert cells[purposes].value is None
        assert cells[signed].value == datetime.datetime(2020, 1, 1) + datetime.timedelta(days=n)
        assert cells[signed].number_format == "dd-mm-yyyy"
    assert n == count - 1
