"""What the procurement check answers (issue 17): suggestions or a verdict, never both; a
conditional verdict says in words what must happen before use."""

import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from agreements.models import AgreementStatus

from ..conftest import client_for, make_agreement, make_flow, make_product, make_supplier

pytestmark = pytest.mark.django_db

URL = reverse("register:procurement_check")
PDF_URL = reverse("register:procurement_pdf")


def test_part_of_a_name_shows_the_suggestions_and_no_unknown_verdict(procurement):
    make_product("Spellingsterk", make_supplier("Taalhuis"))
    response = client_for(procurement).get(URL, {"q": "spelling"})
    assert "Bedoelt u een van deze producten?" in response.text
    assert "Spellingsterk" in response.text
    assert "verdict-unknown" not in response.text and "Onbekend" not in response.text
    # The intake stays at hand for a tool that is not among them.
    assert "Staat het product er niet bij? Dien een intakeverzoek in" in response.text


def test_a_name_like_nothing_in_the_register_is_unknown_without_suggestions(procurement):
    make_product("Spellingsterk")
    response = client_for(procurement).get(URL, {"q": "Typetuin"})
    assert "Onbekend" in response.text and "verdict-unknown" in response.text
    assert "Bedoelt u een van deze producten?" not in response.text


def test_the_result_says_which_name_it_answers_for_the_script_that_hides_it_while_typing(
    procurement,
):
    make_product("Spellingsterk")
    text = client_for(procurement).get(URL, {"q": " spelling "}).text
    assert 'data-result-for="spelling"' in text
    assert "data-while-typing hidden" in text


def test_a_verdict_waiting_for_the_fg_says_use_only_after_the_fgs_approval(procurement):
    product = make_product("Klasbord")
    make_flow(product, "givenName")
    make_agreement(
        [product], status=AgreementStatus.SUBMITTED, reference="VO-KLAS", attributes=("givenName",)
    )
    client = client_for(procurement)
    response = client.get(URL, {"q": "Klasbord"})
    assert response.context["verdict"].verdict == "conditional"
    text = response.text
    assert (
        "Pas gebruiken na akkoord van de FG op overeenkomst VO-KLAS en ondertekening van "
        "overeenkomst VO-KLAS." in text
    )
    assert "Wat eerst moet gebeuren" in text
    assert "Overeenkomst VO-KLAS wacht op het akkoord van de FG." in text


def test_the_conditions_name_each_thing_that_must_happen(procurement):
    today = datetime.date.today()
    product = make_product("Rekenrijk")
    make_flow(product, "eckId")
    make_flow(product, "geboortedatum")
    make_agreement(
        [product],
        status=AgreementStatus.APPROVED,
        reference="VO-REKEN",
        attributes=("eckId",),
        ends_on=today + datetime.timedelta(days=30),
    )
    verdict = client_for(procurement).get(URL, {"q": "Rekenrijk"}).context["verdict"]
    assert verdict.verdict == "conditional"
    assert verdict.before_use.startswith(
        "Pas gebruiken na ondertekening van overeenkomst VO-REKEN, "
    )
    assert "verlenging van overeenkomst VO-REKEN" in verdict.before_use
    assert verdict.before_use.endswith(
        " en het stoppen van de gegevensstromen buiten de overeenkomst (geboortedatum), of het "
        "opnemen van die attributen in de overeenkomst."
    )


def test_an_allowed_verdict_has_no_condition(procurement):
    product = make_product("Klok", processes_personal_data=False)
    verdict = client_for(procurement).get(URL, {"q": product.name}).context["verdict"]
    assert verdict.verdict == "allowed" and verdict.before_use == ""
    assert "Pas gebruiken na" not in client_for(procurement).get(URL, {"q": "Klok"}).text


def test_the_pdf_says_what_must_happen_before_use(procurement):
    product = make_product("Klasbord")
    make_agreement([product], status=AgreementStatus.SUBMITTED, reference="VO-KLAS")
    response = client_for(procurement).get(PDF_URL, {"q": "Klasbord"})
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(response.content)).pages)
    assert "Pas gebruiken na akkoord van de FG" in " ".join(text.split())
