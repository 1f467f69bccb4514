"""The procurement check (Inkoopcheck): search, verdict, PDF and intake."""

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from agreements.models import Agreement, AgreementStatus
from register.models import Organisation, School
from suppliers.models import Product, Supplier

from ..conftest import client_for, make_agreement, make_flow, make_product, make_supplier

pytestmark = pytest.mark.django_db

URL = reverse("register:procurement_check")
PDF_URL = reverse("register:procurement_pdf")
INTAKE_URL = reverse("register:procurement_intake")


@pytest.fixture
def rekenrijk():
    product = make_product("Rekenrijk Online", make_supplier("Noorderlicht"))
    make_flow(product, "eckId")
    make_agreement(
        [product],
        status=AgreementStatus.APPROVED,
        attributes=("eckId",),
        reference="VO-2024-1",
        signed_on=datetime.date(2024, 1, 1),
    )
    return product


NAMES_URL = reverse("register:procurement_names")


def test_the_search_box_suggests_product_names_while_typing(procurement, rekenrijk):
    make_product("Rekenrijk Online", make_supplier("Zuiderzon"))  # the same name twice
    make_product("Taalwijs")
    text = client_for(procurement).get(URL).text
    assert f'data-suggest-url="{NAMES_URL}"' in text and "js/product-suggestions.js" in text
    client = client_for(procurement)
    assert client.get(NAMES_URL, {"q": " rekenr "}).json() == {"names": ["Rekenrijk Online"]}
    assert client.get(NAMES_URL, {"q": "r"}).json() == {"names": []}  # too short to ask
    assert client.get(NAMES_URL, {"q": "xyz"}).json() == {"names": []}


def test_the_page_does_not_list_every_product_and_the_suggestions_are_bounded(procurement):
    supplier = make_supplier()
    client = client_for(procurement)
    before = len(client.get(URL).content)
    for i in range(30):
        make_product(f"Rekenmachine {i:02d}", supplier)
    assert len(client.get(URL).content) == before
    names = client.get(NAMES_URL, {"q": "rekenmachine"}).json()["names"]
    assert names == [f"Rekenmachine {i:02d}" for i in range(20)]


def test_checking_an_empty_name_says_what_to_fill_in(procurement):
    client = client_for(procurement)
    assert "Vul de naam van het product in" not in client.get(URL).text  # first visit: no error
    text = client.get(URL, {"q": "  "}).text
    assert "Vul de naam van het product in en druk op Controleren." in text
    assert 'aria-invalid="true"' in text


def test_only_users_who_may_see_products_get_suggestions(client):
    assert client.get(NAMES_URL, {"q": "rek"}).status_code in (302, 403)


def test_a_trimmed_case_insensitive_search_shows_the_verdict_with_reasons_and_agreement(
    procurement, rekenrijk
):
    response = client_for(procurement).get(URL, {"q": "  rekenrijk online "})
    assert response.context["verdict"].verdict == "allowed"
    text = response.text
    assert "Toegestaan" in text and "VO-2024-1" in text
    assert response.context["verdict"].reasons[0] in text


@pytest.mark.parametrize(
    "setup, label",
    [
        (lambda p: None, "Niet toegestaan"),
        (lambda p: make_agreement([p], status=AgreementStatus.SUBMITTED), "Voorwaardelijk"),
    ],
)
def test_each_verdict_has_its_dutch_label(procurement, setup, label):
    product = make_product("Tool")
    setup(product)
    assert label in client_for(procurement).get(URL, {"q": "tool"}).text


def test_a_shared_name_asks_which_supplier(procurement):
    make_product("Klok", make_supplier("Alfa"))
    make_product("Klok", make_supplier("Beta"))
    response = client_for(procurement).get(URL, {"q": "klok"})
    assert "Welk product bedoelt u?" in response.text
    assert "supplier=Beta" in response.text
    picked = client_for(procurement).get(URL, {"q": "klok", "supplier": "Beta"})
    assert picked.context["verdict"].supplier.name == "Beta"


def test_the_verdict_prints_as_an_a4_pdf_with_date_and_register_state(procurement, rekenrijk):
    response = client_for(procurement).get(PDF_URL, {"q": "Rekenrijk Online"})
    assert response["Content-Type"] == "application/pdf"
    assert "inkoopcheck-rekenrijk-online" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert round(width / 72 * 25.4) == 210 and round(height / 72 * 25.4) == 297
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Toegestaan" in text and "VO-2024-1" in text
    assert "Stand van het register" in text


def test_the_pdf_names_the_board_and_the_registers_size_also_before_the_board_is_filled_in(
    procurement, rekenrijk
):
    make_product("Taalwijs")

    def pdf_text() -> str:
        response = client_for(procurement).get(PDF_URL, {"q": "Rekenrijk Online"})
        reader = PdfReader(io.BytesIO(response.content))
        return " ".join(" ".join(p.extract_text() for p in reader.pages).split())

    text = pdf_text()
    assert "schoolbestuur" in text.lower()  # the placeholder until the organisation is saved
    assert "2 producten en 1 overeenkomsten" in text
    Organisation(name="Stichting De Waterlinie").save()
    text = pdf_text()
    assert "stichting de waterlinie" in text.lower()
    assert "2 producten en 1 overeenkomsten" in text


