"""The Verwerkingsregister PDF (issue 16): for an auditor who wants paper, from the rows of the
workbook's Verwerkingen sheet, downloadable from the activities list."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from register.models import Organisation, ProcessingActivity

from ..conftest import client_for, make_product, make_supplier

pytestmark = pytest.mark.django_db

URL = reverse("register:activity_pdf")


def _text(response) -> str:
    pdf = b"".join(response.streaming_content) if response.streaming else response.content
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_the_list_offers_the_pdf_to_everyone_who_may_export(reader):
    page = client_for(reader).get(reverse("register:activity_list")).content.decode()
    assert URL in page and "Verwerkingsregister (PDF)" in page


def test_the_pdf_holds_the_board_and_every_art_30_field_of_each_activity(reader):
    Organisation(name="Stichting De Waterlinie", board_number="41234", kvk_number="41123456").save()
    activity = ProcessingActivity.objects.create(
        name="Leerlingzorg",
        purposes="Passende ondersteuning",
        legal_bases=["toestemming", "wettelijke_plicht"],
        data_subjects="Leerlingen",
        personal_data="Naam, gezondheid",
        recipients="Zorgpunt (verwerker)",
        third_country_transfers="geen",
        retention="2 jaar",
        security_measures="MFA",
        special_category_exception="Art. 9 lid 2 sub g AVG",
        dpia="ja",
        last_reviewed_on=datetime.date(2026, 3, 5),
    )
    activity.products.add(make_product("Zorgdossier", supplier=make_supplier("Zorgpunt")))
    ProcessingActivity.objects.create(name="Schoolfotografie")
    response = client_for(reader).get(URL)
    assert response["Content-Type"] == "application/pdf"
    assert "verwerkingsregister-" in response["Content-Disposition"]
    text = _text(response)
    assert "Stichting De Waterlinie" in text
    assert "41234" in text and "41123456" in text
    for expected in (
        "Leerlingzorg",
        "Passende ondersteuning",
        "Toestemming; Wettelijke verplichting",
        "Zorgpunt (verwerker)",
        "Art. 9 lid 2 sub g AVG",
        "Ja, uitgevoerd",
        "05-03-2026",
        "Zorgdossier",
        "Schoolfotografie",
    ):
        assert expected in text, expected


def test_a_missing_required_field_reads_ontbreekt_and_the_footer_names_the_board(reader):
    """An auditor who only gets the PDF sees which Art. 30(1) field is missing; the board's
    name is printed as it is, quotes and ampersands included."""
    Organisation(name="Stichting 't Schoolhuys & Partners").save()
    ProcessingActivity.objects.create(name="Ouders", purposes="Communicatie", retention="  ")
    text = _text(client_for(reader).get(URL))
    assert "Bewaartermijn ontbreekt (verplicht, AVG art. 30 lid 1)" in text
    assert "DPIA —" in text  # optional: a dash
    assert "Stichting 't Schoolhuys & Partners · Verwerkingsregister ·" in text
    assert "u0027" not in text and "u0026" not in text
