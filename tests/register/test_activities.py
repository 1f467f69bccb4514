"""The processing register pages (Art. 30(1) AVG) and the organisation page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from register.models import Organisation, ProcessingActivity
from tests.conftest import client_for, make_product, make_supplier

pytestmark = pytest.mark.django_db

LIST_URL = reverse("register:activity_list")
CREATE_URL = reverse("register:activity_create")

COMPLETE = {
    "purposes": "Oefenen",
    "legal_bases": ["algemeen_belang"],
    "data_subjects": "Leerlingen",
    "personal_data": "Naam, groep",
    "recipients": "geen",
    "retention": "1 jaar",
    "security_measures": "MFA",
}


def test_the_list_names_the_missing_fields_of_an_incomplete_activity(reader):
    ProcessingActivity.objects.create(name="Volledig", **COMPLETE)
    ProcessingActivity.objects.create(name="Half", purposes="Iets")
    page = client_for(reader).get(LIST_URL).content.decode()
    assert "1 verwerking mist verplichte gegevens" in page
    assert "ontbreekt: grondslag, betrokkenen, persoonsgegevens, ontvangers, bewaartermijn" in page
    assert "Volledig</a>" in page


def test_the_list_counts_the_products_in_no_activity_as_the_flags_do(reader):
    """The dashboard's "Verwerkingsregister onvolledig" counts activities and products; the
    register page names both, so that its counts add up to the dashboard's."""
    from register.rules import compute_flags

    linked = make_product("Gekoppeld", status="in_gebruik")
    make_product("Los", status="in_gebruik")
    make_product("Voorgesteld", status="voorgesteld")
    activity = ProcessingActivity.objects.create(name="Half", purposes="Iets")
    activity.products.add(linked)
    page = client_for(reader).get(LIST_URL).content.decode()
    assert "1 verwerking mist verplichte gegevens" in page
    assert "1 product in gebruik dat persoonsgegevens verwerkt, staat bij geen enkele" in page
    assert '?code=register_incomplete">Toon de signaleringen' in page
    flags = [f for f in compute_flags() if f.code == "register_incomplete"]
    assert sorted((f.product or f.activity).name for f in flags) == ["Half", "Los"]


def test_the_list_can_show_only_the_incomplete_activities(reader):
    ProcessingActivity.objects.create(name="Volledig", **COMPLETE)
    ProcessingActivity.objects.create(name="Half", purposes="Iets")
    page = client_for(reader).get(LIST_URL, {"onvolledig": "1"}).content.decode()
    assert "Half</a>" in page and "Volledig</a>" not in page


def test_the_list_searches_names_purposes_and_linked_products(reader):
    product = make_product("Rekenrijk")
    ProcessingActivity.objects.create(name="Oefenen").products.add(product)
    ProcessingActivity.objects.create(name="Administratie", purposes="Leerlingdossier")
    client = client_for(reader)
    assert "Oefenen</a>" in client.get(LIST_URL, {"q": "rekenrijk"}).content.decode()
    page = client.get(LIST_URL, {"q": "dossier"}).content.decode()
    assert "Administratie</a>" in page and "Oefenen</a>" not in page
    assert "Geen verwerkingen gevonden" in client.get(LIST_URL, {"q": "xyz"}).content.decode()


def test_the_list_sorts_by_name_both_ways_and_ignores_unknown_sorts(reader):
    for name in ("Bravo", "Alfa", "Charlie"):
        ProcessingActivity.objects.create(name=name)
    client = client_for(reader)

    def order(sort):
        page = client.get(LIST_URL, {"sort": sort}).context["page"]
        return [a.name for a in page.object_list]

    assert order("naam") == ["Alfa", "Bravo", "Charlie"]
    assert order("-naam") == ["Charlie", "Bravo", "Alfa"]
    assert order("'; drop table") == ["Alfa", "Bravo", "Charlie"]


def test_the_list_is_paginated(reader):
    for i in range(55):
        ProcessingActivity.objects.create(name=f"Verwerking {i:02d}")
    client = client_for(reader)
    first = client.get(LIST_URL)
    assert len(first.context["page"].object_list) == 50
    assert "Pagina 1 van 2" in first.content.decode()
    assert len(client.get(LIST_URL, {"page": 2}).context["page"].object_list) == 5


