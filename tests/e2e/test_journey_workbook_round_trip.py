"""The workbook round trip in the browser (issue 17): the export shows it is busy, the import
runs in the background worker behind a progress page, and a stale workbook does not
overwrite what the register changed after the export."""

from __future__ import annotations

import time
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from playwright.sync_api import Page, Route, expect

from register.models import ProcessingActivity

from .browser import check_accessibility, login

pytestmark = pytest.mark.e2e

CHANGED_IN_REGISTER = "Leerlingadministratie"
CHANGED_IN_EXCEL = "Communicatie met ouders"
REGISTER_RETENTION = "Tot 7 jaar na uitschrijving (besluit bestuur)"
EXCEL_RETENTION = "Tot 1 jaar na het verlaten van de school"


@pytest.fixture
def worker(settings, demo):
    """The web import on the database backend, as in production; `run()` is the worker
    (`db_worker --batch`: every task waiting, then it stops)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    def run() -> None:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    return run


def _set_retention(path: Path, target: Path, values: dict[str, str]) -> None:
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Verwerkingen"]
    header = [cell.value for cell in sheet[1]]
    name, retention = header.index("Naam") + 1, header.index("Bewaartermijn") + 1
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, name).value in values:
            sheet.cell(row, retention).value = values[sheet.cell(row, name).value]
    workbook.save(target)


def _export(page: Page, demo: str, tmp_path: Path) -> Path:
    """Export through the button, which says it is busy until the file has arrived."""
    page.goto(f"{demo}/register/verwerkingen/")
    held: list[Route] = []
    page.route("**/register/werkmap/export/", lambda route: held.append(route))
    link = page.get_by_role("link", name="Exporteer naar Excel")
    with page.expect_download() as download_info:
        link.click()
        busy = page.locator("a[aria-busy='true']")
        expect(busy).to_have_text("Bezig…")
        # The button turns busy as it sends the request; the route handler runs once
        # Playwright has delivered the request, which waiting lets it do.
        deadline = time.monotonic() + 10
        while not held and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        assert held, "the export was not requested"
        held[0].continue_()
    page.unroute("**/register/werkmap/export/")
    expect(link).to_be_visible()  # back to "Exporteer naar Excel"
    download = download_info.value
    assert download.suggested_filename.startswith("verwerkingsregister-")
    exported = tmp_path / download.suggested_filename
    download.save_as(exported)
    return exported


def test_the_import_runs_in_the_background_behind_a_progress_page(
    demo: str, worker, page: Page, tmp_path: Path
) -> None:
    login(page, demo, "privacy")
    exported = _export(page, demo, tmp_path)
    changed = tmp_path / "gewijzigd.xlsx"
    _set_retention(exported, changed, {CHANGED_IN_EXCEL: EXCEL_RETENTION})

    page.goto(f"{demo}/register/werkmap/import/")
    page.get_by_label("Werkmap").set_input_files(changed)
    page.get_by_role("button", name="Controleren").click()
    # No worker has run yet: the progress page says the check is waiting.
    expect(page.get_by_role("heading", name="De werkmap wordt gecontroleerd")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("In de wachtrij")
    expect(page.locator("progress")).to_be_visible()
    check_accessibility(page)
    worker()
    # The page follows the worker by itself and opens the preview.
    expect(page.get_by_role("heading", name="Voorbeeld van de import", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="De werkmap is in orde")).to_be_visible()
    changes = page.locator("h2:has-text('Wordt gewijzigd') + ul")
    expect(changes).to_contain_text("Verwerkingen, rij")
    expect(changes.locator(".new")).to_have_text(EXCEL_RETENTION)
    assert not ProcessingActivity.objects.get(name=CHANGED_IN_EXCEL).retention

    page.get_by_role("button", name="Import bevestigen").click()
    expect(page.get_by_role("heading", name="De werkmap wordt geïmporteerd")).to_be_visible()
    worker()
    expect(
        page.get_by_role("status").filter(has_text="Werkmap geïmporteerd: 0 nieuw, 1 gewijzigd.")
    ).to_be_visible()
    assert ProcessingActivity.objects.get(name=CHANGED_IN_EXCEL).retention == EXCEL_RETENTION


def test_a_stale_workbook_warns_per_row_and_keeps_the_newer_register_value(
    demo: str, worker, page: Page, tmp_path: Path
) -> None:
    login(page, demo, "privacy")
    exported = _export(page, demo, tmp_path)
    old_retention = ProcessingActivity.objects.get(name=CHANGED_IN_REGISTER).retention
    # After the export, someone changes an activity in the register...
    activity = ProcessingActivity.objects.get(name=CHANGED_IN_REGISTER)
    activity.retention = REGISTER_RETENTION
    activity.save()
    # ...while the workbook, with its older value, gets another change in Excel.
    changed = tmp_path / "oud.xlsx"
    _set_retention(exported, changed, {CHANGED_IN_EXCEL: EXCEL_RETENTION})

    page.goto(f"{demo}/register/werkmap/import/")
    page.get_by_label("Werkmap").set_input_files(changed)
    page.get_by_role("button", name="Controleren").click()
    expect(page.get_by_role("heading", name="De werkmap wordt gecontroleerd")).to_be_visible()
    worker()
    warning = page.locator(".newer-rows")
    expect(warning.get_by_role("heading")).to_have_text(
        "1 rij is in het register gewijzigd na de export"
    )
    row = warning.locator("li")
    expect(row).to_contain_text(f"{CHANGED_IN_REGISTER} toch overschrijven")
    expect(row.locator(".old")).to_have_text(REGISTER_RETENTION)
    expect(row.locator(".new")).to_have_text(old_retention)
    checkbox = row.get_by_role("checkbox")
    expect(checkbox).not_to_be_checked()
    check_accessibility(page)

    # Not ticked: the row is left alone, the rest imports.
    page.get_by_role("button", name="Import bevestigen").click()
    worker()
    expect(
        page.get_by_role("status").filter(has_text="Werkmap geïmporteerd: 0 nieuw, 1 gewijzigd.")
    ).to_be_visible()
    expect(page.locator(".message.warning")).to_contain_text("Verwerkingen, rij")
    assert ProcessingActivity.objects.get(name=CHANGED_IN_REGISTER).retention == REGISTER_RETENTION
    assert ProcessingActivity.objects.get(name=CHANGED_IN_EXCEL).retention == EXCEL_RETENTION
