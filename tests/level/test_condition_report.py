"""The PDF report: downloadable from the Niveau page and written by `condition_report PATH`."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from register.models import LevelText, Organisation
from register.rules.flags import FLAG_CODES, compute_flags

from ..conftest import client_for, make_agreement, make_flow, make_product, make_supplier
from .helpers import activity_for, level5_product

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    # Line breaks inside a paragraph become spaces, so phrases can be searched whole.
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def level2_register() -> None:
    """Level 2: every product covered and reviewed, but one agreement sent back."""
    level5_product()
    product = make_product("Rekentuin", supplier=make_supplier("Leerwerk Educatief"))
    make_agreement([product], status="aanpassing_gevraagd", reference="VO-2026-042")
    make_flow(product, "eckId")
    activity_for(product)


def test_the_report_downloads_as_a_pdf(reader):
    level2_register()

    response = client_for(reader).get("/register/niveau/rapport.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response.content.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(response.content)).pages) >= 3


def test_the_report_names_board_condition_levels_and_the_blocking_agreement(reader):
    Organisation.objects.update_or_create(
        pk=1, defaults={"name": "Stichting Openbaar Onderwijs De Waterlinie"}
    )
    level2_register()

    text = text_of(client_for(reader).get("/register/niveau/rapport.pdf").content)

    assert "Verwerking van gegevens" in text
    assert "Toegang leermiddelen" in text
    assert "Stichting Openbaar Onderwijs De Waterlinie" in text
    for level_text in LevelText.objects.all():
        assert level_text.text in text
    assert "VO-2026-042" in text
    assert "Onze huidige situatie" in text and "Groeistap 1" in text and "Groeistap 2" in text
    assert "Bijlage" in text and "Rekentuin" in text


def test_the_command_writes_the_report_to_the_path(tmp_path):
    level2_register()
    target = tmp_path / "niveau.pdf"
    out = io.StringIO()

    call_command("condition_report", str(target), stdout=out)

    assert target.read_bytes().startswith(b"%PDF-")
    assert "VO-2026-042" in text_of(target.read_bytes())
    assert str(target) in out.getvalue()


def test_the_command_refuses_a_folder_that_does_not_exist(tmp_path):
    with pytest.raises(CommandError, match="bestaat niet"):
        call_command("condition_report", str(tmp_path / "nergens" / "niveau.pdf"))


def test_names_in_the_report_are_escaped_not_interpreted(reader):
    make_product("<b>Vet</b> & Co", supplier=make_supplier("Lev <i>cursief</i>"))

    text = text_of(client_for(reader).get("/register/niveau/rapport.pdf").content)

    assert "<b>Vet</b> & Co" in text


def _report_queries(client) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get("/register/niveau/rapport.pdf")
    assert response.status_code == 200
    return len(context.captured_queries)


def test_the_report_needs_the_same_number_of_queries_at_any_size(reader):
    client = client_for(reader)
    client.get("/register/niveau/rapport.pdf")  # what a process reads once
    level2_register()  # both measurements follow a change: the rules work afresh
    small = _report_queries(client)
    for number in range(5):
        level5_product()
        product = make_product(f"Zonder overeenkomst {number}")
        make_flow(product, "eckId")
    large = _report_queries(client)

    assert small == large


def test_the_report_bounds_long_lists_but_keeps_the_exact_counts(reader):
    for number in range(30):
        make_product(f"Zonder overeenkomst {number:02d}")
    total = len(compute_flags())

    text = text_of(client_for(reader).get("/register/niveau/rapport.pdf").content)

    assert f"staan {total} signaleringen open" in text
    # Criterion "every product is covered": 10 named, the other 20 counted.
    assert "en 20 andere (30 in totaal)." in text
    assert "De volledige lijst staat in de Excel-export (blad Signaleringen)." in text
    # The annex: at most 10 flags per code, then one line with the rest of that code.
    assert (
        "en 20 andere signaleringen van deze soort; de volledige lijst staat in de "
        "Excel-export (blad Signaleringen)."
    ) in text
    assert f"{FLAG_CODES['no_agreement'][1]} 30" in text
    named = [n for n in range(30) if f"Zonder overeenkomst {n:02d}:" in text]
    assert len(named) == 10  # the criteria name the same first ten; the annex has no colon


def test_an_empty_register_says_its_level_means_nothing_yet(reader):
    # Every criterion holds vacuously without products: the page and the report say so.
    empty = "Het register is nog leeg: er staan geen producten in."
    page = client_for(reader).get("/register/niveau/").content.decode()
    assert empty in page
    assert empty in text_of(client_for(reader).get("/register/niveau/rapport.pdf").content)
    level5_product()
    assert empty not in client_for(reader).get("/register/niveau/").content.decode()
