"""The attribute pages (DESIGN.md 11.1): everyone reads the vocabulary, the privacy officer
adds and edits attributes; the code of an existing attribute is fixed."""

import pytest
from django.urls import reverse

from suppliers.models import Attribute

from ..conftest import client_for, make_flow, make_product

pytestmark = pytest.mark.django_db

LIST = reverse("suppliers:attribute_list")
CREATE = reverse("suppliers:attribute_create")


def edit_url(code: str) -> str:
    return reverse("suppliers:attribute_edit", args=[Attribute.objects.get(code=code).pk])


def test_the_list_shows_every_attribute_label_first_with_its_marks(reader):
    make_flow(make_product(), "eckId", "entree")
    response = client_for(reader).get(LIST)
    assert len(response.context["attributes"]) == Attribute.objects.count()
    assert "Godsdienst of levensovertuiging (<code>godsdienst</code>) · bijzonder" in response.text
    assert "(<code>eckId</code>) · ARP nodig" in response.text
    # A reader sees no add or edit links.
    assert CREATE not in response.text and edit_url("eckId") not in response.text


def test_the_privacy_officer_adds_an_attribute_of_the_board(privacy_officer):
    client = client_for(privacy_officer)
    assert CREATE in client.get(LIST).text
    response = client.post(
        CREATE,
        {
            "code": "schoenmaat",
            "label": "Schoenmaat",
            "category": "bijzonder",
            "standard": "eigen",
            "sensitive": "on",
            "special": "on",
        },
        follow=True,
    )
    assert "Attribuut schoenmaat is toegevoegd." in response.text
    attribute = Attribute.objects.get(code="schoenmaat")
    assert (attribute.sensitive, attribute.special, attribute.needs_arp) == (True, True, False)
    assert (
        attribute.sort_order
        > Attribute.objects.exclude(pk=attribute.pk)
        .order_by("-sort_order")
        .values_list("sort_order", flat=True)
        .first()
    )
    assert attribute.history.first().history_user == privacy_officer


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ECKID", "Er is al een attribuut met de code “eckId”."),
        ("geen", "betekent in de werkmap ‘geen attributen’"),
        ("schoen maat", "zonder spaties"),
        ("a;b", "zonder spaties"),
    ],
)
def test_a_code_that_cannot_be_told_apart_is_refused(privacy_officer, code, message):
    before = Attribute.objects.count()
    response = client_for(privacy_officer).post(
        CREATE, {"code": code, "label": "X", "category": "naam", "standard": "eigen"}
    )
    assert response.status_code == 200
    assert message in response.text
    assert Attribute.objects.count() == before


def test_the_privacy_officer_edits_an_attribute_but_not_its_code(privacy_officer):
    client = client_for(privacy_officer)
    url = edit_url("geboorteplaats")
    response = client.post(
        url,
        {
            "code": "birthplace",
            "label": "Geboorteplaats en -land",
            "category": "identificatie",
            "standard": "generiek",
            "sensitive": "on",
            "version": 1,
        },
    )
    assert response.url == LIST
    attribute = Attribute.objects.get(label="Geboorteplaats en -land")
    assert attribute.code == "geboorteplaats" and attribute.sensitive


def test_an_attribute_edit_over_someone_elses_is_refused_and_keeps_the_input(privacy_officer):
    url = edit_url("geboorteplaats")
    mine, theirs = client_for(privacy_officer), client_for(privacy_officer)
    page = mine.get(url)
    assert 'name="version" value="1"' in page.text
    data = {"label": "Geboorteplaats", "category": "identificatie", "standard": "generiek"}
    assert theirs.post(url, {**data, "label": "Eerst opgeslagen", "version": 1}).status_code == 302
    stale = mine.post(url, {**data, "label": "Later", "version": 1})
    assert stale.status_code == 200
    assert "iemand anders heeft dit attribuut gewijzigd" in stale.text
    assert 'value="Later"' in stale.text  # the input stays in the form
    assert Attribute.objects.get(code="geboorteplaats").label == "Eerst opgeslagen"
    # Opened again, the page carries the new version and the edit goes through.
    assert 'name="version" value="2"' in mine.get(url).text
    assert mine.post(url, {**data, "label": "Later", "version": 2}).status_code == 302
    assert Attribute.objects.get(code="geboorteplaats").label == "Later"


def test_the_list_counts_flows_per_data_subject_when_not_only_pupils(reader):
    product = make_product()
    make_flow(product, "mail", "direct", subject="leerling")
    make_flow(product, "mail", "direct", subject="ouder")
    make_flow(product, "eckId", "entree")
    response = client_for(reader).get(LIST)
    mail = next(a for a in response.context["attributes"] if a.code == "mail")
    assert (mail.flow_count, mail.leerling_flows, mail.ouder_flows) == (2, 1, 1)
    assert '2 <span class="help">(leerling 1 · ouder 1)</span>' in response.text
    # Pupils only: just the number.
    assert response.text.count('<span class="help">(leerling') == 1
