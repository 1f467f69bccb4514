"""The data-flow checklist on the product page: attribute vocabulary x channels, one POST."""

import pytest
from django.urls import reverse

from suppliers.models import Attribute, DataFlow

from ..conftest import attrs, client_for, make_flow, make_product

pytestmark = pytest.mark.django_db


def key(code: str, channel: str) -> str:
    return f"{attrs(code)[0].pk}:{channel}"


def save(client, product, *keys):
    return client.post(reverse("suppliers:product_flows", args=[product.pk]), {"flows": list(keys)})


def flows_of(product) -> set[tuple[str, str]]:
    return {(f.attribute.code, f.channel) for f in DataFlow.objects.filter(product=product)}


def test_the_product_page_shows_a_checklist_of_every_attribute_per_channel(privacy_officer):
    product = make_product()
    make_flow(product, "eckId", "entree")
    response = client_for(privacy_officer).get(product.get_absolute_url())
    grid = response.context["grid"]
    assert len(grid) == Attribute.objects.count()
    assert all(len(row["cells"]) == 5 for row in grid)
    checked = [c["value"] for row in grid for c in row["cells"] if c["checked"]]
    assert checked == [key("eckId", "entree")]


def test_sensitive_attributes_are_marked(privacy_officer):
    product = make_product()
    response = client_for(privacy_officer).get(product.get_absolute_url())
    marked = {
        row["attribute"].code for row in response.context["grid"] if row["attribute"].sensitive
    }
    assert marked == {
        "gezondheid",
        "bsn_pgn",
        "foto",
        "video",
        "godsdienst",
        "financieel",
        "bankrekeningnummer",
        "ontwikkelingsperspectief",
    }
    assert response.text.count("sensitive-row") == len(marked)


def test_one_post_adds_and_removes_flows_with_history(privacy_officer):
    product = make_product()
    make_flow(product, "eckId", "entree")
    make_flow(product, "mail", "direct")
    response = save(
        client_for(privacy_officer),
        product,
        key("eckId", "entree"),
        key("givenName", "entree"),
        key("geboortedatum", "direct"),
    )
    assert response.status_code == 302
    assert flows_of(product) == {
        ("eckId", "entree"),
        ("givenName", "entree"),
        ("geboortedatum", "direct"),
    }
    history = DataFlow.history.filter(product_id=product.pk)
    assert history.filter(history_type="+", history_user=privacy_officer).count() == 2
    assert history.filter(history_type="-", history_user=privacy_officer).count() == 1


def test_the_new_flows_change_the_products_flags(privacy_officer):
    product = make_product()
    client = client_for(privacy_officer)
    before = client.get(product.get_absolute_url())
    assert "flows_unknown" in {f.code for f in before.context["flags"]}
    save(client, product, key("eckId", "entree"))
    after = client.get(product.get_absolute_url())
    assert "flows_unknown" not in {f.code for f in after.context["flags"]}


def test_a_value_outside_the_checklist_is_refused_and_nothing_changes(privacy_officer):
    product = make_product()
    make_flow(product, "eckId", "entree")
    response = save(client_for(privacy_officer), product, key("mail", "entree"), "999999:entree")
    assert response.status_code == 200
    assert "Laad de pagina opnieuw" in response.text
    assert flows_of(product) == {("eckId", "entree")}


def test_unticking_everything_removes_all_flows(privacy_officer):
    product = make_product()
    make_flow(product, "eckId", "entree")
    save(client_for(privacy_officer), product)
    assert flows_of(product) == set()


@pytest.mark.parametrize("persona", ["fg", "procurement", "reader"])
def test_only_the_privacy_officer_may_change_flows(persona, personas):
    product = make_product()
    client = client_for(personas[persona])
    assert save(client, product, key("eckId", "entree")).status_code == 403
    assert flows_of(product) == set()
    assert "Gegevensstromen opslaan" not in client.get(product.get_absolute_url()).text
