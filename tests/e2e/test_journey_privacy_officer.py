"""Journey 3: the privacy officer exports the register to Excel, changes it, and imports it back."""

from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from register.models import ProcessingActivity

from .browser import check_accessibility, login

pytestmark = pytest.mark.e2e

ACTIVITY = "Communicatie met ouders"
NEW_RETENTION = "Tot 1 jaar na het verlaten van de school"


def _rows(sheet) -> list[dict]:
    header = [cell.value for cell in sheet[1]]
    return [
        dict(zip(header, row, strict=False)) for row in sheet.iter_rows(min_row=2, values_only=True)
    ]


def test_the_privacy_officer_exports_changes_and_imports_the_register(
    demo: str, page: Page, tmp_path: Path
) -> None:
    login(page, demo, "privacy")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Verwerkingsregister"
    ).click()
    expect(page.get_by_role("heading", name="Verwerkingsregister", level=1)).to_be_visible()
    check_accessibility(page)

    # Export: the download is a workbook with the register's known rows.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporteer naar Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    exported = tmp_path / download.suggested_filename
    download.save_as(exported)

    workbook = openpyxl.load_workbook(exported)
    assert {"Organisatie", "Leveranciers", "Overeenkomsten", "Verwerkingen"} <= set(
        workbook.sheetnames
    )
    activities = {row["Naam"]: row for row in _rows(workbook["Verwerkingen"])}
    administration = activities["Leerlingadministratie"]
    assert administration["Bewaartermijn"] == "Tot 5 jaar na uitschrijving (art. 41 WPO e.a.)"
    assert "Kompas LAS" in administration["Producten"]
    assert not activities[ACTIVITY]["Bewaartermijn"]  # the demo's incomplete activity
    agreements = {row["Kenmerk"]: row for row in _rows(workbook["Overeenkomsten"])}
    assert agreements["VWO-2026-004"]["Leverancier"] == "Oefenwereld"

    # Fill in the missing retention period in Excel.
    sheet = workbook["Verwerkingen"]
    header = [cell.value for cell in sheet[1]]
    name_col, retention_col = header.index("Naam") + 1, header.index("Bewaartermijn") + 1
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, name_col).value == ACTIVITY)
    sheet.cell(row, retention_col).value = NEW_RETENTION
    changed = tmp_path / "register-gewijzigd.xlsx"
    workbook.save(changed)

    # Import: the preview shows exactly that change and saves nothing yet.
    page.get_by_role("link", name="Importeer werkmap").click()
    expect(page.get_by_role("heading", name="Werkmap importeren", level=1)).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Werkmap").set_input_files(changed)
    page.get_by_role("button", name="Controleren").click()
    expect(page.get_by_role("heading", name="Voorbeeld van de import", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="De werkmap is in orde")).to_be_visible()
    expect(page.get_by_text("1 gewijzigd")).to_be_visible()
    change_list = page.locator("h2:has-text('Wordt gewijzigd') + ul")
    expect(change_list).to_contain_text(ACTIVITY)
    expect(change_list).to_contain_text("Bewaartermijn")
    expect(change_list.locator("li")).to_have_count(1)
    check_accessibility(page)
    assert not ProcessingActivity.objects.get(name=ACTIVITY).retention

    page.get_by_role("button", name="Import bevestigen").click()
    expect(
        page.get_by_role("status").filter(has_text="Werkmap geïmporteerd: 0 nieuw, 1 gewijzigd.")
    ).to_be_visible()

    # The change and its history are visible on the activity.
    page.get_by_role("link", name=ACTIVITY).click()
    expect(page.get_by_role("heading", name=ACTIVITY, level=1)).to_be_visible()
    expect(page.locator("dl.fields")).to_contain_text(NEW_RETENTION)
    latest = page.locator(".timeline-entry").first
    expect(latest).to_contain_text("Pieter Prins")
    expect(latest).to_contain_text("gewijzigd")
    expect(latest).to_contain_text("bewaartermijn", ignore_case=True)
    check_accessibility(page)


def test_a_workbook_with_an_error_is_refused_in_the_preview_with_sheet_and_row(
    demo: str, page: Page, tmp_path: Path
) -> None:
    login(page, demo, "privacy")
    with page.expect_download() as download_info:
        page.goto(f"{demo}/register/verwerkingen/")
        page.get_by_role("link", name="Exporteer naar Excel").click()
    exported = tmp_path / "register.xlsx"
    download_info.value.save_as(exported)
    workbook = openpyxl.load_workbook(exported)
    sheet = workbook["Verwerkingen"]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(2, header.index("Naam") + 1).value = None  # a required cell left empty
    broken = tmp_path / "kapot.xlsx"
    workbook.save(broken)

    page.goto(f"{demo}/register/werkmap/import/")
    page.get_by_label("Werkmap").set_input_files(broken)
    page.get_by_role("button", name="Controleren").click()
    expect(page.get_by_role("heading", name="er wordt niets opgeslagen")).to_be_visible()
    expect(page.locator(".import-errors")).to_contain_text("Verwerkingen, rij 2")
    expect(page.get_by_role("button", name="Import bevestigen")).to_have_count(0)
    check_accessibility(page)
