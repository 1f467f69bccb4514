"""Supplier pages: list with search, filter and sort; detail; create and edit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from suppliers.models import Supplier

from ..conftest import client_for, make_agreement, make_product, make_supplier

pytestmark = pytest.mark.django_db

LIST = reverse("suppliers:supplier_list")


def test_the_list_searches_filters_and_sorts(reader):
    make_supplier("Alfa Leermiddelen", convenant="deelnemer", kvk_number="12345678")
    make_supplier("Beta Toetsen", convenant="geen")
    client = client_for(reader)
    assert "Beta Toetsen" not in client.get(LIST, {"q": "alfa"}).text
    assert "Alfa Leermiddelen" in client.get(LIST, {"q": "12345678"}).text
    filtered = client.get(LIST, {"convenant": "geen"}).text
    assert "Beta Toetsen" in filtered and "Alfa Leermiddelen" not in filtered
    text = client.get(LIST, {"sort": "-name"}).text
    assert text.index("Beta Toetsen") < text.index("Alfa Leermiddelen")


def test_an_empty_search_says_nothing_was_found(reader):
    response = client_for(reader).get(LIST, {"q": "bestaat niet"})
    assert "Geen leveranciers gevonden" in response.text


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_uses_the_same_number_of_queries_for_3_or_60_suppliers(reader):
    client = client_for(reader)
    for _ in range(3):
        make_product(supplier=make_supplier())
    small = _list_queries(client)
    for _ in range(57):
        make_product(supplier=make_supplier())
    assert _list_queries(client) == small


def test_the_detail_shows_products_and_agreements(reader):
    supplier = make_supplier("Noorderlicht")
    product = make_product("Rekenrijk", supplier=supplier)
    make_agreement([product], reference="VO-77")
    text = client_for(reader).get(supplier.get_absolute_url()).text
    assert "Rekenrijk" in text and "VO-77" in text


def test_the_privacy_officer_creates_and_edits_a_supplier(privacy_officer):
    client = client_for(privacy_officer)
    response = client.post(
        reverse("suppliers:supplier_create"),
        {"name": "Nieuwe Uitgever", "kvk_number": "87654321", "convenant": "deelnemer"},
    )
    supplier = Supplier.objects.get(name="Nieuwe Uitgever")
    assert response.url == supplier.get_absolute_url()
    client.post(
        reverse("suppliers:supplier_edit", args=[supplier.pk]),
        {
            "name": "Nieuwe Uitgever BV",
            "kvk_number": "87654321",
            "convenant": "medestander",
            "version": 1,
        },
    )
    supplier.refresh_from_db()
    assert supplier.name == "Nieuwe Uitgever BV" and supplier.convenant == "medestander"
    assert supplier.history.first().history_user == privacy_officer


def test_a_duplicate_name_or_bad_kvk_is_refused_with_a_clear_message(privacy_officer):
    make_supplier("Noorderlicht")
    response = client_for(privacy_officer).post(
        reverse("suppliers:supplier_create"),
        {"name": " noorderlicht ", "kvk_number": "123", "convenant": "geen"},
    )
    assert response.status_code == 200
    assert "Er bestaat al een leverancier" in response.text
    assert "precies 8 cijfers" in response.text
    assert Supplier.objects.count() == 1


@pytest.mark.parametrize("typed", ["8765 4321", " 87 65 43 21 ", "8765\u00a04321"])
def test_a_kvk_number_typed_or_pasted_with_spaces_is_stored_as_its_digits(privacy_officer, typed):
    response = client_for(privacy_officer).post(
        reverse("suppliers:supplier_create"),
        {"name": "Spatie BV", "kvk_number": typed, "convenant": "geen"},
    )
    assert response.status_code == 302, response.text
    assert Supplier.objects.get(name="Spatie BV").kvk_number == "87654321"


def test_a_kvk_number_with_spaces_and_too_few_digits_says_what_a_number_looks_like(
    privacy_officer,
):
    response = client_for(privacy_officer).post(
        reverse("suppliers:supplier_create"),
        {"name": "Spatie BV", "kvk_number": "8765 432", "convenant": "geen"},
    )
    assert response.status_code == 200 and "precies 8 cijfers" in response.text
    assert not Supplier.objects.filter(name="Spatie BV").exists()


@pytest.mark.parametrize("persona", ["fg", "procurement", "reader"])
def test_only_the_privacy_officer_may_create_or_edit_suppliers(persona, personas):
    supplier = make_supplier()
    client = client_for(personas[persona])
    assert client.get(reverse("suppliers:supplier_create")).status_code == 403
    assert (
        client.post(reverse("suppliers:supplier_edit", args=[supplier.pk]), {}).status_code == 403
    )
    assert "Leverancier toevoegen" not in client.get(LIST).text


def _detail_queries(client, supplier) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(supplier.get_absolute_url()).status_code == 200
    return len(ctx.captured_queries)


def test_the_detail_uses_the_same_number_of_queries_for_1_or_30_products(privacy_officer):
    client = client_for(privacy_officer)
    supplier = make_supplier()
    make_agreement([make_product(supplier=supplier)])
    small = _detail_queries(client, supplier)
    for _ in range(29):
        make_agreement([make_product(supplier=supplier)])
    assert _detail_queries(client, supplier) == small


def test_a_kvk_number_too_long_gets_one_message_that_says_what_it_looks_like(privacy_officer):
    response = client_for(privacy_officer).post(
        reverse("suppliers:supplier_create"),
        {"name": "Lang BV", "kvk_number": "87654321 0", "convenant": "geen"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["kvk_number"]
    assert errors == ["Een KvK-nummer bestaat uit precies 8 cijfers."]
    assert 'inputmode="numeric"' in response.text
