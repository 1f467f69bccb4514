"""The product form's Scholen field (issue 17): the board's schools that use the product, kept
through School.products with the school's history."""

import pytest
from django.urls import reverse

from register.models import School

from ..conftest import client_for, make_product, make_supplier

pytestmark = pytest.mark.django_db


@pytest.fixture
def schools():
    return [
        School.objects.create(brin="12AB", name="De Regenboog", sector="po"),
        School.objects.create(brin="34CD", name="Het Baken", sector="vo"),
        School.objects.create(brin="56EF", name="De Linde", sector="po"),
    ]


def product_data(supplier, **fields):
    return {
        "supplier": supplier.pk,
        "name": "Leesstart",
        "kind": "leermiddel",
        "access_channel": "entree",
        "status": "in_gebruik",
        "processes_personal_data": "on",
        **fields,
    }


def test_a_new_product_is_given_the_schools_that_use_it(privacy_officer, schools):
    supplier = make_supplier()
    client = client_for(privacy_officer)
    form = client.get(reverse("suppliers:product_create"))
    assert "De scholen van het bestuur die dit product gebruiken." in form.text
    # Where schools come from, since no page adds them.
    assert "via het tabblad Scholen van een Excel-werkmap" in form.text
    assert "De Regenboog (12AB)" in form.text
    response = client.post(
        reverse("suppliers:product_create"),
        product_data(supplier, schools=[schools[0].pk, schools[2].pk]),
        follow=True,
    )
    assert "De Linde (56EF), De Regenboog (12AB)" in response.text
    product = supplier.products.get()
    assert sorted(s.brin for s in product.schools.all()) == ["12AB", "56EF"]
    assert schools[0].history.first().history_user == privacy_officer


def test_editing_moves_the_product_between_schools_and_shows_the_current_ones(
    privacy_officer, schools
):
    product = make_product("Leesstart")
    schools[0].products.add(product)
    client = client_for(privacy_officer)
    url = reverse("suppliers:product_edit", args=[product.pk])
    form = client.get(url)
    assert form.context["form"]["schools"].value() == [schools[0].pk]
    client.post(
        url, product_data(product.supplier, schools=[schools[1].pk], version=product.version)
    )
    assert [s.brin for s in product.schools.all()] == ["34CD"]


def test_unticking_every_school_leaves_the_product_at_none(privacy_officer, schools):
    product = make_product("Leesstart")
    schools[0].products.add(product)
    client_for(privacy_officer).post(
        reverse("suppliers:product_edit", args=[product.pk]),
        product_data(product.supplier, version=product.version),
    )
    assert not product.schools.exists()


def test_a_stale_edit_changes_no_school(privacy_officer, schools):
    product = make_product("Leesstart")
    client_for(privacy_officer).post(
        reverse("suppliers:product_edit", args=[product.pk]),
        product_data(product.supplier, schools=[schools[0].pk], version=product.version - 1),
    )
    assert not product.schools.exists()


def test_an_unknown_school_is_refused_and_nothing_is_saved(privacy_officer, schools):
    supplier = make_supplier()
    response = client_for(privacy_officer).post(
        reverse("suppliers:product_create"), product_data(supplier, schools=[999999])
    )
    assert response.status_code == 200
    assert "Selecteer een geldige keuze" in response.text
    assert not supplier.products.exists()
