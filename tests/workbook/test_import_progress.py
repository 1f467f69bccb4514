"""The web import as a background task (issue 17): a progress page while the worker checks
and imports, all-or-nothing as before. Here on the database backend with its real worker
(`db_worker --batch`), as in production; the rest of the suite runs tasks at once."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from register.models import ProcessingActivity
from tests.conftest import client_for

from .conftest import write_workbook

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("register:workbook_import")


@pytest.fixture(autouse=True)
def database_tasks(settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path / "data"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # The worker closes its connection between tasks; here it shares the test's, which
    # holds the test's transaction.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def upload(client, tmp_path, rows) -> str:
    content = write_workbook(tmp_path / "w.xlsx", {"Verwerkingen": rows}).read_bytes()
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("w.xlsx", content)})
    assert response.status_code == 302
    return response["Location"]


def token_of(progress_url: str) -> str:
    return progress_url.rstrip("/").split("/")[-2]


def test_the_check_and_the_import_run_in_the_worker_with_a_progress_page(privacy_officer, tmp_path):
    ProcessingActivity.objects.create(name="Oefenen", retention="1 jaar")
    client = client_for(privacy_officer)
    progress_url = upload(client, tmp_path, [["Naam", "Bewaartermijn"], ["Oefenen", "2 jaar"]])
    assert progress_url.endswith("/voortgang/")
    token = token_of(progress_url)

    page = client.get(progress_url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "De werkmap wordt gecontroleerd" in text
    assert "In de wachtrij" in text
    assert "js/import-progress.js" in text
    state = json.loads(client.get(progress_url, {"format": "json"}).content)
    assert state["state"] == "queued"
    # The preview waits for the check.
    preview_url = reverse("register:workbook_import_preview", args=[token])
    assert client.get(preview_url)["Location"] == progress_url

    run_worker()
    assert json.loads(client.get(progress_url, {"format": "json"}).content) == {
        "state": "finished",
        "done": 1,
        "total": 1,
        "message": "Klaar.",
    }
    assert client.get(progress_url)["Location"] == preview_url
    assert "De werkmap is in orde" in client.get(preview_url).content.decode()
    assert ProcessingActivity.objects.get(name="Oefenen").retention == "1 jaar"

    response = client.post(reverse("register:workbook_import_confirm", args=[token]))
    assert response["Location"] == progress_url
    assert "De werkmap wordt geïmporteerd" in client.get(progress_url).content.decode()
    # A second click on "Import bevestigen" does not start a second import.
    client.post(reverse("register:workbook_import_confirm", args=[token]))
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    run_worker()
    done = client.get(progress_url, follow=True)
    assert done.redirect_chain[-1][0] == reverse("register:activity_list")
    assert "Werkmap geïmporteerd: 0 nieuw, 1 gewijzigd." in done.content.decode()
    activity = ProcessingActivity.objects.get(name="Oefenen")
    assert activity.retention == "2 jaar"
    assert activity.history.first().history_user == privacy_officer


def test_an_import_that_finds_an_error_writes_nothing(privacy_officer, tmp_path):
    client = client_for(privacy_officer)
    progress_url = upload(client, tmp_path, [["Naam", "Grondslag"], ["Nieuw", "toeval"]])
    token = token_of(progress_url)
    run_worker()
    preview = client.get(progress_url, follow=True).content.decode()
    assert "1 fout gevonden: er wordt niets opgeslagen" in preview
    assert "Verwerkingen, rij 2:" in preview and "Import bevestigen" not in preview
    # Confirmed anyway (a crafted request): the import finds the error and writes nothing.
    client.post(reverse("register:workbook_import_confirm", args=[token]))
    run_worker()
    response = client.get(progress_url)
    assert response.status_code == 400
    assert "Verwerkingen, rij 2:" in response.content.decode()
    assert not ProcessingActivity.objects.exists()


def test_a_task_the_worker_could_not_finish_is_reported_and_nothing_is_saved(
    privacy_officer, tmp_path
):
    client = client_for(privacy_officer)
    progress_url = upload(client, tmp_path, [["Naam"], ["Nieuw"]])
    DBTaskResult.objects.update(status="FAILED")  # as the worker records a crash
    assert json.loads(client.get(progress_url, {"format": "json"}).content)["state"] == "finished"
    response = client.get(progress_url, follow=True)
    assert response.redirect_chain[-1][0] == IMPORT_URL
    assert "onderbroken door een fout op de server; er is niets opgeslagen" in (
        response.content.decode()
    )
    assert not ProcessingActivity.objects.exists()


def test_a_step_whose_worker_was_killed_is_reported_instead_of_running_for_ever(
    privacy_officer, tmp_path
):
    """A worker killed mid-import leaves its task "running" and its progress unchanged; once
    nothing moved for STALLED_AFTER_SECONDS the page says so and asks for a new upload."""
    import os
    import time

    from register.workbook import jobs

    client = client_for(privacy_officer)
    progress_url = upload(client, tmp_path, [["Naam"], ["Nieuw"]])
    token = token_of(progress_url)
    jobs._progress(token, jobs.CHECK, state="running", step="sheets", sheet="Verwerkingen")
    assert client.get(progress_url).status_code == 200  # still running: the page
    path = jobs._file(token, "progress")
    old = time.time() - jobs.STALLED_AFTER_SECONDS - 1
    os.utime(path, (old, old))

    response = client.get(progress_url, follow=True)

    assert response.redirect_chain[-1][0] == IMPORT_URL
    assert "er is niets opgeslagen" in response.content.decode()
    assert not ProcessingActivity.objects.exists()


def test_only_the_session_that_uploaded_follows_the_progress(privacy_officer, tmp_path):
    progress_url = upload(client_for(privacy_officer), tmp_path, [["Naam"], ["Nieuw"]])
    other = client_for(privacy_officer)  # another session of the same user
    response = other.get(progress_url, follow=True)
    assert "Deze upload is niet meer beschikbaar" in response.content.decode()
