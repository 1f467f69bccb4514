"""A stale workbook (issue 17): the export records when it was made, and the import leaves
alone the rows the register changed after that, unless the user confirms them."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from register.models import ProcessingActivity
from register.workbook import import_workbook
from register.workbook.export import export_register
from register.workbook.newer import EXPORTED_AT_PROPERTY, REVISION_PROPERTY
from tests.conftest import client_for

from .conftest import write_workbook

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC)


def set_cell(path, sheet: str, key: str, column: str, value) -> None:
    """Change one cell of an exported workbook, found by the row's Naam, as Excel would."""
    workbook = load_workbook(path)
    rows = workbook[sheet]
    header = [cell.value for cell in rows[1]]
    for number in range(2, rows.max_row + 1):
        if rows.cell(number, header.index("Naam") + 1).value == key:
            rows.cell(number, header.index(column) + 1).value = value
    workbook.save(path)


@pytest.fixture
def exported(tmp_path, privacy_officer):
    """Two activities exported at 10:00; someone changes one of them in the register at 10:05."""
    with time_machine.travel(NOW, tick=False):
        ProcessingActivity.objects.create(name="Oefenen", retention="1 jaar")
        ProcessingActivity.objects.create(name="Toetsen", retention="5 jaar")
        path = tmp_path / "register.xlsx"
        export_register(path)
    with time_machine.travel(NOW + datetime.timedelta(minutes=5), tick=False):
        activity = ProcessingActivity.objects.get(name="Oefenen")
        activity.retention = "2 jaar"
        activity._history_user = privacy_officer
        activity.save()
    return path


def test_the_export_records_its_title_its_time_and_the_register_revision(tmp_path):
    with time_machine.travel(NOW, tick=False):
        path = tmp_path / "register.xlsx"
        export_register(path)
    workbook = load_workbook(path)
    assert workbook.properties.title.startswith("Verwerkingsregister")
    assert "30 november 2026 11:00" in workbook.properties.subject
    exported_at = datetime.datetime.fromisoformat(
        workbook.custom_doc_props[EXPORTED_AT_PROPERTY].value
    )
    assert exported_at == NOW
    assert workbook.custom_doc_props[REVISION_PROPERTY].value
    # A template to fill in is a hand-made workbook: no export time.
    call_command("export_register", str(tmp_path / "x.xlsx"))


def test_a_row_the_register_changed_after_the_export_is_left_alone_and_the_rest_imports(
    exported, privacy_officer
):
    set_cell(exported, "Verwerkingen", "Toetsen", "Bewaartermijn", "7 jaar")
    result = import_workbook(exported, user=privacy_officer)
    assert result.errors == []
    assert ProcessingActivity.objects.get(name="Oefenen").retention == "2 jaar"  # kept
    assert ProcessingActivity.objects.get(name="Toetsen").retention == "7 jaar"  # imported
    [skipped] = result.skipped
    assert (skipped.sheet, skipped.row, skipped.label) == ("Verwerkingen", 2, "Oefenen")
    assert skipped.diffs == [{"column": "Bewaartermijn", "old": "2 jaar", "new": "1 jaar"}]
    assert skipped.newer_at == NOW + datetime.timedelta(minutes=5)
    assert skipped.newer["by"] == privacy_officer.get_full_name() or privacy_officer.username
    assert [c.label for c in result.changed] == ["Toetsen"]
    assert result.changed[0].diffs == [
        {"column": "Bewaartermijn", "old": "5 jaar", "new": "7 jaar"}
    ]


def test_a_confirmed_row_overwrites_the_newer_value(exported, privacy_officer):
    result = import_workbook(exported, user=privacy_officer, overwrite=["Verwerkingen:2"])
    assert not result.skipped
    assert ProcessingActivity.objects.get(name="Oefenen").retention == "1 jaar"
    [change] = result.changed
    assert change.newer and not change.skipped


