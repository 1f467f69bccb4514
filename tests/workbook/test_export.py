"""The Excel export of the register (DESIGN.md section 9)."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from agreements.models import AgreementStatus, Document
from register.demo import load_demo
from register.models import ProcessingActivity, School
from register.workbook.export import export_register
from register.workbook.sheets import SHEETS
from tests.conftest import make_agreement, make_flow, make_product, make_supplier

from .conftest import as_dicts, read_sheets, visible_sheets

pytestmark = pytest.mark.django_db

# The register as the AP reads it first (issue 16), then the contract's order.
CONTRACT_SHEETS = [
    "Verwerkingen",
    "Organisatie",
    "Scholen",
    "Leveranciers",
    "Producten",
    "Attributen",
    "Overeenkomsten",
    "Bijsluiters",
    "Subverwerkers",
    "Documenten",
    "Gegevensstromen",
    "Signaleringen",
    "Niveau",
]


@pytest.fixture
def demo_export(tmp_path):
    load_demo()
    path = tmp_path / "register.xlsx"
    export_register(path)
    return path


def test_the_export_has_verwerkingen_first_then_every_sheet_in_the_contract_order(demo_export):
    sheets = read_sheets(demo_export)
    assert list(sheets) == CONTRACT_SHEETS
    for spec in SHEETS:
        assert list(sheets[spec.name][0]) == spec.headers
    overeenkomsten = sheets["Overeenkomsten"][0]
    for header in ("Kenmerk", "Producten", "FG-besluit op", "FG", "Akkoord actueel"):
        assert header in overeenkomsten


def test_every_sheet_has_a_styled_frozen_header_with_an_autofilter(demo_export):
    workbook = load_workbook(demo_export)
    for sheet in visible_sheets(workbook):
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
        assert sheet["A1"].font.bold
        assert sheet.column_dimensions["A"].width >= 8


def test_dates_are_real_dates_and_enumerations_show_the_ui_label(demo_export):
    sheets = read_sheets(demo_export)
    agreement = next(
        r for r in as_dicts(sheets, "Overeenkomsten") if r["Kenmerk"] == "VWO-2024-001"
    )
    assert isinstance(agreement["Ingangsdatum"], datetime.datetime)
    assert agreement["Status"] == "Goedgekeurd"
    assert agreement["Model"] == "Model Convenant 4.0"
    product = next(r for r in as_dicts(sheets, "Producten") if r["Naam"] == "Kompas LAS")
    assert product["Status"] == "In gebruik"
    assert product["Soort"] == "Leerlingadministratie (LAS)"
    assert product["Persoonsgegevens"] == "ja"


def test_agreements_carry_the_latest_fg_decision_and_whether_the_approval_still_holds(
    demo_export,
):
    rows = {r["Kenmerk"]: r for r in as_dicts(read_sheets(demo_export), "Overeenkomsten")}
    assert rows["VWO-2024-001"]["Akkoord actueel"] == "ja"
    assert rows["VWO-2024-001"]["FG"] == "Femke Groen (FG)"
    assert isinstance(rows["VWO-2024-001"]["FG-besluit op"], datetime.datetime)
    # Toetsplein added a subprocessor after the FG approved: the approval lapsed.
    assert rows["VWO-2023-007"]["Akkoord actueel"] == "nee"
    assert rows["VWO-2025-010"]["Status"] == "Aanpassing gevraagd"
    assert rows["VWO-2026-006"]["FG-besluit op"] is None


def test_documents_are_listed_with_their_stored_name_and_hash(demo_export):
    rows = as_dicts(read_sheets(demo_export), "Documenten")
    stored = {d.file.name: d.sha256 for d in Document.objects.all()}
    assert {r["Bestand"]: r["Sha256"] for r in rows} == stored


def test_the_flags_and_the_level_are_in_the_export_only_sheets(demo_export):
    sheets = read_sheets(demo_export)
    codes = {r["Code"] for r in as_dicts(sheets, "Signaleringen")}
    assert {"approval_outdated", "no_agreement", "flow_exceeds_agreement"} <= codes
    levels = as_dicts(sheets, "Niveau")
    assert levels and {r["Voldaan"] for r in levels} <= {"ja", "nee"}


def test_formula_like_text_is_written_as_text_that_no_spreadsheet_evaluates(tmp_path):
    supplier = make_supplier('=HYPERLINK("http://evil.example","klik")')
    make_product("+31 Rekenen", supplier=supplier)
    make_product("-min", supplier=supplier)
    make_product("@SUM(A1)", supplier=supplier)
    path = tmp_path / "register.xlsx"
    export_register(path)
    sheet = load_workbook(path)["Producten"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert {c.value for c in cells} == {"+31 Rekenen", "-min", "@SUM(A1)"}
    for cell in cells + [row[1] for row in sheet.iter_rows(min_row=2)]:
        assert cell.data_type == "s"
        assert cell.quotePrefix
    # No formula anywhere in the raw sheet XML.
    import zipfile

    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name)


def test_export_register_writes_the_workbook_and_the_pdfs_beside_it(tmp_path, capsys):
    load_demo()
    path = tmp_path / "register.xlsx"
    call_command("export_register", str(path), "--with-documents")
    rows = as_dicts(read_sheets(path), "Documenten")
    assert rows and all((tmp_path / r["Bestand"]).is_file() for r in rows)
    assert "Producten: 18 rijen" in capsys.readouterr().err


def _register_of_size(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        supplier = make_supplier(f"Leverancier {n}-{i}")
        product = make_product(f"Product {n}-{i}", supplier=supplier)
        make_flow(product, "eckId")
        make_agreement(
            [product],
            status=AgreementStatus.APPROVED,
            attributes=("eckId",),
            subprocessors=(("Host", "NL", ""),),
        )
        school = School.objects.create(brin=f"{10 + i:02d}AB", name=f"School {i}")
        school.products.add(product)
        activity = ProcessingActivity.objects.create(name=f"Verwerking {n}-{i}")
        activity.products.add(product)


def _export_queries(tmp_path) -> int:
    with CaptureQueriesContext(connection) as queries:
        export_register(tmp_path / "x.xlsx")
    return len(queries)


def test_the_export_uses_the_same_number_of_queries_for_a_small_and_a_larger_register(tmp_path):
    _register_of_size(2)
    small = _export_queries(tmp_path)
    _register_of_size(12, start=2)
    assert _export_queries(tmp_path) == small


def test_enumeration_columns_offer_their_labels_as_a_drop_down(demo_export):
    sheet = load_workbook(demo_export)["Producten"]
    validations = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    status = validations["E2"]
    assert status.type == "list"
    assert status.formula1 == '"In gebruik,Voorgesteld,Uitgefaseerd"'
    # A code typed instead of a label is still accepted by the import: no hard refusal.
    assert not status.showErrorMessage
    # A list whose labels hold a comma ("Ja, uitgevoerd") cannot be a typed list (Excel
    # would offer the halves as choices): it is a column of a hidden sheet.
    workbook = load_workbook(demo_export)
    lists = workbook["Keuzelijsten"]
    assert lists.sheet_state == "hidden"
    activities = workbook["Verwerkingen"]
    dpia_column = next(
        cell.column_letter for cell in activities[1] if cell.value and cell.value.startswith("DPIA")
    )
    dpia = next(
        v
        for v in activities.data_validations.dataValidation
        if str(v.sqref).startswith(f"{dpia_column}2:")
    )
    sheet_name, cells = dpia.formula1.split("!")
    assert sheet_name == "'Keuzelijsten'"
    column = cells.split(":")[0].replace("$", "").rstrip("0123456789")
    offered = [c.value for c in lists[column] if c.value]
    assert offered == ["Ja, uitgevoerd", "Nee, niet uitgevoerd", "Niet nodig", "Gepland"]
