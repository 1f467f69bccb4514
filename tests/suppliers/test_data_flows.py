"""The data-flow checklist on the product page: attribute vocabulary x channels, once per data
subject (leerling / ouder / medewerker), one POST."""

import pytest
from django.urls import reverse

from suppliers.models import Attribute, DataFlow

from ..conftest import attrs, client_for, make_flow, make_product

pytestmark = pytest.mark.django_db


def key(code: str, channel: str, subject: str = "leerling") -> str:
    return f"{attrs(code)[0].pk}:{channel}:{subject}"


def save(client, product, *keys):
    return client.post(reverse("suppliers:product_flows", args=[product.pk]), {"flows": list(keys)})


def flows_of(product) -> set[tuple[str, str]]:
    return {(f.attribute.code, f.channel) for f in DataFlow.objects.filter(product=product)}


def subject_flows_of(product) -> set[tuple[str, str, str]]:
    return {
        (f.attribute.code, f.channel, f.subject) for f in DataFlow.objects.filter(product=product)
    }


def test_the_product_page_shows_a_checklist_of_every_attribute_per_channel(privacy_officer):
    product = make_product()
    make_flow(product, "eckId", "entree")
    response = client_for(privacy_officer).get(product.get_absolute_url())
    grids = response.context["grids"]
    assert [g["label"] for g in grids] == ["Leerling", "Ouder", "Medewerker"]
    for grid in grids:
        assert len(grid["rows"]) == Attribute.objects.count()
        assert all(len(row["cells"]) == 5 for row in grid["rows"])
    checked = [c["value"] for g in grids for row in g["rows"] for c in row["cells"] if c["checked"]]
    assert checked == [key("eckId", "entree")]


def test_sensitive_attributes_are_marked(privacy_officer):
    product = make_product()
    response = client_for(privacy_officer).get(product.get_absolute_url())
    marked = {
        row["attribute"].code
        for row in response.context["grids"][0]["rows"]
        if row["attribute"].sensitive
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
    # Marked in each subject's checklist.
    assert response.text.count("sensitive-row") == 3 * len(marked)


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


def test_two_tabs_saving_the_checklist_keep_each_others_changes(privacy_officer):
    """Each page sends what it showed ticked; a save applies only what its user changed, so
    a flow ticked in the other tab is not removed by a page that never showed it."""
    import re

    product = make_product()
    make_flow(product, "eckId", "entree")
    client = client_for(privacy_officer)
    page = client.get(product.get_absolute_url()).content.decode()
    shown = re.search(r'name="shown" value="([^"]*)"', page).group(1)
    assert shown == key("eckId", "entree")
    url = reverse("suppliers:product_flows", args=[product.pk])

    # Tab A ticks givenName; tab B, opened before, ticks sn.
    client.post(
        url, {"flows": [key("eckId", "entree"), key("givenName", "entree")], "shown": shown}
    )
    client.post(url, {"flows": [key("eckId", "entree"), key("sn", "entree")], "shown": shown})

    assert flows_of(product) == {("eckId", "entree"), ("givenName", "entree"), ("sn", "entree")}
    # And an unticked box that was shown is still a removal.
    client.post(
        url,
        {
            "flows": [key("sn", "entree")],
            "shown": " ".join([key("eckId", "entree"), key("sn", "entree")]),
        },
    )
    assert flows_of(product) == {("givenName", "entree"), ("sn", "entree")}


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


def test_parents_and_pupils_mail_through_one_channel_are_two_flows(privacy_officer):
    product = make_product(name="Ouderapp")
    client = client_for(privacy_officer)
    save(client, product, key("mail", "direct", "leerling"), key("mail", "direct", "ouder"))
    assert subject_flows_of(product) == {
        ("mail", "direct", "leerling"),
        ("mail", "direct", "ouder"),
    }
    page = client.get(product.get_absolute_url())
    # The parents' checklist opens by itself, as it holds a flow; the staff one stays closed.
    assert 'id="gegevensstromen-ouder" open' in page.text
    assert 'id="gegevensstromen-medewerker">' in page.text
    assert "Ouder: 1 gegevensstroom" in page.text
    # Unticking the parents' flow leaves the pupils' one.
    save(client, product, key("mail", "direct", "leerling"))
    assert subject_flows_of(product) == {("mail", "direct", "leerling")}


def test_a_reader_sees_whose_data_flows(reader):
    product = make_product()
    make_flow(product, "mail", "direct", subject="ouder")
    make_flow(product, "mail", "direct", subject="leerling")
    page = client_for(reader).get(product.get_absolute_url())
    assert '<th scope="col">Betrokkene</th>' in page.text
    assert page.text.count("<td>Directe koppeling</td><td>Ouder</td>") == 1
    assert page.text.count("<td>Directe koppeling</td><td>Leerling</td>") == 1


def test_a_reader_sees_the_flows_without_the_checklist(reader):
    product = make_product()
    make_flow(product, "mail", "direct")
    page = client_for(reader).get(product.get_absolute_url()).text
    assert "<td>Directe koppeling</td><td>Leerling</td>" in page
    assert reverse("suppliers:product_flows", args=[product.pk]) not in page
    assert 'name="flows"' not in page


def test_the_history_names_the_subject(privacy_officer):
    product = make_product()
    save(client_for(privacy_officer), product, key("mail", "direct", "medewerker"))
    page = client_for(privacy_officer).get(product.get_absolute_url())
    # The attribute by its label first (issue 17), then the channel and the subject.
    assert "(<code>mail</code>) · Directe koppeling · Medewerker" in page.text


@pytest.mark.parametrize("persona", ["privacy_officer", "fg", "procurement", "reader"])
def test_opening_the_flows_address_goes_to_the_checklist(persona, personas):
    product = make_product()
    url = reverse("suppliers:product_flows", args=[product.pk])
    response = client_for(personas[persona]).get(url, follow=True)
    assert response.redirect_chain == [(f"{product.get_absolute_url()}#gegevensstromen", 302)]
    assert response.status_code == 200
    assert "Gegevensstromen" in response.text


def test_a_subject_outside_the_list_is_refused(privacy_officer):
    product = make_product()
    response = save(client_for(privacy_officer), product, key("mail", "direct", "grootouder"))
    assert response.status_code == 200
    assert "Laad de pagina opnieuw" in response.text
    assert flows_of(product) == set()


def test_after_saving_the_page_says_what_changed_in_the_section_it_opens_at(privacy_officer):
    """The page opens at the checklist, far below the top: the confirmation stands there."""
    product = make_product()
    client = client_for(privacy_officer)
    page = client.get(save(client, product, key("eckId", "entree")).url).content.decode()
    section = page[page.index('id="gegevensstromen"') :]
    top = page[: page.index('id="gegevensstromen"')]
    assert "Gegevensstromen opgeslagen: 1 toegevoegd, 0 verwijderd." in section
    assert "Gegevensstromen opgeslagen" not in top
    page = client.get(save(client, product, key("eckId", "entree")).url).content.decode()
    assert (
        "Er is niets veranderd aan de gegevensstromen."
        in page[page.index('id="gegevensstromen"') :]
    )


def test_a_checkbox_is_named_by_the_attributes_dutch_label_for_a_screen_reader(privacy_officer):
    product = make_product()
    page = client_for(privacy_officer).get(product.get_absolute_url()).content.decode()
    assert "Voornaam (givenName) via Basispoort (Leerling)" in page