def test_an_empty_register_invites_the_privacy_officer_to_start_or_import(privacy_officer):
    page = client_for(privacy_officer).get(LIST_URL).content.decode()
    assert "Nog geen verwerkingen vastgelegd" in page
    assert "importeer uw bestaande register uit Excel" in page


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST_URL).status_code == 200
    return len(queries)


def test_the_list_uses_the_same_number_of_queries_for_few_and_many_activities(reader):
    client = client_for(reader)
    _list_queries(client)  # the first visit creates the session and the organisation row
    product = make_product()
    for i in range(2):
        ProcessingActivity.objects.create(name=f"A{i}").products.add(product)
    few = _list_queries(client)
    for i in range(30):
        ProcessingActivity.objects.create(name=f"B{i}").products.add(product)
    assert _list_queries(client) == few


def test_the_detail_shows_the_fields_products_missing_fields_and_history(reader, privacy_officer):
    product = make_product("Rekenrijk", supplier=make_supplier("Noorderlicht"))
    activity = ProcessingActivity.objects.create(name="Oefenen", purposes="Oefenen")
    activity.products.add(product)
    client_for(privacy_officer).post(
        reverse("register:activity_edit", args=[activity.pk]),
        {
            "name": "Oefenen",
            "purposes": "Oefenen",
            "retention": "1 jaar",
            "version": 1,
            "products": [product.pk],
        },
    )
    page = client_for(reader).get(activity.get_absolute_url()).content.decode()
    assert "Rekenrijk</a> (Noorderlicht)" in page
    assert (
        "Nog in te vullen: grondslag, betrokkenen, persoonsgegevens, ontvangers, "
        "beveiligingsmaatregelen" in page
    )
    assert "Gewijzigd: bewaartermijn" in page
    assert "Privacy_Officer" in page


def test_the_privacy_officer_creates_an_activity_with_linked_products(privacy_officer):
    product = make_product("Rekenrijk")
    response = client_for(privacy_officer).post(
        CREATE_URL, {"name": "Oefenen", **COMPLETE, "products": [product.pk]}
    )
    activity = ProcessingActivity.objects.get(name="Oefenen")
    assert response.status_code == 302 and response["Location"] == activity.get_absolute_url()
    assert list(activity.products.all()) == [product]
    assert activity.missing_fields() == []
    assert {h.history_user for h in activity.history.all()} == {privacy_officer}


def test_a_last_review_in_the_future_is_refused(privacy_officer):
    import datetime

    from django.utils import timezone

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client_for(privacy_officer).post(
        CREATE_URL, {"name": "Oefenen", **COMPLETE, "last_reviewed_on": tomorrow.isoformat()}
    )
    assert "De datum van de laatste beoordeling" in response.content.decode()
    assert not ProcessingActivity.objects.exists()


def test_an_activity_name_must_be_unique_whatever_its_case(privacy_officer):
    ProcessingActivity.objects.create(name="Oefenen")
    response = client_for(privacy_officer).post(CREATE_URL, {"name": "OEFENEN"})
    assert response.status_code == 200
    assert "Er bestaat al een verwerking met deze naam" in response.content.decode()
    assert ProcessingActivity.objects.count() == 1


@pytest.mark.parametrize("role", ["reader", "procurement", "fg"])
def test_only_the_privacy_officer_may_create_or_edit(personas, role):
    activity = ProcessingActivity.objects.create(name="Oefenen")
    client = client_for(personas[role])
    assert client.get(CREATE_URL).status_code == 403
    edit = reverse("register:activity_edit", args=[activity.pk])
    assert client.post(edit, {"name": "Gewijzigd"}).status_code == 403
    assert ProcessingActivity.objects.get().name == "Oefenen"
    assert "Nieuwe verwerking" not in client.get(LIST_URL).content.decode()


