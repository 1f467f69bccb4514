"""The export as the AP would read it on paper (issue 16): Verwerkingen first with every
Art. 30(1) field on each row, and every sheet printable: landscape, fit to the page width,
header row repeated, long text wrapped, dates as DD-MM-YYYY."""

from __future__ import annotations

import datetime

import pytest
from openpyxl import load_workbook

from register.models import Organisation, ProcessingActivity
from register.workbook.export import export_register
from register.workbook.sheets import SHEETS

from .conftest import as_dicts, read_sheets, visible_sheets

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(tmp_path):
    Organisation(
        name="Stichting De Waterlinie",
        board_number="41234",
        kvk_number="41123456",
        contact="Dijkweg 12, Gorinchem",
        fg_name="Femke Groen",
    ).save()
    ProcessingActivity.objects.create(
        name="Leerlingzorg",
        purposes="Passende ondersteuning " * 10,
        legal_bases=["toestemming", "wettelijke_plicht"],
        recipients="Zorgpunt (verwerker)",
        last_reviewed_on=datetime.date(2026, 3, 5),
    )
    path = tmp_path / "register.xlsx"
    export_register(path)
    return path


def test_every_sheet_prints_landscape_on_one_page_width_with_the_header_repeated(exported):
    workbook = load_workbook(exported)
    assert workbook.sheetnames[0] == "Verwerkingen"
    assert sorted(sheet.title for sheet in visible_sheets(workbook)) == sorted(
        spec.name for spec in SHEETS
    )
    for sheet in visible_sheets(workbook):
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.page_setup.fitToWidth == 1, sheet.title
        assert sheet.page_setup.fitToHeight == 0, sheet.title  # as many pages down as needed
        assert sheet.print_title_rows == "$1:$1", sheet.title
        assert sheet["A1"].alignment.wrap_text, sheet.title


def test_the_activity_rows_wrap_their_text_and_show_dates_the_dutch_way(exported):
    sheet = load_workbook(exported)["Verwerkingen"]
    header = [cell.value for cell in sheet[1]]
    row = {title: cell for title, cell in zip(header, sheet[2], strict=True)}
    assert row["Doeleinden"].alignment.wrap_text
    assert row["Naam"].alignment.wrap_text
    assert row["Laatst beoordeeld"].value == datetime.datetime(2026, 3, 5)
    assert row["Laatst beoordeeld"].number_format == "dd-mm-yyyy"


def test_each_activity_row_carries_every_art_30_field_including_the_controller(exported):
    row = as_dicts(read_sheets(exported), "Verwerkingen")[0]
    for header in (
        "Naam",
        "Doeleinden",
        "Grondslag",
        "Betrokkenen",
        "Persoonsgegevens",
        "Ontvangers",
        "Doorgifte derde landen",
        "Bewaartermijn",
        "Beveiligingsmaatregelen",
        "Verwerkingsverantwoordelijke",
    ):
        assert header in row
    controller = row["Verwerkingsverantwoordelijke"]
    assert "Stichting De Waterlinie" in controller
    assert "bestuursnummer 41234" in controller and "KvK 41123456" in controller
    assert "FG: Femke Groen" in controller
    assert row["Grondslag"] == "Toestemming; Wettelijke verplichting"