def test_an_unknown_tool_offers_the_intake_form_to_procurement(procurement, reader):
    response = client_for(procurement).get(URL, {"q": "Nieuwe App"})
    assert response.context["verdict"].verdict == "unknown"
    assert "Onbekend" in response.text
    assert response.context["intake_form"].initial["name"] == "Nieuwe App"
    assert "Intakeverzoek indienen" in response.text
    assert "Intakeverzoek indienen" not in client_for(reader).get(URL, {"q": "Nieuwe App"}).text


def test_an_intake_creates_a_proposed_product_a_supplier_and_a_draft_agreement(procurement):
    school = School.objects.create(brin="12AB", name="De Regenboog")
    response = client_for(procurement).post(
        INTAKE_URL,
        {
            "name": " Nieuwe App ",
            "supplier_name": "App BV",
            "intended_use": "Oefenen met tafels in groep 5",
            "schools": [school.pk],
        },
    )
    product = Product.objects.get(name="Nieuwe App")
    assert product.status == "voorgesteld" and product.supplier.name == "App BV"
    assert list(product.schools.all()) == [school]
    agreement = Agreement.objects.get(products=product)
    assert agreement.status == AgreementStatus.DRAFT and agreement.supplier == product.supplier
    assert product.history.first().history_user == procurement
    follow = client_for(procurement).get(response.url)
    assert follow.context["verdict"].verdict == "conditional"
    assert agreement.reference in follow.context["verdict"].reasons[0]


def test_the_intake_form_lists_the_schools_and_keeps_the_chosen_ones_after_an_error(
    procurement,
):
    regenboog = School.objects.create(brin="12AB", name="De Regenboog")
    School.objects.create(brin="34CD", name="Het Kompas")
    page = client_for(procurement).get(URL, {"q": "Nieuwe App"}).text
    assert (
        f'<input type="checkbox" name="schools" value="{regenboog.pk}" id="id_schools_0">' in page
    )
    assert "De Regenboog" in page and "Het Kompas" in page
    refused = client_for(procurement).post(
        INTAKE_URL, {"name": "Nieuwe App", "supplier_name": "", "schools": [regenboog.pk]}
    )
    assert (
        f'value="{regenboog.pk}" id="id_schools_0" checked> De Regenboog (12AB)</label>'
        in refused.text
    )
    assert 'id="id_schools_1" checked' not in refused.text


def test_an_intake_reuses_a_known_supplier_by_name(procurement):
    supplier = make_supplier("Noorderlicht")
    client_for(procurement).post(
        INTAKE_URL,
        {"name": "Nieuw", "supplier_name": " noorderlicht ", "intended_use": "Lezen"},
    )
    assert Supplier.objects.count() == 1
    assert Product.objects.get(name="Nieuw").supplier == supplier


def test_an_incomplete_intake_is_refused_with_messages(procurement):
    response = client_for(procurement).post(INTAKE_URL, {"name": "Nieuw", "supplier_name": ""})
    assert response.status_code == 200
    assert response.context["intake_form"].errors
    assert Product.objects.count() == 0


def test_an_intake_for_a_product_already_in_the_register_is_refused(procurement, rekenrijk):
    response = client_for(procurement).post(
        INTAKE_URL,
        {"name": "rekenrijk online", "supplier_name": "Noorderlicht", "intended_use": "x"},
    )
    assert "staat al in het register" in response.text
    assert Product.objects.count() == 1


@pytest.mark.parametrize("persona", ["fg", "reader", "privacy_officer"])
def test_only_procurement_may_file_an_intake(persona, personas):
    response = client_for(personas[persona]).post(
        INTAKE_URL, {"name": "X", "supplier_name": "Y", "intended_use": "Z"}
    )
    assert response.status_code == 403
    assert Product.objects.count() == 0


def _queries(client, params) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, params).status_code == 200
    return len(ctx.captured_queries)


def test_the_check_uses_the_same_number_of_queries_for_a_small_or_large_register(procurement):
    product = make_product("Doel")
    make_flow(product, "eckId")
    make_agreement([product], status=AgreementStatus.SUBMITTED, attributes=("eckId",))
    client = client_for(procurement)
    small = _queries(client, {"q": "doel"})
    for _ in range(40):
        other = make_product()
        make_flow(other, "eckId")
        make_agreement([other], status=AgreementStatus.APPROVED, attributes=("eckId",))
    for code in ["mail", "sn", "givenName", "geboortedatum"]:
        make_flow(product, code, "direct")
    make_agreement([product], status=AgreementStatus.APPROVED, attributes=("eckId",))
    assert _queries(client, {"q": "doel"}) == small