def test_an_edit_made_from_an_outdated_form_is_refused(privacy_officer):
    activity = ProcessingActivity.objects.create(name="Oefenen")
    client = client_for(privacy_officer)
    edit = reverse("register:activity_edit", args=[activity.pk])
    assert (
        client.post(edit, {"name": "Oefenen", "retention": "1 jaar", "version": 1}).status_code
        == 302
    )
    stale = client.post(edit, {"name": "Oefenen", "retention": "5 jaar", "version": 1})
    assert stale.status_code == 200
    assert "iemand anders heeft deze verwerking gewijzigd" in stale.content.decode()
    assert ProcessingActivity.objects.get().retention == "1 jaar"


def test_the_organisation_and_its_fg_are_shown_and_editable_by_the_privacy_officer(
    reader, privacy_officer
):
    Organisation(name="Stichting Test", fg_name="Fenna").save()
    page = client_for(reader).get(reverse("register:organisation")).content.decode()
    assert "Stichting Test" in page and "Fenna" in page and "Wijzigen" not in page
    edit = reverse("register:organisation_edit")
    assert client_for(reader).post(edit, {"name": "Kaping"}).status_code == 403
    response = client_for(privacy_officer).post(
        edit,
        {
            "name": "Stichting Test",
            "contact": "Dorpsstraat 1",
            "fg_name": "Fenna de Vries",
            "version": 1,
        },
    )
    assert response.status_code == 302
    organisation = Organisation.load()
    assert organisation.fg_name == "Fenna de Vries"
    assert organisation.history.first().history_user == privacy_officer
    assert "Fenna de Vries" in client_for(reader).get(LIST_URL).content.decode()


def test_the_first_save_of_the_organisation_needs_no_version_and_a_stale_edit_is_refused(
    privacy_officer,
):
    edit = reverse("register:organisation_edit")
    mine, theirs = client_for(privacy_officer), client_for(privacy_officer)
    assert not Organisation.objects.exists()
    assert 'name="version" value="1"' in mine.get(edit).content.decode()
    first = theirs.post(edit, {"name": "Stichting Eerst", "fg_name": "Fenna", "version": 1})
    assert first.status_code == 302  # creates the row
    second = theirs.post(edit, {"name": "Stichting Eerst", "fg_name": "Fenna", "version": 1})
    assert second.status_code == 302 and Organisation.load().version == 2
    # A form opened before those saves does not write over them.
    stale = mine.post(edit, {"name": "Stichting Later", "fg_name": "Frits", "version": 1})
    assert stale.status_code == 200
    page = stale.content.decode()
    assert "iemand anders heeft de gegevens van de organisatie gewijzigd" in page
    assert 'value="Stichting Later"' in page
    assert (Organisation.load().name, Organisation.load().fg_name) == ("Stichting Eerst", "Fenna")


def test_searching_by_product_keeps_the_product_count_right(reader):
    products = [make_product(f"Reken {i}") for i in range(3)]
    ProcessingActivity.objects.create(name="Oefenen").products.set(products)
    page = client_for(reader).get(LIST_URL, {"q": "reken"}).context["page"]
    assert [(a.name, a.product_count) for a in page.object_list] == [("Oefenen", 3)]


# --- the product picker of the activity form ---------------------------------------------


def _edit_url(activity) -> str:
    return reverse("register:activity_edit", args=[activity.pk])


def _checkboxes(response) -> dict[str, bool]:
    """The product checkboxes on the form: label -> checked."""
    page = response.content.decode()
    boxes = re.findall(
        r'<input type="checkbox" name="products" value="\d+" id="(id_products_\d+)"( checked)?>'
        r' <label class="inline" for="\1">([^<]+)</label>',
        page,
    )
    return {label: bool(checked) for _id, checked, label in boxes}


def test_the_form_shows_only_the_linked_products_not_the_whole_register(privacy_officer):
    linked = make_product("Rekenrijk", supplier=make_supplier("Noorderlicht"))
    for i in range(5):
        make_product(f"Ander product {i}")
    activity = ProcessingActivity.objects.create(name="Oefenen")
    activity.products.add(linked)
    response = client_for(privacy_officer).get(_edit_url(activity))
    assert _checkboxes(response) == {"Noorderlicht / Rekenrijk": True}
    assert "Ander product" not in response.content.decode()