def test_a_hand_made_workbook_imports_as_before(exported, tmp_path, privacy_officer):
    hand_made = write_workbook(
        tmp_path / "hand.xlsx", {"Verwerkingen": [["Naam", "Bewaartermijn"], ["Oefenen", "1 jaar"]]}
    )
    result = import_workbook(hand_made, user=privacy_officer)
    assert result.exported_at is None and not result.newer
    assert ProcessingActivity.objects.get(name="Oefenen").retention == "1 jaar"


def test_an_export_the_register_did_not_change_since_reads_no_history(tmp_path, privacy_officer):
    ProcessingActivity.objects.create(name="Oefenen", retention="1 jaar")
    path = tmp_path / "register.xlsx"
    export_register(path)
    set_cell(path, "Verwerkingen", "Oefenen", "Bewaartermijn", "3 jaar")
    with CaptureQueriesContext(connection) as queries:
        result = import_workbook(path, user=privacy_officer, dry_run=True)
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    assert not any("history_date" in sql for sql in reads)
    assert [c.label for c in result.changed] == ["Oefenen"] and not result.newer


def test_the_command_skips_newer_rows_and_says_so(exported, capsys):
    call_command("import_workbook", str(exported))
    out, err = capsys.readouterr()
    assert ProcessingActivity.objects.get(name="Oefenen").retention == "2 jaar"
    assert "Verwerkingen: 0 nieuw, 0 gewijzigd, 1 ongewijzigd, 1 overgeslagen" in out
    assert "Verwerkingen!row 2: Oefenen is in het register gewijzigd na de export" in err
    assert "Bewaartermijn: '2 jaar' -> '1 jaar'" in err
    assert "--overwrite-newer" in err


def test_the_command_overwrites_newer_rows_with_the_flag_and_says_so(exported, capsys):
    call_command("import_workbook", str(exported), "--overwrite-newer")
    _out, err = capsys.readouterr()
    assert ProcessingActivity.objects.get(name="Oefenen").retention == "1 jaar"
    assert "toch overgenomen (--overwrite-newer)" in err


def _upload(client, path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("register:workbook_import"),
        {"file": SimpleUploadedFile("w.xlsx", path.read_bytes())},
    )
    assert response.status_code == 302
    return response["Location"], response["Location"].rstrip("/").rsplit("/", 1)[-1]


def test_the_preview_warns_per_row_and_leaves_an_unticked_row_alone(
    exported, privacy_officer, settings, tmp_path
):
    settings.DATA_DIR = tmp_path / "data"
    client = client_for(privacy_officer)
    preview_url, token = _upload(client, exported)
    page = client.get(preview_url).content.decode()
    assert "1 rij is in het register gewijzigd na de export" in page
    assert 'name="overwrite" value="Verwerkingen:2"' in page
    assert "Verwerkingen, rij 2: Oefenen toch overschrijven" in page
    assert '<span class="old">2 jaar</span>' in page and '<span class="new">1 jaar</span>' in page
    when = timezone.localtime(NOW + datetime.timedelta(minutes=5))
    assert f"gewijzigd in het register op 30 november 2026 {when:%H:%M}" in page
    response = client.post(reverse("register:workbook_import_confirm", args=[token]), follow=True)
    assert ProcessingActivity.objects.get(name="Oefenen").retention == "2 jaar"
    assert (
        "Niet overgenomen, omdat het register deze rijen na de export" in response.content.decode()
    )


def test_a_ticked_row_is_overwritten(exported, privacy_officer, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    client = client_for(privacy_officer)
    _preview_url, token = _upload(client, exported)
    client.post(
        reverse("register:workbook_import_confirm", args=[token]), {"overwrite": ["Verwerkingen:2"]}
    )
    assert ProcessingActivity.objects.get(name="Oefenen").retention == "1 jaar"


def test_the_workbook_properties_survive_a_save_in_a_spreadsheet(exported):
    # openpyxl stands in for Excel here: it keeps custom document properties when saving.
    workbook = load_workbook(exported)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert EXPORTED_AT_PROPERTY in load_workbook(buffer).custom_doc_props.names
