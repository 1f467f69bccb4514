"""Uploading and downloading documents: PDF by content, size limit, versions, access."""

import pytest
from django.test import override_settings
from django.urls import reverse

from agreements.models import Document

from ..conftest import client_for, make_agreement, make_product
from .helpers import PDF, PNG, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement():
    return make_agreement([make_product()])


def upload(user, agreement, file, kind="overeenkomst"):
    return client_for(user).post(
        reverse("agreements:document_upload", args=[agreement.pk]), {"kind": kind, "file": file}
    )


def test_a_pdf_is_stored_with_its_hash_under_a_generated_name(privacy_officer, agreement):
    response = upload(privacy_officer, agreement, pdf_upload("Verwerkersovereenkomst.pdf"))
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.original_name == "Verwerkersovereenkomst.pdf"
    assert document.version == 1
    assert document.uploaded_by == privacy_officer
    assert document.size == len(PDF)
    assert document.file.name.startswith("documents/")
    assert "Verwerkersovereenkomst" not in document.file.name
    with document.file.open("rb") as handle:
        assert handle.read() == PDF


def test_a_png_renamed_to_pdf_is_refused(privacy_officer, agreement):
    response = upload(privacy_officer, agreement, pdf_upload("scan.pdf", PNG))
    assert response.status_code == 400
    assert "Dit bestand is geen PDF" in response.content.decode()
    assert not Document.objects.exists()


@override_settings(DOCUMENT_MAX_BYTES=1024)
def test_an_oversized_file_is_refused_with_the_limit(privacy_officer, agreement):
    response = upload(privacy_officer, agreement, pdf_upload("groot.pdf", PDF + b"0" * 2048))
    assert response.status_code == 400
    assert "groter dan" in response.content.decode()
    assert not Document.objects.exists()


def test_the_real_limit_is_25_mb(privacy_officer, agreement, settings):
    assert settings.DOCUMENT_MAX_BYTES == 25 * 1024 * 1024
    big = PDF + b"0" * (settings.DOCUMENT_MAX_BYTES - len(PDF) + 1)
    response = upload(privacy_officer, agreement, pdf_upload("groot.pdf", big))
    assert response.status_code == 400
    assert "groter dan 25 MB" in response.content.decode()


def test_an_empty_file_is_refused(privacy_officer, agreement):
    response = upload(privacy_officer, agreement, pdf_upload("leeg.pdf", b""))
    assert response.status_code == 400
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "C:\\Users\\pp\\Documents\\vo.pdf", "/tmp/x/vo.pdf"]
)
def test_a_file_name_with_a_path_keeps_only_the_name(privacy_officer, agreement, name):
    response = upload(privacy_officer, agreement, pdf_upload(name))
    assert response.status_code == 302
    document = Document.objects.get()
    assert "/" not in document.original_name and "\\" not in document.original_name
    assert ".." not in document.file.name
    assert document.file.name.startswith("documents/")


def test_each_upload_is_a_new_version_and_the_old_one_stays(privacy_officer, agreement):
    upload(privacy_officer, agreement, pdf_upload("v1.pdf", PDF))
    upload(privacy_officer, agreement, pdf_upload("v2.pdf", PDF + b"% tweede versie"))
    first, second = Document.objects.order_by("version")
    assert (first.version, second.version) == (1, 2)
    assert first.sha256 != second.sha256
    with first.file.open("rb") as handle:
        assert handle.read() == PDF
    assert first.file.name != second.file.name


def test_the_same_file_again_is_no_new_version(privacy_officer, agreement):
    """It changes nothing, and must not send an approved agreement back to draft."""
    upload(privacy_officer, agreement, pdf_upload("v1.pdf", PDF))
    response = upload(privacy_officer, agreement, pdf_upload("nogmaals.pdf", PDF))
    assert "Dit bestand is al opgeslagen als versie 1" in response.content.decode()
    assert Document.objects.count() == 1
    # An older version's bytes are a new version: the latest changes.
    upload(privacy_officer, agreement, pdf_upload("v2.pdf", PDF + b"% twee"))
    upload(privacy_officer, agreement, pdf_upload("terug.pdf", PDF))
    assert Document.objects.count() == 3


@pytest.mark.parametrize("persona", ["reader", "procurement", "fg"])
def test_only_privacy_officers_upload(personas, agreement, persona):
    response = upload(personas[persona], agreement, pdf_upload())
    assert response.status_code == 403
    assert not Document.objects.exists()


@pytest.mark.parametrize("persona", ["reader", "procurement", "fg", "privacy_officer"])
def test_every_role_downloads_as_an_attachment(personas, privacy_officer, agreement, persona):
    upload(privacy_officer, agreement, pdf_upload("Overeenkomst 2026.pdf"))
    document = Document.objects.get()
    response = client_for(personas[persona]).get(
        reverse("agreements:document_download", args=[agreement.pk, document.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Overeenkomst 2026.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


def test_an_anonymous_visitor_cannot_download(privacy_officer, agreement):
    upload(privacy_officer, agreement, pdf_upload())
    document = Document.objects.get()
    response = client_for(None).get(
        reverse("agreements:document_download", args=[agreement.pk, document.pk])
    )
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_user_without_the_view_permission_cannot_download(privacy_officer, agreement):
    from django.contrib.auth.models import User

    upload(privacy_officer, agreement, pdf_upload())
    document = Document.objects.get()
    nobody = User.objects.create_user("zonderrol", password="x")
    response = client_for(nobody).get(
        reverse("agreements:document_download", args=[agreement.pk, document.pk])
    )
    assert response.status_code == 403


def test_a_document_is_only_reachable_under_its_own_agreement(privacy_officer, agreement, reader):
    upload(privacy_officer, agreement, pdf_upload())
    document = Document.objects.get()
    other = make_agreement([make_product()])
    response = client_for(reader).get(
        reverse("agreements:document_download", args=[other.pk, document.pk])
    )
    assert response.status_code == 404
