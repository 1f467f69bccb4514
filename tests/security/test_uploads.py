"""Uploads and imports: content sniffing, size limits, generated names, safe downloads, and
workbook document paths that try to leave the workbook's folder."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook

from agreements.models import Document, DocumentKind
from agreements.services import add_document

from ..conftest import client_for, make_agreement, make_product
from .urlmap import app_patterns, build_world, url_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def agreement():
    return make_agreement([make_product()])


def upload(user, agreement, name: str, content: bytes, content_type="application/pdf"):
    return client_for(user).post(
        reverse("agreements:document_upload", args=[agreement.pk]),
        {"kind": "overeenkomst", "file": SimpleUploadedFile(name, content, content_type)},
    )


# --- document uploads -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [HTML, b"MZ\x90\x00" + b"\0" * 100, b"PK\x03\x04" + b"\0" * 100, b"   "],
    ids=["html", "exe", "zip", "blank"],
)
def test_a_file_that_is_not_a_pdf_by_content_is_refused_whatever_its_name(
    privacy_officer, agreement, media, content
):
    response = upload(privacy_officer, agreement, "overeenkomst.pdf", content)
    assert response.status_code == 400
    assert "geen PDF" in response.text
    assert not Document.objects.exists()
    assert not any(media.rglob("*")) if media.exists() else True


def test_an_empty_file_is_refused(privacy_officer, agreement):
    response = upload(privacy_officer, agreement, "leeg.pdf", b"")
    assert response.status_code == 400
    assert not Document.objects.exists()


def test_an_oversized_upload_is_refused_before_it_is_stored(
    privacy_officer, agreement, settings, media
):
    settings.DOCUMENT_MAX_BYTES = 2048
    response = upload(privacy_officer, agreement, "groot.pdf", PDF + b"0" * 4096)
    assert response.status_code == 400
    assert "groter dan" in response.text
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    "client_name",
    [
        "../../../etc/passwd.pdf",
        "..\\..\\windows\\win.ini.pdf",
        "/absolute/path/contract.pdf",
        "contract.html",
        "con<script>tract.pdf",
    ],
)
def test_a_document_is_stored_under_a_generated_name_never_the_clients(
    privacy_officer, agreement, media, client_name
):
    response = upload(privacy_officer, agreement, client_name, PDF)
    assert response.status_code == 302
    document = Document.objects.get()
    stored = Path(document.file.path).resolve()
    assert stored.is_relative_to(media.resolve())
    assert stored.parent == (media / "documents").resolve()
    assert stored.suffix == ".pdf"
    assert len(stored.stem) == 32 and all(c in "0123456789abcdef" for c in stored.stem)
    assert "/" not in document.original_name and "\\" not in document.original_name
    assert [p.name for p in media.rglob("*") if p.is_file()] == [stored.name]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_stored_document_is_readable_by_the_app_only(privacy_officer, agreement, media):
    upload(privacy_officer, agreement, "vo.pdf", PDF)
    path = Path(Document.objects.get().file.path)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700  # media/documents, created by the upload
    assert mode(media) == 0o700


def test_a_polyglot_uploaded_as_html_is_stored_and_served_as_pdf(
    reader, privacy_officer, agreement
):
    polyglot = PDF + HTML  # PDF magic first, a page with a script after it
    response = upload(privacy_officer, agreement, "x.html", polyglot)
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.original_name == "x.html.pdf"
    assert Path(document.file.name).suffix == ".pdf"

    response = client_for(reader).get(
        reverse("agreements:document_download", args=[agreement.pk, document.pk])
    )
    assert 'filename="x.html.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"


def test_a_document_stored_earlier_under_another_name_is_served_as_pdf(reader, agreement):
    document = add_document(
        agreement=agreement, kind=DocumentKind.AGREEMENT, content=PDF, original_name="vo.pdf"
    )
    # A row from before the names were made to end in .pdf.
    Document.objects.filter(pk=document.pk).update(original_name="oud.html")
    response = client_for(reader).get(
        reverse("agreements:document_download", args=[agreement.pk, document.pk])
    )
    assert 'filename="oud.html.pdf"' in response["Content-Disposition"]


def test_a_workbook_document_with_another_name_is_stored_as_pdf(layout, media):
    folder = layout["folder"]
    (folder / "pdf" / "bijlage.htm").write_bytes(PDF + HTML)
    agreement = make_agreement([make_product()], reference="VO-PAD")
    workbook = folder / "register.xlsx"
    workbook.write_bytes(documents_workbook_bytes([["VO-PAD", "overeenkomst", "pdf/bijlage.htm"]]))

    code, output = run_import(workbook)

    assert code == 0, output
    document = agreement.documents.get()
    assert document.original_name == "bijlage.htm.pdf"
    assert mode(Path(document.file.path)) == 0o600


def test_a_download_is_an_attachment_with_nosniff(reader, agreement):
    document = add_document(
        agreement=agreement, kind=DocumentKind.AGREEMENT, content=PDF, original_name="VO.pdf"
    )
    response = client_for(reader).get(
        reverse("agreements:document_download", args=[agreement.pk, document.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="VO.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_a_hostile_original_name_cannot_break_the_download_header(reader, agreement):
    document = add_document(
        agreement=agreement,
        kind=DocumentKind.AGREEMENT,
        content=PDF,
        original_name='x"; filename="evil.html',
    )
    response = client_for(reader).get(
        reverse("agreements:document_download", args=[agreement.pk, document.pk])
    )
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="evil.html"' not in disposition
    assert response["Content-Type"] == "application/pdf"


def test_a_document_is_only_found_under_its_own_agreement(reader, agreement):
    other = make_agreement([make_product()])
    document = add_document(
        agreement=agreement, kind=DocumentKind.AGREEMENT, content=PDF, original_name="VO.pdf"
    )
    url = reverse("agreements:document_download", args=[other.pk, document.pk])
    assert client_for(reader).get(url).status_code == 404


def test_an_anonymous_visitor_cannot_download_a_document(agreement):
    document = add_document(
        agreement=agreement, kind=DocumentKind.AGREEMENT, content=PDF, original_name="VO.pdf"
    )
    url = reverse("agreements:document_download", args=[agreement.pk, document.pk])
    response = client_for(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client_for(None).get(f"/media/{document.file.name}").status_code in (302, 404)


# --- workbook uploads -----------------------------------------------------------------------


def test_a_workbook_upload_that_is_not_a_zip_is_refused(privacy_officer, settings, tmp_path):
    response = client_for(privacy_officer).post(
        reverse("register:workbook_import"),
        {"file": SimpleUploadedFile("register.xlsx", HTML, "application/vnd.ms-excel")},
    )
    assert response.status_code in (200, 400)
    assert "geen Excel-werkmap" in response.text
    imports = Path(settings.DATA_DIR) / "imports"
    assert not imports.exists() or not any(imports.iterdir())


def test_a_workbook_upload_is_kept_for_the_app_only(privacy_officer, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    response = client_for(privacy_officer).post(
        reverse("register:workbook_import"),
        {"file": SimpleUploadedFile("register.xlsx", documents_workbook_bytes([]))},
    )
    assert response.status_code == 302
    imports = settings.DATA_DIR / "imports"
    stored = sorted(path.name.split(".", 1)[-1] for path in imports.iterdir())
    # The workbook, its stored dry run, and the step it is at (register/workbook/jobs.py).
    assert stored == ["job.json", "preview.json", "progress.json", "upload"]
    assert mode(imports) == 0o700
    assert {mode(path) for path in imports.iterdir()} == {0o600}


# The backup takes its own snapshot transaction, so it runs outside the test's transaction.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_archive_is_readable_by_its_owner_only(agreement, tmp_path):
    add_document(
        agreement=agreement, kind=DocumentKind.AGREEMENT, content=PDF, original_name="vo.pdf"
    )
    archive = tmp_path / "backup" / "register.tar.gz"
    call_command("backup_register", str(archive), "--format", "json", stdout=io.StringIO())
    assert mode(archive) == 0o600


def test_a_zip_member_that_climbs_out_is_never_written_outside(privacy_officer, tmp_path):
    agreement = make_agreement([make_product()], reference="VO-ZIP")
    buffer = io.BytesIO()
    workbook_bytes = documents_workbook_bytes([["VO-ZIP", "overeenkomst", "../escaped.pdf"]])
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("register.xlsx", workbook_bytes)
        archive.writestr("../escaped.pdf", PDF)
        archive.writestr("/tmp/absolute-escaped.pdf", PDF)
    client = client_for(privacy_officer)
    response = client.post(
        reverse("register:workbook_import"),
        {"file": SimpleUploadedFile("register.zip", buffer.getvalue(), "application/zip")},
    )
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert "buiten de map" in preview.text
    assert not Path("/tmp/absolute-escaped.pdf").exists()
    assert not agreement.documents.exists()


# --- workbook document paths through import_workbook ------------------------------------------


def documents_workbook_bytes(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Documenten"
    sheet.append(["Overeenkomst", "Soort", "Bestand"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run_import(path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_workbook", str(path), stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


@pytest.fixture
def layout(tmp_path) -> dict[str, Path]:
    """A workbook folder with one PDF inside, and a secret PDF beside (outside) it."""
    folder = tmp_path / "werkmap"
    (folder / "pdf").mkdir(parents=True)
    (folder / "pdf" / "binnen.pdf").write_bytes(PDF)
    outside = tmp_path / "buiten"
    outside.mkdir()
    (outside / "geheim.pdf").write_bytes(PDF + b"% geheim\n")
    return {"folder": folder, "outside": outside}


@pytest.mark.parametrize(
    "location",
    [
        "../buiten/geheim.pdf",
        "pdf/../../buiten/geheim.pdf",
        "..\\buiten\\geheim.pdf",
        "ABSOLUTE",
        "C:\\buiten\\geheim.pdf",
        "link-to-file.pdf",
        "link-to-folder/geheim.pdf",
    ],
)
def test_a_document_path_leaving_the_workbook_folder_is_refused(layout, location):
    folder, outside = layout["folder"], layout["outside"]
    os.symlink(outside / "geheim.pdf", folder / "link-to-file.pdf")
    os.symlink(outside, folder / "link-to-folder")
    if location == "ABSOLUTE":
        location = str(outside / "geheim.pdf")
    agreement = make_agreement([make_product()], reference="VO-PAD")
    workbook = folder / "register.xlsx"
    workbook.write_bytes(documents_workbook_bytes([["VO-PAD", "overeenkomst", location]]))

    code, output = run_import(workbook)

    assert code == 1
    assert "Documenten!row 2" in output
    assert "buiten de map" in output
    assert not agreement.documents.exists()
    assert not Document.objects.exists()


def test_a_document_path_inside_the_folder_is_imported(layout, media):
    folder = layout["folder"]
    agreement = make_agreement([make_product()], reference="VO-PAD")
    workbook = folder / "register.xlsx"
    workbook.write_bytes(documents_workbook_bytes([["VO-PAD", "overeenkomst", "pdf/binnen.pdf"]]))

    code, output = run_import(workbook)

    assert code == 0, output
    document = agreement.documents.get()
    assert Path(document.file.path).resolve().is_relative_to(media.resolve())
    assert document.original_name == "binnen.pdf"


def test_a_workbook_document_that_is_not_a_pdf_is_refused(layout):
    folder = layout["folder"]
    (folder / "pdf" / "page.pdf").write_bytes(HTML)
    make_agreement([make_product()], reference="VO-PAD")
    workbook = folder / "register.xlsx"
    workbook.write_bytes(documents_workbook_bytes([["VO-PAD", "overeenkomst", "pdf/page.pdf"]]))

    code, output = run_import(workbook)

    assert code == 1
    assert "geen PDF" in output
    assert not Document.objects.exists()


# --- every file the register serves -----------------------------------------------------------


def test_every_file_the_register_serves_is_an_attachment_with_nosniff(reader, privacy_officer):
    world = build_world(submitted_by=privacy_officer)
    client = client_for(reader)
    served = []
    for name, pattern in app_patterns():
        if name in {"logout", "login"}:
            continue
        url = url_for(name, pattern, world)
        if name == "register:procurement_pdf":
            url += f"?q={world.product.name}"
        response = client.get(url)
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or content_type.startswith("text/html"):
            continue
        if content_type.startswith("application/json"):  # data for a page's script, not a file
            assert response["X-Content-Type-Options"] == "nosniff", name
            continue
        served.append(name)
        assert response["Content-Disposition"].startswith("attachment;"), name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert content_type.split(";")[0] in {
            "application/pdf",
            "application/zip",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }, f"{name}: {content_type}"
    assert {
        "agreements:document_download",
        "register:workbook_export",
        "register:level_report",
        "register:procurement_pdf",
    } <= set(served)
