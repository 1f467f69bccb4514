"""Names with markup are shown as text everywhere: on every page, in the PDFs, in Excel."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from suppliers.models import Supplier

from ..conftest import client_for
from .urlmap import IMG, SCRIPT, app_patterns, build_world, url_for

pytestmark = pytest.mark.django_db

RAW = [SCRIPT, "<img src=x onerror", "<script>"]
FORMULA_NAME = '=HYPERLINK("http://evil.example","klik")'
BINARY_URLS = {"register:workbook_export", "register:level_report", "register:procurement_pdf"}
SKIP = {"logout", "login"}


@pytest.fixture
def world(settings, tmp_path, privacy_officer):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world(marked=True, submitted_by=privacy_officer)
    Supplier.objects.create(name=FORMULA_NAME, convenant="geen")
    return world


def assert_escaped(html: str, where: str) -> None:
    for raw in RAW:
        assert raw not in html, f"{where}: unescaped {raw!r}"


@pytest.mark.parametrize("persona", ["privacy_officer", "fg", "reader", "procurement"])
def test_every_page_shows_markup_in_names_as_text(world, persona, request):
    client = client_for(request.getfixturevalue(persona))
    checked = 0
    for name, pattern in app_patterns():
        if name in SKIP or name in BINARY_URLS or name == "agreements:document_download":
            continue
        url = url_for(name, pattern, world)
        for query in ("", f"?q={SCRIPT}&supplier={IMG}&page=1"):
            response = client.get(url + query)
            assert response.status_code < 500, f"{name}{query}: {response.status_code}"
            if response.get("Content-Type", "").startswith("text/html"):
                assert_escaped(response.text, f"{persona} {name}{query}")
                checked += 1
    assert checked >= 20


def test_the_names_really_appear_escaped_on_their_pages(world, reader):
    client = client_for(reader)
    escaped_script = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for url in (
        world.supplier.get_absolute_url(),
        reverse("suppliers:supplier_list"),
        reverse("agreements:agreement_detail", args=[world.agreement.pk]),
        reverse("register:activity_detail", args=[world.activity.pk]),
    ):
        assert escaped_script in client.get(url).text, url
    product_page = client.get(reverse("suppliers:product_detail", args=[world.product.pk])).text
    assert "&lt;img src=x onerror=alert(1)&gt;" in product_page


def test_a_saved_name_with_markup_is_escaped_in_the_confirmation(privacy_officer):
    client = client_for(privacy_officer)
    response = client.post(
        reverse("suppliers:supplier_create"),
        {"name": f"Nieuw {SCRIPT}", "convenant": "geen"},
        follow=True,
    )
    assert response.status_code == 200
    assert Supplier.objects.filter(name=f"Nieuw {SCRIPT}").exists()
    assert_escaped(response.text, "after saving")


def test_the_procurement_check_reflects_a_query_with_markup_as_text(world, procurement):
    response = client_for(procurement).get(
        reverse("register:procurement_check"), {"q": f"Bestaat niet {SCRIPT}"}
    )
    assert response.status_code == 200
    assert_escaped(response.text, "procurement check")


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text)


def test_the_level_report_prints_markup_as_literal_text(world, reader):
    response = client_for(reader).get(reverse("register:level_report"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for literal in (
        world.product.name,
        world.supplier.name,
        world.agreement.reference,
        world.activity.name,
    ):
        assert literal in text, literal


def test_the_procurement_pdf_prints_markup_as_literal_text(world, procurement):
    response = client_for(procurement).get(
        reverse("register:procurement_pdf"), {"q": world.product.name}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert f"Rekenen {IMG}" in text
    assert f"Uitgeverij {SCRIPT}" in text


def test_the_excel_export_holds_the_literal_names_never_a_formula(world, reader):
    response = client_for(reader).get(reverse("register:workbook_export"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for member in archive.namelist():
            if member.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(member) and b"<f " not in archive.read(member)

    workbook = load_workbook(io.BytesIO(content))
    values = {}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate}"
                    values.setdefault(cell.value, f"{sheet.title}!{cell.coordinate}")
    for literal in (
        world.supplier.name,
        world.product.name,
        world.agreement.reference,
        world.activity.name,
        FORMULA_NAME,
    ):
        assert literal in values, literal
