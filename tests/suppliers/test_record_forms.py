"""The supplier and product forms: one page shape (suppliers/_edit_form.html) and one save
(new record, edit, stale edit) for both."""

import pytest
from django.urls import reverse

from ..conftest import client_for, make_product, make_supplier

pytestmark = pytest.mark.django_db


def a_supplier():
    supplier = make_supplier("Uitgeverij Zon")
    new = {"name": "Uitgeverij Maan", "convenant": "deelnemer"}
    return (
        supplier,
        "supplier",
        new,
        "Nieuwe leverancier",
        "Leverancier Uitgeverij Maan is toegevoegd.",
    )


def a_product():
    product = make_product("Rekenrijk")
    new = {
        "supplier": product.supplier.pk,
        "name": "Woordenschat",
        "kind": "leermiddel",
        "access_channel": "entree",
        "status": "in_gebruik",
    }
    return product, "product", new, "Nieuw product", "Product Woordenschat is toegevoegd."


@pytest.mark.parametrize("make", [a_supplier, a_product])
def test_the_new_page_leads_back_to_the_list_and_says_what_was_added(make, privacy_officer):
    _record, kind, new, heading, added = make()
    client = client_for(privacy_officer)
    list_url = reverse(f"suppliers:{kind}_list")
    page = client.get(reverse(f"suppliers:{kind}_create")).text
    assert f"<h1>{heading}</h1>" in page
    assert f'<p class="breadcrumbs"><a href="{list_url}">' in page
    assert f'<a class="button" href="{list_url}">Annuleren</a>' in page
    response = client.post(reverse(f"suppliers:{kind}_create"), new, follow=True)
    assert added in response.text


@pytest.mark.parametrize("make", [a_supplier, a_product])
def test_the_edit_page_leads_back_to_the_record_and_refuses_a_stale_edit(make, privacy_officer):
    record, kind, _new, _heading, _added = make()
    client = client_for(privacy_officer)
    url = reverse(f"suppliers:{kind}_edit", args=[record.pk])
    page = client.get(url)
    assert f"<h1>{record.name} wijzigen</h1>" in page.text
    assert f'› <a href="{record.get_absolute_url()}">{record.name}</a></p>' in page.text
    assert f'<a class="button" href="{record.get_absolute_url()}">Annuleren</a>' in page.text
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: value for name, value in data.items() if value is not None and value is not False}
    stale = client.post(url, {**data, "name": "Later", "version": record.version - 1})
    assert "iemand anders heeft" in stale.text and 'value="Later"' in stale.text
    saved = client.post(url, {**data, "name": "Later"}, follow=True)
    assert saved.redirect_chain[-1][0] == record.get_absolute_url()
    assert "De wijzigingen zijn opgeslagen." in saved.text
