"""Helpers for the workbook tests: write a workbook from plain rows, read one back."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from register.workbook.sheets import SHEETS_BY_NAME

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook whose sheets hold the given rows; the first row of each is the header."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def read_sheets(path: Path) -> dict[str, list[tuple]]:
    """The visible sheets' cells (the hidden one holds the export's drop-down lists)."""
    workbook = load_workbook(path)
    try:
        return {
            sheet.title: [tuple(cell.value for cell in row) for row in sheet.iter_rows()]
            for sheet in visible_sheets(workbook)
        }
    finally:
        workbook.close()


def visible_sheets(workbook) -> list:
    return [sheet for sheet in workbook.worksheets if sheet.sheet_state == "visible"]


def as_dicts(sheets: dict[str, list[tuple]], name: str) -> list[dict]:
    header, *rows = sheets[name]
    return [dict(zip(header, row, strict=False)) for row in rows]


def headers(name: str) -> list[str]:
    return SHEETS_BY_NAME[name].headers


@pytest.fixture
def folder(tmp_path) -> Path:
    return tmp_path