def test_a_product_found_by_name_or_supplier_is_linked_on_save(privacy_officer):
    rekenrijk = make_product("Rekenrijk", supplier=make_supplier("Noorderlicht"))
    taalwijs = make_product("Taalwijs", supplier=make_supplier("Zuiderzon"))
    activity = ProcessingActivity.objects.create(name="Oefenen")
    client = client_for(privacy_officer)
    entered = {"name": "Oefenen", "purposes": "Nieuw doel", "version": 1}

    found = client.post(
        _edit_url(activity), {**entered, "product_zoekterm": "zuider", "zoek_producten": "1"}
    )
    assert found.status_code == 200
    assert _checkboxes(found) == {"Zuiderzon / Taalwijs": False}
    page = found.content.decode()
    assert "Nieuw doel</textarea>" in page  # what was entered is kept
    assert 'value="zuider"' in page
    assert ProcessingActivity.objects.get().purposes == ""  # a search saves nothing

    by_name = client.post(
        _edit_url(activity), {**entered, "product_zoekterm": "rekenr", "zoek_producten": "1"}
    )
    assert _checkboxes(by_name) == {"Noorderlicht / Rekenrijk": False}

    saved = client.post(_edit_url(activity), {**entered, "products": [taalwijs.pk]})
    assert saved.status_code == 302
    activity.refresh_from_db()
    assert list(activity.products.all()) == [taalwijs]
    assert activity.purposes == "Nieuw doel"
    assert rekenrijk not in activity.products.all()


def test_a_search_keeps_the_ticked_products_and_does_not_offer_them_again(privacy_officer):
    supplier = make_supplier("Noorderlicht")
    alfa = make_product("Alfa", supplier)
    make_product("Beta", supplier)
    response = client_for(privacy_officer).post(
        CREATE_URL,
        {
            "name": "Nieuw",
            "products": [alfa.pk],
            "product_zoekterm": "noorder",
            "zoek_producten": "1",
        },
    )
    assert _checkboxes(response) == {"Noorderlicht / Alfa": True, "Noorderlicht / Beta": False}
    assert not ProcessingActivity.objects.exists()


def test_unticking_a_linked_product_unlinks_it_and_the_history_records_it(privacy_officer):
    keep, drop = make_product("Houden"), make_product("Weg")
    activity = ProcessingActivity.objects.create(name="Oefenen")
    activity.products.set([keep, drop])
    response = client_for(privacy_officer).post(
        _edit_url(activity), {"name": "Oefenen", "version": 1, "products": [keep.pk]}
    )
    assert response.status_code == 302
    assert list(activity.products.all()) == [keep]
    latest = activity.history.first()
    assert [row.product_id for row in latest.products.all()] == [keep.pk]
    assert latest.history_user == privacy_officer


def test_a_search_that_finds_nothing_or_too_much_says_so(privacy_officer):
    supplier = make_supplier("Groothandel")
    for i in range(30):
        make_product(f"Pakket {i:02d}", supplier)
    client = client_for(privacy_officer)
    many = client.post(
        CREATE_URL, {"name": "X", "product_zoekterm": "pakket", "zoek_producten": "1"}
    )
    assert list(_checkboxes(many)) == [f"Groothandel / Pakket {i:02d}" for i in range(25)]
    assert "Alleen de eerste 25 producten staan hier" in many.content.decode()
    none = client.post(CREATE_URL, {"name": "X", "product_zoekterm": "xyz", "zoek_producten": "1"})
    assert "Geen ander product gevonden bij ‘xyz’" in none.content.decode()
    assert _checkboxes(none) == {}


def test_a_product_that_no_longer_exists_is_refused_with_a_message(privacy_officer):
    response = client_for(privacy_officer).post(
        CREATE_URL, {"name": "Oefenen", **COMPLETE, "products": ["999999"]}
    )
    assert response.status_code == 200
    assert "staat niet (meer) in het register" in response.content.decode()
    assert not ProcessingActivity.objects.exists()


def test_a_stale_edit_is_still_refused_after_a_product_search(privacy_officer):
    activity = ProcessingActivity.objects.create(name="Oefenen")
    client = client_for(privacy_officer)
    searched = client.post(
        _edit_url(activity),
        {"name": "Oefenen", "version": 1, "product_zoekterm": "a", "zoek_producten": "1"},
    )
    assert 'name="version" value="1"' in searched.content.decode()
    ProcessingActivity.objects.filter(pk=activity.pk).update(version=2)
    stale = client.post(_edit_url(activity), {"name": "Oefenen", "version": 1, "retention": "x"})
    assert "iemand anders heeft deze verwerking gewijzigd" in stale.content.decode()


