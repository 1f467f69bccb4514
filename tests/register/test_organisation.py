"""The board's bestuursnummer (DUO) and KvK number (DESIGN.md 11.2): validated on the
Organisatie page, shown there and in the level PDF report."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from register.models import Organisation

from ..conftest import client_for

pytestmark = pytest.mark.django_db

EDIT_URL = reverse("register:organisation_edit")


def _post(user, **fields):
    data = {"name": "Stichting De Waterlinie", **fields}
    return client_for(user).post(EDIT_URL, data)


def test_the_numbers_are_saved_without_spaces_and_shown(privacy_officer, reader):
    response = _post(privacy_officer, board_number=" 41 234 ", kvk_number="4112 3456")
    assert response.status_code == 302
    organisation = Organisation.objects.get()
    assert (organisation.board_number, organisation.kvk_number) == ("41234", "41123456")
    page = client_for(reader).get(reverse("register:organisation")).content.decode()
    assert "Bestuursnummer (DUO)" in page and "41234" in page
    assert "KvK-nummer" in page and "41123456" in page


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("board_number", "1234", "Een bestuursnummer (DUO) bestaat uit precies 5 cijfers"),
        ("board_number", "12AB5", "Een bestuursnummer (DUO) bestaat uit precies 5 cijfers"),
        ("kvk_number", "123456789", "Een KvK-nummer bestaat uit precies 8 cijfers"),
    ],
)
def test_a_wrong_number_is_refused_with_what_it_should_be_and_nothing_is_saved(
    privacy_officer, field, value, message
):
    response = _post(privacy_officer, **{field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(
    "field, value", [("board_number", "41 2345"), ("kvk_number", "4112 34567")]
)
def test_a_number_too_long_gets_only_the_message_of_what_it_should_be(
    privacy_officer, field, value
):
    """Not also "niet meer dan ... tekens (het zijn er nu ...)", counted without the spaces."""
    response = _post(privacy_officer, **{field: value})
    errors = response.context["form"].errors[field]
    assert len(errors) == 1 and "precies" in errors[0]


def test_the_level_report_names_the_board_with_its_numbers(reader):
    Organisation(name="Stichting De Waterlinie", board_number="41234", kvk_number="41123456").save()
    response = client_for(reader).get(reverse("register:level_report"))
    pdf = b"".join(response.streaming_content) if response.streaming else response.content
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert "Bestuursnummer (DUO) 41234" in text
    assert "KvK-nummer 41123456" in text
