"""The Art. 30 columns of DESIGN.md 11.4 (Organisatie Bestuursnummer, KvK-nummer; Verwerkingen
Grondslag as a list, Uitzondering art. 9, DPIA, Laatst beoordeeld): read in any order and
case, written back as read, refused with the sheet and row when wrong."""

from __future__ import annotations

import datetime

import pytest

from register.models import Organisation, ProcessingActivity
from register.workbook import import_workbook
from register.workbook.export import export_register

from .conftest import as_dicts, read_sheets, write_workbook

pytestmark = pytest.mark.django_db


def _workbook(tmp_path, *, organisation=None, activities=None):
    sheets = {
        "Organisatie": organisation
        or [
            ["kvk-NUMMER", "Naam", "BESTUURSNUMMER"],
            ["41 12 34 56", "Stichting De Waterlinie", "41 234"],
        ],
        "Verwerkingen": activities
        or [
            ["laatst BEOORDEELD", "dpia", "Naam", "uitzondering ART. 9", "grondslag"],
            [
                "05-03-2026",
                "Niet nodig",
                "Leerlingzorg",
                "Art. 9 lid 2 sub g AVG",
                "wettelijke_plicht; Toestemming",
            ],
            [datetime.datetime(2025, 12, 1), "gepland", "Schoolfoto", None, "toestemming"],
        ],
    }
    return write_workbook(tmp_path / "art30.xlsx", sheets)


def test_the_new_columns_import_in_any_order_and_case(tmp_path):
    result = import_workbook(_workbook(tmp_path))
    assert result.errors == [] and result.warnings == []
    organisation = Organisation.objects.get()
    assert (organisation.board_number, organisation.kvk_number) == ("41234", "41123456")
    care = ProcessingActivity.objects.get(name="Leerlingzorg")
    # Several legal bases, in the order of the choices whatever the order in the cell.
    assert care.legal_bases == ["toestemming", "wettelijke_plicht"]
    assert care.special_category_exception == "Art. 9 lid 2 sub g AVG"
    assert care.dpia == "niet_nodig"
    assert care.last_reviewed_on == datetime.date(2026, 3, 5)
    photos = ProcessingActivity.objects.get(name="Schoolfoto")
    assert (photos.legal_bases, photos.dpia) == (["toestemming"], "gepland")
    assert photos.last_reviewed_on == datetime.date(2025, 12, 1)


def test_the_new_columns_survive_a_round_trip_unchanged(tmp_path):
    import_workbook(_workbook(tmp_path))
    first = tmp_path / "first.xlsx"
    export_register(first)
    ProcessingActivity.objects.all().delete()
    Organisation.objects.all().delete()
    assert import_workbook(first).errors == []
    second = tmp_path / "second.xlsx"
    export_register(second)
    before, after = read_sheets(first), read_sheets(second)
    for sheet in ("Organisatie", "Verwerkingen"):
        assert before[sheet] == after[sheet], sheet
    care = next(r for r in as_dicts(after, "Verwerkingen") if r["Naam"] == "Leerlingzorg")
    assert care["Grondslag"] == "Toestemming; Wettelijke verplichting"
    assert care["DPIA"] == "Niet nodig"
    assert care["Uitzondering art. 9"] == "Art. 9 lid 2 sub g AVG"
    assert care["Laatst beoordeeld"] == datetime.datetime(2026, 3, 5)
    organisation = as_dicts(after, "Organisatie")[0]
    assert (organisation["Bestuursnummer"], organisation["KvK-nummer"]) == ("41234", "41123456")


def test_an_unknown_legal_basis_is_an_error_with_sheet_and_row_and_nothing_is_written(tmp_path):
    path = _workbook(
        tmp_path,
        activities=[["Naam", "Grondslag"], ["Oefenen", "toestemming; omdat het kan"]],
    )
    result = import_workbook(path)
    assert any(
        error.startswith("Verwerkingen!row 2:") and "omdat het kan" in error
        for error in result.errors
    )
    assert not ProcessingActivity.objects.exists()


@pytest.mark.parametrize(
    "header, value, expected",
    [
        ("Bestuursnummer", "1234", "5 cijfers"),
        ("Bestuursnummer", "4123A", "5 cijfers"),
        ("KvK-nummer", "4112345", "8 cijfers"),
    ],
)
def test_a_wrong_board_or_kvk_number_is_an_error_with_sheet_and_row(
    tmp_path, header, value, expected
):
    path = _workbook(tmp_path, organisation=[["Naam", header], ["Stichting", value]])
    result = import_workbook(path)
    assert any(
        error.startswith("Organisatie!row 2:") and expected in error for error in result.errors
    ), result.errors
    assert not Organisation.objects.exists()
