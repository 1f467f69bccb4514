"""'Overeenkomst toevoegen' on the supplier and product pages (issue 17): the form opens with
that supplier (and product) chosen, for whoever may add an agreement."""

import html

import pytest
from django.urls import reverse

from agreements.models import Agreement

from ..conftest import client_for, make_product, make_supplier

pytestmark = pytest.mark.django_db

CREATE = reverse("agreements:agreement_create")


def add_links(text: str) -> list[str]:
    """The addresses of the 'Overeenkomst toevoegen' links of a page."""
    text = html.unescape(text)
    return [
        part.split('"', 1)[0]
        for part in text.split('href="')[1:]
        if part.split('"', 1)[1].startswith(">Overeenkomst toevoegen")
    ]


def test_a_new_suppliers_page_offers_an_agreement_for_that_supplier(privacy_officer):
    supplier = make_supplier("Nieuw Leermiddel BV")
    client = client_for(privacy_officer)
    page = client.get(supplier.get_absolute_url())
    links = add_links(page.text)
    # In the action bar and beside the empty list of agreements.
    assert links == [f"{CREATE}?supplier={supplier.pk}"] * 2
    form = client.get(links[0])
    assert form.status_code == 200
    assert form.context["form"]["supplier"].value() == supplier.pk


def test_a_new_products_page_offers_an_agreement_covering_that_product(privacy_officer):
    supplier = make_supplier("Nieuw Leermiddel BV")
    product = make_product("Leesstart", supplier)
    other = make_product("Rekenstart", supplier)
    client = client_for(privacy_officer)
    links = add_links(client.get(product.get_absolute_url()).text)
    assert links == [f"{CREATE}?supplier={supplier.pk}&product={product.pk}"] * 2
    form = client.get(links[0])
    assert form.context["form"]["supplier"].value() == supplier.pk
    assert form.context["form"]["products"].value() == [product.pk]
    checked = html.unescape(form.text)
    assert f'value="{product.pk}"' in checked and f'value="{other.pk}"' in checked
    assert checked.count("checked") >= 1


def test_the_product_of_another_supplier_is_not_chosen(privacy_officer):
    supplier = make_supplier("Alfa")
    stranger = make_product("Vreemd", make_supplier("Beta"))
    form = client_for(privacy_officer).get(
        CREATE, {"supplier": supplier.pk, "product": stranger.pk}
    )
    assert form.status_code == 200
    assert not form.context["form"]["products"].value()


def test_the_agreement_made_from_a_product_page_covers_it(privacy_officer):
    product = make_product("Leesstart")
    response = client_for(privacy_officer).post(
        CREATE,
        {
            "reference": "VO-LEES",
            "supplier": product.supplier.pk,
            "products": [product.pk],
            "model": "convenant_4",
            "sub-TOTAL_FORMS": 0,
            "sub-INITIAL_FORMS": 0,
        },
    )
    agreement = Agreement.objects.get(reference="VO-LEES")
    assert response.status_code == 302
    assert list(agreement.products.all()) == [product]


@pytest.mark.parametrize("persona", ["fg", "procurement", "reader"])
def test_others_see_no_add_action(persona, personas):
    product = make_product()
    client = client_for(personas[persona])
    assert add_links(client.get(product.get_absolute_url()).text) == []
    assert add_links(client.get(product.supplier.get_absolute_url()).text) == []
