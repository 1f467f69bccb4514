"""The Excel download and the upload -> preview -> confirm import on the web."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from agreements.models import Document
from register.models import ProcessingActivity
from suppliers.models import Supplier
from tests.conftest import client_for, make_agreement, make_product, make_supplier

from .conftest import MINIMAL_PDF, write_workbook

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("register:workbook_import")


@pytest.fixture(autouse=True)
def own_data_dir(settings, tmp_path):
    """Each test keeps its uploads in a folder of its own."""
    settings.DATA_DIR = tmp_path / "data"


def upload(client, tmp_path, sheets=None, *, content: bytes | None = None, name="w.xlsx"):
    if content is None:
        content = write_workbook(tmp_path / "upload.xlsx", sheets).read_bytes()
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content)})


def test_every_role_may_download_the_register_as_excel(personas):
    for role in ("reader", "procurement", "privacy_officer", "fg"):
        response = client_for(personas[role]).get(reverse("register:workbook_export"))
        assert response.status_code == 200, role
        assert response["Content-Disposition"].startswith(
            'attachment; filename="verwerkingsregister-'
        )
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        assert "Verwerkingen" in workbook.sheetnames


def test_the_register_page_offers_the_download_and_the_import_by_permission(
    reader, privacy_officer
):
    page = client_for(reader).get(reverse("register:activity_list")).content.decode()
    assert "Exporteer naar Excel" in page and f'href="{IMPORT_URL}"' not in page
    page = client_for(privacy_officer).get(reverse("register:activity_list")).content.decode()
    assert "Exporteer naar Excel" in page and f'href="{IMPORT_URL}"' in page


def test_only_the_privacy_officer_may_import(personas, tmp_path):
    for role in ("reader", "procurement", "fg"):
        assert client_for(personas[role]).get(IMPORT_URL).status_code == 403, role
    response = client_for(None).get(IMPORT_URL)
    assert response.status_code == 302 and "/inloggen/" in response["Location"]


def test_upload_preview_confirm_applies_the_change_and_records_who(privacy_officer, tmp_path):
    ProcessingActivity.objects.create(name="Oefenen", retention="1 jaar")
    client = client_for(privacy_officer)
    response = upload(
        client,
        tmp_path,
        {"Verwerkingen": [["Naam", "Bewaartermijn"], ["Oefenen", "2 jaar"], ["Toetsen", None]]},
    )
    assert response.status_code == 302
    preview_url = response["Location"]
    preview = client.get(preview_url)
    text = preview.content.decode()
    assert "De werkmap is in orde" in text
    # Dutch locations, and old -> new for the changed cell.
    assert "Verwerkingen, rij 2: <strong>Oefenen</strong> (Bewaartermijn)" in text
    assert '<span class="old">1 jaar</span>' in text
    assert '<span class="new">2 jaar</span>' in text
    assert "Verwerkingen, rij 3: Toetsen" in text
    assert "!row" not in text
    # The preview wrote nothing.
    assert ProcessingActivity.objects.get(name="Oefenen").retention == "1 jaar"
    assert not ProcessingActivity.objects.filter(name="Toetsen").exists()

    token = preview_url.rstrip("/").rsplit("/", 1)[-1]
    response = client.post(reverse("register:workbook_import_confirm", args=[token]))
    assert response.status_code == 302
    activity = ProcessingActivity.objects.get(name="Oefenen")
    assert activity.retention == "2 jaar"
    assert activity.history.first().history_user == privacy_officer
    assert ProcessingActivity.objects.filter(name="Toetsen").exists()
    # The upload is gone: confirming twice gives a clear message, not a second import.
    response = client.post(reverse("register:workbook_import_confirm", args=[token]), follow=True)
    assert "niet meer beschikbaar" in response.content.decode()
    assert not list((Path(settings.DATA_DIR) / "imports").glob(f"{token}*"))


def test_the_preview_lists_the_columns_it_does_not_read(privacy_officer, tmp_path):
    client = client_for(privacy_officer)
    response = upload(
        client, tmp_path, {"Verwerkingen": [["Naam", "Eigenaar"], ["Oefenen", "Jan"]]}
    )
    text = client.get(response["Location"]).content.decode()
    assert "De werkmap is in orde" in text
    assert "Wat niet wordt ingelezen" in text
    assert "Verwerkingen: kolom &quot;Eigenaar&quot; wordt niet ingelezen" in text


def test_a_broken_workbook_shows_every_error_and_no_confirm_button(privacy_officer, tmp_path):
    client = client_for(privacy_officer)
    response = upload(
        client,
        tmp_path,
        {"Leveranciers": [["Naam", "Convenant"], ["A", "soms"], ["B", "nooit"]]},
    )
    preview = client.get(response["Location"]).content.decode()
    assert "2 fouten gevonden: er wordt niets opgeslagen" in preview
    assert "Leveranciers, rij 2:" in preview and "Leveranciers, rij 3:" in preview
    assert "!row" not in preview
    assert "Import bevestigen" not in preview
    # The per-sheet table adds up: its two rows are the two with errors.
    assert "Met fouten" in preview
    assert "<td>Leveranciers</td><td>2</td><td>0</td><td>0</td><td>0</td><td>2</td>" in preview
    assert not Supplier.objects.exists()


def test_a_file_that_is_not_an_xlsx_is_refused_with_a_clear_message(privacy_officer, tmp_path):
    client = client_for(privacy_officer)
    response = upload(client, tmp_path, content=b"Naam;Convenant\nA;geen\n", name="register.xlsx")
    assert response.status_code == 200
    assert "geen Excel-werkmap (.xlsx)" in response.content.decode()
    assert not list((Path(settings.DATA_DIR) / "imports").glob("*.upload"))


def test_a_zip_that_is_not_a_workbook_gives_a_friendly_error_not_a_crash(privacy_officer, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<broken")
        archive.writestr("xl/workbook.xml", "<nope/>")
    client = client_for(privacy_officer)
    response = upload(client, tmp_path, content=buffer.getvalue())
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert "kan niet worden gelezen" in preview.content.decode()


def test_a_zip_with_the_workbook_and_its_pdfs_imports_the_documents(privacy_officer, tmp_path):
    product = make_product("P", supplier=make_supplier("S"))
    make_agreement([product], reference="VO-1")
    workbook = write_workbook(
        tmp_path / "register.xlsx",
        {"Documenten": [["Overeenkomst", "Bestand"], ["VO-1", "pdf/vo-1.pdf"]]},
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export/register.xlsx", workbook.read_bytes())
        archive.writestr("export/pdf/vo-1.pdf", MINIMAL_PDF)
        archive.writestr("../../ontsnapt.pdf", MINIMAL_PDF)
    client = client_for(privacy_officer)
    response = upload(client, tmp_path, content=buffer.getvalue(), name="register.zip")
    preview = client.get(response["Location"]).content.decode()
    assert "De werkmap is in orde" in preview
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    client.post(reverse("register:workbook_import_confirm", args=[token]))
    document = Document.objects.get()
    assert document.file.read() == MINIMAL_PDF
    assert document.uploaded_by == privacy_officer


def test_a_lone_workbook_cannot_reach_files_beside_the_upload(privacy_officer, tmp_path):
    product = make_product("P", supplier=make_supplier("S"))
    make_agreement([product], reference="VO-1")
    imports = Path(settings.DATA_DIR) / "imports"
    imports.mkdir(parents=True, exist_ok=True)
    (imports / "ander.pdf").write_bytes(MINIMAL_PDF)
    client = client_for(privacy_officer)
    response = upload(
        client, tmp_path, {"Documenten": [["Overeenkomst", "Bestand"], ["VO-1", "ander.pdf"]]}
    )
    preview = client.get(response["Location"]).content.decode()
    assert "Documenten, rij 2: Bestand “ander.pdf” is niet gevonden" in preview
    (imports / "ander.pdf").unlink()


def test_an_unknown_or_foreign_upload_token_gives_a_clear_error(privacy_officer, tmp_path):
    other = client_for(privacy_officer)
    response = upload(other, tmp_path, {"Verwerkingen": [["Naam"], ["X"]]})
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    stranger = client_for(privacy_officer)  # a different session of the same user
    for url in (
        reverse("register:workbook_import_preview", args=[token]),
        reverse("register:workbook_import_preview", args=["0" * 32]),
    ):
        page = stranger.get(url, follow=True).content.decode()
        assert "niet meer beschikbaar" in page
    response = stranger.post(reverse("register:workbook_import_confirm", args=[token]))
    assert response.status_code == 302
    assert not ProcessingActivity.objects.exists()


def test_download_fix_a_value_upload_preview_confirm_and_find_it_in_the_history(
    privacy_officer, tmp_path
):
    from register.demo import load_demo

    load_demo()
    client = client_for(privacy_officer)
    download = client.get(reverse("register:workbook_export"))
    workbook = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    sheet = workbook["Verwerkingen"]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("Naam")].value == "Communicatie met ouders":
            row[header.index("Bewaartermijn")].value = "Tot 1 jaar na uitschrijving"
    edited = tmp_path / "register.xlsx"
    workbook.save(edited)

    response = upload(client, tmp_path, content=edited.read_bytes())
    preview = client.get(response["Location"]).content.decode()
    assert "<strong>Communicatie met ouders</strong> (Bewaartermijn)" in preview
    assert "Bij bevestigen: 0 nieuw, 1 gewijzigd" in preview
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    confirmed = client.post(reverse("register:workbook_import_confirm", args=[token]), follow=True)
    assert "Werkmap geïmporteerd: 0 nieuw, 1 gewijzigd." in confirmed.content.decode()

    activity = ProcessingActivity.objects.get(name="Communicatie met ouders")
    assert activity.missing_fields() == []
    detail = client.get(activity.get_absolute_url()).content.decode()
    assert "Gewijzigd: bewaartermijn" in detail
    assert "Privacy_Officer" in detail


def test_the_zip_download_moves_the_register_with_its_documents_into_an_empty_one(
    fg_officer, tmp_path
):
    from django.db import transaction

    from register.demo import load_demo

    # The demo's agreements carry FG decisions: only an FG may bring those in.
    client = client_for(fg_officer)
    with transaction.atomic():
        load_demo()
        response = client.get(reverse("register:workbook_export_bundle"))
        assert response["Content-Type"] == "application/zip"
        bundle = b"".join(response.streaming_content)
        documents = Document.objects.count()
        transaction.set_rollback(True)
    assert not Document.objects.exists()

    response = upload(client, tmp_path, content=bundle, name="register.zip")
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert "De werkmap is in orde" in client.get(response["Location"]).content.decode()
    client.post(reverse("register:workbook_import_confirm", args=[token]))
    assert Document.objects.count() == documents == 23  # ARPs and DPIAs (issues 15, 16)
    assert ProcessingActivity.objects.count() == 9


def test_the_import_page_lists_the_sheets_and_offers_an_empty_workbook(privacy_officer, tmp_path):
    client = client_for(privacy_officer)
    page = client.get(IMPORT_URL).content.decode()
    assert "<dt>Producten</dt><dd>Naam*, Leverancier*, Soort, Toegang, Status*" in page
    response = client.get(reverse("register:workbook_template"))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert "Signaleringen" not in workbook.sheetnames
    assert [c.value for c in workbook["Scholen"][1]] == ["BRIN", "Naam", "Sector"]
    # Filled in and uploaded, the template imports.
    workbook["Scholen"].append(["12AB", "De Linde", "Primair onderwijs"])
    filled = tmp_path / "sjabloon.xlsx"
    workbook.save(filled)
    response = upload(client, tmp_path, content=filled.read_bytes())
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert "Scholen, rij 2: De Linde (12AB)" in client.get(response["Location"]).content.decode()
    client.post(reverse("register:workbook_import_confirm", args=[token]))
    from register.models import School

    assert School.objects.get().sector == "po"


def test_a_damaged_zip_gives_a_friendly_error(privacy_officer, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("register.xlsx", b"x" * 5000)
        archive.writestr("documents/a.pdf", MINIMAL_PDF * 50)
    damaged = bytearray(buffer.getvalue())
    damaged[60:80] = b"\x00" * 20  # corrupt the first member's compressed data
    client = client_for(privacy_officer)
    response = upload(client, tmp_path, content=bytes(damaged), name="register.zip")
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert "kan niet worden gelezen" in preview.content.decode()


def test_reloading_the_preview_shows_the_stored_dry_run_without_running_it_again(
    privacy_officer, tmp_path, django_assert_max_num_queries
):
    client = client_for(privacy_officer)
    rows = [["Naam", "Bewaartermijn"]] + [[f"Verwerking {n}", "1 jaar"] for n in range(300)]
    response = upload(client, tmp_path, {"Verwerkingen": rows})  # the dry run runs here
    for _reload in range(2):
        # The page reads the stored result: its own queries (session, user, permissions),
        # none of the import's.
        with django_assert_max_num_queries(8):
            page = client.get(response["Location"]).content.decode()
        assert "Bij bevestigen: 300 nieuw, 0 gewijzigd" in page
        assert "Verwerkingen, rij 301: Verwerking 299" in page
        assert "Gecontroleerd bij het uploaden" in page
    assert not ProcessingActivity.objects.exists()

    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    client.post(reverse("register:workbook_import_confirm", args=[token]))
    assert ProcessingActivity.objects.count() == 300
    assert not list((Path(settings.DATA_DIR) / "imports").glob(f"{token}*"))


def test_a_missing_or_mismatched_stored_preview_asks_for_a_new_upload(privacy_officer, tmp_path):
    client = client_for(privacy_officer)
    imports = Path(settings.DATA_DIR) / "imports"
    for spoil in ("remove", "other file"):
        response = upload(client, tmp_path, {"Verwerkingen": [["Naam"], ["Oefenen"]]})
        token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
        if spoil == "remove":
            (imports / f"{token}.preview.json").unlink()
        else:  # the stored result belongs to other content than the upload now holds
            with open(imports / f"{token}.upload", "ab") as stored:
                stored.write(b"\0")
        page = client.get(response["Location"], follow=True).content.decode()
        assert "Het resultaat van de controle van deze upload ontbreekt" in page
        assert "Upload de werkmap opnieuw" in page
        assert not list(imports.glob(f"{token}*"))
        confirm = client.post(reverse("register:workbook_import_confirm", args=[token]))
        assert confirm.status_code == 302
    assert not ProcessingActivity.objects.exists()


def test_a_workbook_beyond_the_import_limits_is_refused_on_the_preview(
    privacy_officer, tmp_path, settings
):
    settings.IMPORT_MAX_COLUMNS = 3
    client = client_for(privacy_officer)
    response = upload(
        client, tmp_path, {"Leveranciers": [["Naam", "KvK-nummer", "Website", "Privacycontact"]]}
    )
    preview = client.get(response["Location"]).content.decode()
    assert "Deze werkmap kan niet worden gelezen" in preview
    assert "De werkmap is te breed: tabblad Leveranciers gebruikt kolom D" in preview
    assert "Import bevestigen" not in preview
