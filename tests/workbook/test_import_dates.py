"""Dates in a workbook: an Excel date, JJJJ-MM-DD and the Dutch DD-MM-JJJJ are all read."""

from __future__ import annotations

import datetime

import pytest

from agreements.models import Agreement
from register.workbook import import_workbook
from tests.conftest import make_product, make_supplier

from .conftest import write_workbook

pytestmark = pytest.mark.django_db

HEADER = ["Kenmerk", "Leverancier", "Producten", "Status", "Ingangsdatum"]


def import_start_date(tmp_path, cell):
    make_product("P", supplier=make_supplier("S"))
    path = write_workbook(
        tmp_path / "w.xlsx", {"Overeenkomsten": [HEADER, ["VO-1", "S", "P", "concept", cell]]}
    )
    return import_workbook(path)


@pytest.mark.parametrize(
    "cell",
    [
        datetime.datetime(2018, 5, 15),
        datetime.date(2018, 5, 15),
        "2018-05-15",
        "15-05-2018",
        "15-5-2018",
        " 15-05-2018 ",
        43235,  # the day number a date cell shows once its date format is lost
    ],
    ids=[
        "excel-datetime",
        "excel-date",
        "iso",
        "dutch",
        "dutch-short-month",
        "dutch-spaces",
        "excel-day-number",
    ],
)
def test_every_date_form_is_read_as_the_same_day(tmp_path, cell):
    result = import_start_date(tmp_path, cell)
    assert result.applied, result.errors
    assert Agreement.objects.get(reference="VO-1").starts_on == datetime.date(2018, 5, 15)


@pytest.mark.parametrize(
    "cell", ["31-02-2020", "2020-02-31", "15-13-2018", "15/05/2018", "mei", 2018, 99999]
)
def test_an_impossible_or_unknown_date_is_an_error_with_sheet_and_row(tmp_path, cell):
    result = import_start_date(tmp_path, cell)
    assert not result.applied
    assert result.errors == [
        f"Overeenkomsten!row 2: “{cell}” in Ingangsdatum is geen leesbare datum; gebruik een "
        "Excel-datum, JJJJ-MM-DD of DD-MM-JJJJ."
    ]
    assert not Agreement.objects.exists()
