"""Request bodies above the limit are refused before they are read; register data is never
cached (register/middleware.py)."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from agreements.models import Document, DocumentKind
from agreements.services import add_document
from register.forms import WORKBOOK_MAX_BYTES

from ..conftest import client_for, make_agreement, make_product
from .urlmap import PDF

pytestmark = pytest.mark.django_db

GB = 1024**3


def multipart_post(client: Client, url: str, size: int, **extra):
    """A POST whose multipart body holds a file of `size` bytes."""
    return client.post(url, {"file": SimpleUploadedFile("big.pdf", b"0" * size)}, **extra)


# --- request size -----------------------------------------------------------------------------


def test_an_anonymous_post_above_the_small_limit_is_refused_with_413():
    response = multipart_post(Client(), reverse("login"), settings.ANONYMOUS_REQUEST_MAX_BYTES)
    assert response.status_code == 413
    assert "te groot" in response.text and "Log eerst in" in response.text


def test_an_api_client_with_a_token_gets_a_json_413_without_login_advice(procurement):
    from api.services import create_token

    _token, secret = create_token(user=procurement, name="Portaal")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = "x" * (settings.ANONYMOUS_REQUEST_MAX_BYTES + 1)
    response = client.post("/api/v1/intakes/", {"name": body})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "Log eerst in" not in response.json()["detail"]


def test_an_anonymous_login_of_normal_size_still_works(reader):
    response = Client().post(
        reverse("login"), {"username": "reader", "password": "persona-password"}
    )
    assert response.status_code == 302


def test_a_logged_in_upload_above_the_large_limit_is_refused_with_413(
    privacy_officer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REQUEST_MAX_BYTES = 200 * 1024
    agreement = make_agreement([make_product()])
    response = multipart_post(
        client_for(privacy_officer),
        reverse("agreements:document_upload", args=[agreement.pk]),
        300 * 1024,
    )
    assert response.status_code == 413
    assert "te groot" in response.text
    assert not Document.objects.exists()


def test_a_logged_in_upload_below_the_large_limit_gets_through(privacy_officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    agreement = make_agreement([make_product()])
    response = client_for(privacy_officer).post(
        reverse("agreements:document_upload", args=[agreement.pk]),
        {
            "kind": "overeenkomst",
            # Far above the anonymous limit, well below the logged-in one.
            "file": SimpleUploadedFile("vo.pdf", PDF + b"0" * (1024 * 1024)),
        },
    )
    assert response.status_code == 302
    assert Document.objects.count() == 1


def test_the_limit_for_logged_in_users_fits_a_workbook_and_a_document():
    # Room for the multipart framing and the other form fields around the largest file.
    assert settings.REQUEST_MAX_BYTES >= WORKBOOK_MAX_BYTES + 64 * 1024
    assert settings.REQUEST_MAX_BYTES >= settings.DOCUMENT_MAX_BYTES + 64 * 1024
    assert settings.ANONYMOUS_REQUEST_MAX_BYTES <= 64 * 1024


def test_a_body_without_content_length_is_refused():
    response = Client().generic("POST", reverse("login"), b"", HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 411
    assert "Content-Length" in response.text


def raw_post(live_server, path: str, content_length: int, sent: bytes) -> bytes:
    """Send the headers of a POST announcing `content_length` bytes, then only `sent`, and
    return what the server answers within ten seconds."""
    url = urlsplit(live_server.url)
    boundary = "grens"
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\n"
            f"Host: {url.hostname}:{url.port}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {content_length}\r\n"
            "\r\n"
        )
        sock.sendall(head.encode() + sent)
        answer = b""
        while b"\r\n\r\n" not in answer:
            try:
                chunk = sock.recv(4096)
            except TimeoutError:
                break
            if not chunk:
                break
            answer += chunk
    return answer


# serialized_rollback: a plain transactional flush re-creates content types, which breaks the
# next test that reloads the seeded data (test_uploads, test_import_leaves_no_files).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_server_refuses_a_huge_anonymous_body_before_reading_it(live_server):
    # 1.5 GB announced, a few bytes sent: the answer comes at once, so nothing waited for
    # (let alone wrote to disk) the rest of the body.
    started = time.monotonic()
    first = b'--grens\r\nContent-Disposition: form-data; name="file"; filename="x.pdf"\r\n\r\n'
    answer = raw_post(live_server, reverse("login"), int(1.5 * GB), first + b"0" * 1024)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 5


# --- Cache-Control ----------------------------------------------------------------------------


def cache_directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_a_page_for_a_logged_in_user_is_not_stored(reader):
    response = client_for(reader).get(reverse("dashboard"))
    assert response.status_code == 200
    assert "no-store" in cache_directives(response)


def test_the_export_and_the_pdf_reports_are_not_stored(privacy_officer):
    product = make_product("Rekenmaatje", status="in_gebruik")
    client = client_for(privacy_officer)
    for url in (
        reverse("register:workbook_export"),
        reverse("register:level_report"),
        reverse("register:procurement_pdf") + f"?q={product.name}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Disposition"].startswith("attachment;"), url
        assert "no-store" in cache_directives(response), url


def test_a_document_download_is_not_stored(reader, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    agreement = make_agreement([make_product()])
    document = add_document(
        agreement=agreement, kind=DocumentKind.AGREEMENT, content=PDF, original_name="VO.pdf"
    )
    response = client_for(reader).get(
        reverse("agreements:document_download", args=[agreement.pk, document.pk])
    )
    assert response.status_code == 200
    assert "no-store" in cache_directives(response)


def test_static_files_stay_cacheable_for_a_logged_in_user(reader, settings):
    settings.WHITENOISE_USE_FINDERS = True  # serve from static/ without collectstatic
    response = client_for(reader).get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in cache_directives(response)