def _form_cost(client, url, data=None) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data) if data else client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.content)


def test_the_form_costs_the_same_queries_and_bytes_for_a_small_or_large_register(
    privacy_officer,
):
    supplier = make_supplier("Noorderlicht")
    activity = ProcessingActivity.objects.create(name="Oefenen")
    activity.products.set([make_product(f"Gekoppeld {i}", supplier) for i in range(2)])
    make_product("Zoekbaar 1", supplier)
    client = client_for(privacy_officer)
    search = {
        "name": "Oefenen",
        "version": 1,
        "product_zoekterm": "zoekbaar",
        "zoek_producten": "1",
    }
    client.get(_edit_url(activity))  # the session
    small = [
        _form_cost(client, _edit_url(activity)),
        _form_cost(client, _edit_url(activity), search),
    ]
    small_new = _form_cost(client, CREATE_URL)
    for i in range(60):
        make_product(f"Ander product {i:02d}", make_supplier(f"Leverancier {i:02d}"))
    large = [
        _form_cost(client, _edit_url(activity)),
        _form_cost(client, _edit_url(activity), search),
    ]
    assert large == small
    assert _form_cost(client, CREATE_URL) == small_new


def test_the_form_takes_several_legal_bases_the_art_9_exception_dpia_and_last_review(
    privacy_officer, reader
):
    response = client_for(privacy_officer).post(
        CREATE_URL,
        {
            "name": "Schoolfoto's",
            **{key: value for key, value in COMPLETE.items() if key != "legal_bases"},
            "legal_bases": ["wettelijke_plicht", "toestemming"],
            "special_category_exception": "Art. 9 lid 2 sub a AVG (uitdrukkelijke toestemming)",
            "dpia": "niet_nodig",
            "last_reviewed_on": "2026-03-05",
        },
    )
    assert response.status_code == 302
    activity = ProcessingActivity.objects.get(name="Schoolfoto's")
    assert activity.legal_bases == ["toestemming", "wettelijke_plicht"]
    assert activity.dpia == "niet_nodig"
    assert activity.missing_fields() == []
    listed = client_for(reader).get(LIST_URL).content.decode()
    assert "Toestemming, Wettelijke verplichting" in listed


def test_an_unknown_legal_basis_is_refused_and_nothing_is_saved(privacy_officer):
    response = client_for(privacy_officer).post(
        CREATE_URL, {"name": "Oefenen", "legal_bases": ["omdat_het_kan"]}
    )
    assert response.status_code == 200
    assert "omdat_het_kan" in response.content.decode()
    assert not ProcessingActivity.objects.exists()


def test_recipients_are_required_and_geen_is_an_answer():
    without = ProcessingActivity.objects.create(name="Zonder", **{**COMPLETE, "recipients": ""})
    none = ProcessingActivity.objects.create(name="Geen", **{**COMPLETE, "recipients": "geen"})
    assert without.missing_fields() == ["ontvangers"]
    assert none.missing_fields() == []
    assert list(ProcessingActivity.objects.incomplete()) == [without]


def test_the_form_names_every_field_it_requires_and_dates_read_in_words(privacy_officer):
    # The intro listed six of the seven required fields; the missing one (ontvangers) then
    # surprised the user as "Onvolledig".
    page = client_for(privacy_officer).get(reverse("register:activity_create")).content.decode()
    intro = page.split('<p class="lead">', 1)[1].split("</p>", 1)[0].lower()
    for name in ProcessingActivity.REQUIRED_FIELDS:
        assert str(ProcessingActivity._meta.get_field(name).verbose_name) in intro, name
    activity = ProcessingActivity.objects.create(
        name="Oefenen", last_reviewed_on=datetime.date(2026, 11, 1)
    )
    page = client_for(privacy_officer).get(activity.get_absolute_url()).content.decode()
    assert "1 november 2026" in page and "01-11-2026" not in page
