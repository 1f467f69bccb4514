"""Product pages: list with search, filters and sorting; detail with flags; create and edit."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import AgreementStatus
from suppliers.models import Product

from ..conftest import client_for, make_agreement, make_flow, make_product, make_supplier

pytestmark = pytest.mark.django_db

LIST = reverse("suppliers:product_list")


@pytest.fixture
def catalogue():
    alfa, beta = make_supplier("Alfa"), make_supplier("Beta")
    return {
        "rekenen": make_product("Rekenen", alfa, kind="leermiddel", access_channel="entree"),
        "toets": make_product("Toetsen", beta, kind="toets", access_channel="eduv"),
        "oud": make_product("Oud Portaal", beta, kind="portaal", status="uitgefaseerd"),
    }


def names(response) -> list[str]:
    return [p.name for p in response.context["page"].object_list]


def test_the_list_filters_by_status_kind_channel_and_supplier(reader, catalogue):
    client = client_for(reader)
    assert names(client.get(LIST, {"status": "uitgefaseerd"})) == ["Oud Portaal"]
    assert names(client.get(LIST, {"kind": "toets"})) == ["Toetsen"]
    assert names(client.get(LIST, {"channel": "entree"})) == ["Rekenen"]
    supplier = catalogue["toets"].supplier.pk
    assert names(client.get(LIST, {"supplier": supplier})) == ["Oud Portaal", "Toetsen"]
    assert names(client.get(LIST, {"q": "alfa"})) == ["Rekenen"]


def test_the_list_sorts(reader, catalogue):
    client = client_for(reader)
    assert names(client.get(LIST, {"sort": "-name"})) == ["Toetsen", "Rekenen", "Oud Portaal"]
    assert names(client.get(LIST, {"sort": "supplier"}))[0] == "Rekenen"


def test_an_unknown_filter_value_is_ignored_not_an_error(reader, catalogue):
    response = client_for(reader).get(LIST, {"status": "kapot", "sort": "x"})
    assert response.status_code == 200


def test_each_cell_of_a_row_is_labelled_for_the_phone_layout(reader):
    make_product("Rekenrijk", make_supplier("Noorderlicht"), kind="toets")
    row = client_for(reader).get(reverse("suppliers:product_list")).text.split("<tbody>")[1]
    for label, value in (
        ("Leverancier", "Noorderlicht"),
        ("Soort", "Toets"),
        ("Status", "In gebruik"),
        ("Persoonsgegevens", "ja"),
    ):
        assert f'data-label="{label}">' in row
        assert value in row.split(f'data-label="{label}">')[1].split("</td>")[0]


def test_the_list_is_paginated(reader):
    supplier = make_supplier()
    for i in range(55):
        make_product(f"Product {i:02d}", supplier)
    client = client_for(reader)
    assert len(client.get(LIST).context["page"].object_list) == 50
    assert len(client.get(LIST, {"page": 2}).context["page"].object_list) == 5


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_uses_the_same_number_of_queries_for_5_or_60_products(reader):
    client = client_for(reader)
    for _ in range(5):
        make_product()
    small = _queries(client, LIST)
    for _ in range(55):
        make_product()
    assert _queries(client, LIST) == small


def test_the_detail_page_uses_the_same_number_of_queries_with_more_flows_and_agreements(
    privacy_officer,
):
    client = client_for(privacy_officer)
    product = make_product()
    make_flow(product, "eckId")
    make_agreement([product], status=AgreementStatus.APPROVED, attributes=("eckId",))
    small = _queries(client, product.get_absolute_url())
    for code in ["givenName", "sn", "mail", "geboortedatum", "bsn_pgn"]:
        make_flow(product, code, "direct")
        make_flow(product, code, "handmatig")
    for _ in range(4):
        make_agreement([product], status=AgreementStatus.APPROVED, attributes=("eckId",))
    assert _queries(client, product.get_absolute_url()) == small


def test_the_detail_shows_the_products_own_flags_and_its_agreements(reader):
    product = make_product("Spellingsterk")
    make_flow(product, "geboortedatum", "direct")
    make_agreement(
        [product], status=AgreementStatus.APPROVED, attributes=("eckId",), reference="VO-9"
    )
    other = make_product("Ander Product")
    text = client_for(reader).get(product.get_absolute_url()).text
    assert "Gegevensstroom buiten de overeenkomst" in text
    assert "geboortedatum" in text and "VO-9" in text
    assert "Ander Product" not in text
    assert other.name not in text


def test_a_retired_product_shows_no_flags(reader):
    product = make_product(status="uitgefaseerd")
    text = client_for(reader).get(product.get_absolute_url()).text
    assert "er gelden geen signaleringen" in text


def test_the_privacy_officer_creates_a_product_for_a_supplier(privacy_officer):
    supplier = make_supplier()
    client = client_for(privacy_officer)
    form = client.get(reverse("suppliers:product_create"), {"supplier": supplier.pk})
    assert form.context["form"].initial["supplier"] == str(supplier.pk)
    response = client.post(
        reverse("suppliers:product_create"),
        {
            "supplier": supplier.pk,
            "name": "Woordenschat",
            "kind": "leermiddel",
            "access_channel": "entree",
            "status": "in_gebruik",
            "processes_personal_data": "on",
        },
    )
    product = Product.objects.get(name="Woordenschat")
    assert response.url == product.get_absolute_url()
    assert product.history.first().history_user == privacy_officer


def test_a_product_name_is_unique_per_supplier_ignoring_case(privacy_officer):
    product = make_product("Woordenschat")
    response = client_for(privacy_officer).post(
        reverse("suppliers:product_create"),
        {
            "supplier": product.supplier.pk,
            "name": "WOORDENSCHAT ",
            "kind": "leermiddel",
            "access_channel": "geen",
            "status": "in_gebruik",
        },
    )
    assert "heeft al een product" in response.text
    assert Product.objects.count() == 1


def test_editing_a_product_keeps_history(privacy_officer):
    product = make_product("Klok", processes_personal_data=True)
    client_for(privacy_officer).post(
        reverse("suppliers:product_edit", args=[product.pk]),
        {
            "supplier": product.supplier.pk,
            "name": "Klok",
            "kind": "overig",
            "access_channel": "geen",
            "status": "in_gebruik",
            "version": 1,
        },
    )
    product.refresh_from_db()
    assert product.processes_personal_data is False
    assert product.history.count() == 2
    # The page says what changed, not only who and when.
    page = client_for(privacy_officer).get(product.get_absolute_url()).content.decode()
    history = page.split("Geschiedenis</summary>", 1)[1].split("</details>", 1)[0]
    assert "gewijzigd: soort, verwerkt persoonsgegevens" in history.lower()


def test_a_covered_product_cannot_move_to_another_supplier(privacy_officer):
    """The approval of its agreement covers it as its supplier's product; moving it would void
    that approval in silence (and the agreement's form would then drop it)."""
    product = make_product("Woordenschat Plus", supplier=make_supplier("Leerwerk"))
    make_agreement([product], reference="VO-LW", status=AgreementStatus.APPROVED)
    other = make_supplier("Oefenwereld")
    data = {
        "supplier": other.pk,
        "name": "Woordenschat Plus",
        "kind": "overig",
        "access_channel": "geen",
        "status": "in_gebruik",
        "processes_personal_data": "on",
        "version": 1,
    }
    url = reverse("suppliers:product_edit", args=[product.pk])
    response = client_for(privacy_officer).post(url, data)
    assert response.status_code == 200
    assert "Woordenschat Plus valt onder VO-LW van Leerwerk" in html.unescape(response.text)
    product.refresh_from_db()
    assert product.supplier.name == "Leerwerk"
    # Not covered (any more): it moves.
    uncovered = make_product("Los", supplier=make_supplier("Ander"))
    data.update(name="Los")
    client_for(privacy_officer).post(reverse("suppliers:product_edit", args=[uncovered.pk]), data)
    uncovered.refresh_from_db()
    assert uncovered.supplier == other


@pytest.mark.parametrize("persona", ["fg", "procurement", "reader"])
def test_only_the_privacy_officer_may_create_or_edit_products(persona, personas):
    product = make_product()
    client = client_for(personas[persona])
    assert client.get(reverse("suppliers:product_create")).status_code == 403
    assert client.get(reverse("suppliers:product_edit", args=[product.pk])).status_code == 403


def test_the_list_filters_on_part_of_the_supplier_name(reader, catalogue):
    client = client_for(reader)
    assert names(client.get(LIST, {"supplier_name": "bet"})) == ["Oud Portaal", "Toetsen"]
    page = client.get(LIST, {"supplier_name": "gamma"}).content.decode()
    assert "Geen producten gevonden met deze zoekopdracht of filters." in page


def test_a_link_to_the_products_of_one_supplier_says_so_and_can_be_widened(reader, catalogue):
    beta = catalogue["toets"].supplier
    response = client_for(reader).get(LIST, {"supplier": beta.pk, "status": "in_gebruik"})
    page = response.content.decode()
    assert "Alleen producten van Beta." in page
    assert 'href="?status=in_gebruik">Producten van alle leveranciers tonen' in page
    assert f'name="supplier" value="{beta.pk}"' in page  # kept when the filters change


def test_the_filter_form_does_not_grow_with_the_number_of_suppliers(reader, catalogue):
    client = client_for(reader)
    before = len(client.get(LIST, {"q": "niets"}).content)
    for i in range(40):
        make_supplier(f"Leverancier met een lange naam {i:02d}")
    page = client.get(LIST, {"q": "niets"}).content
    assert len(page) == before
    assert b"Leverancier met een lange naam" not in page


def test_the_product_page_links_to_the_procurement_check_of_that_product(procurement):
    rekenen = make_product("Reken Rijk", make_supplier("Alfa & Zonen"))
    make_product("Reken Rijk", make_supplier("Beta"))  # the same name at another supplier
    client = client_for(procurement)

    page = client.get(rekenen.get_absolute_url())
    link = re.search(r'class="button" href="([^"]*)">Inkoopcheck</a>', page.content.decode())
    verdict = client.get(html.unescape(link.group(1)))

    assert verdict.context["verdict"].product == rekenen


def test_the_rows_are_rendered_once_until_the_register_changes(reader, privacy_officer):
    make_product("Rekenrijk")
    url = reverse("suppliers:product_list")
    first = client_for(reader).get(url)
    assert "suppliers/_product_rows.html" in {t.name for t in first.templates}
    again = client_for(privacy_officer).get(url)
    assert "suppliers/_product_rows.html" not in {t.name for t in again.templates}
    assert "Rekenrijk" in again.text and "Product toevoegen" in again.text
    make_product("Taalplein")
    assert "Taalplein" in client_for(reader).get(url).text
