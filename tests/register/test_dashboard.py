"""The dashboard: missing agreements first, open flags by severity and code, intakes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from agreements.models import AgreementStatus
from register.demo import load_demo
from register.intake import file_intake
from register.models import Organisation

from ..conftest import client_for, make_agreement, make_flow, make_product

pytestmark = pytest.mark.django_db

URL = reverse("dashboard")


def test_the_first_block_lists_products_without_an_approved_agreement(reader):
    load_demo()
    response = client_for(reader).get(URL)
    text = response.text
    first = text.index("Producten zonder goedgekeurde overeenkomst")
    assert first < text.index("open signaleringen")
    missing = {f.product.name: f.code for f in response.context["missing_agreement"]}
    assert missing == {
        "Muziekmaker": "no_agreement",
        "Toetsplein LOVS": "approval_outdated",
        "Schoolportaal Wijzer": "expired",
        "Klasbord": "not_approved",
        "Cloudwerk Office": "not_approved",
        "Oefenwereld Rekenen": "not_approved",
    }


def test_flags_are_counted_by_severity_and_code_and_link_to_their_subject(reader):
    load_demo()
    response = client_for(reader).get(URL)
    counts = {row["severity"]: row["count"] for row in response.context["severity_counts"]}
    assert counts == {"high": 7, "medium": 10, "low": 2}
    by_code = {row["code"]: row["count"] for row in response.context["code_counts"]}
    assert by_code["not_approved"] == 3 and by_code["register_incomplete"] == 3
    text = response.text
    flags = response.context["page"].object_list
    assert len(flags) == 19
    for flag in flags:
        assert flag.subject.get_absolute_url() in text
        assert escape(flag.message) in text


def test_the_counts_link_to_the_flag_list_filtered_by_code_or_severity(reader):
    load_demo()
    client = client_for(reader)
    text = client.get(URL).text
    assert 'href="?code=not_approved#flags"' in text
    assert 'href="?severity=medium#flags"' in text
    by_code = client.get(URL, {"code": "not_approved"})
    shown = by_code.context["page"].object_list
    assert {f.product.name for f in shown} == {
        "Klasbord",
        "Cloudwerk Office",
        "Oefenwereld Rekenen",
    }
    assert "3 signaleringen: Geen goedgekeurde overeenkomst" in by_code.text
    by_severity = client.get(URL, {"severity": "low"}).context["page"].object_list
    assert len(by_severity) == 2 and {f.severity for f in by_severity} == {"low"}
    # An unknown filter value shows every flag rather than an error.
    assert len(client.get(URL, {"code": "bogus"}).context["page"].object_list) == 19


def test_a_large_register_shows_50_flags_per_page_and_bounds_the_first_block(reader):
    for _ in range(60):
        make_product()  # in use, personal data, no agreement: no_agreement and more
    client = client_for(reader)
    response = client.get(URL)
    assert response.context["flag_count"] > 120
    assert len(response.context["page"].object_list) == 50
    assert len(response.context["missing_agreement"]) == 50
    assert response.context["missing_count"] == 60
    assert "bekijk alle 60 in de lijst van signaleringen" in response.text
    assert "Pagina 1 van" in response.text
    missing = client.get(URL, {"missing": "1", "page": "2"})
    assert len(missing.context["page"].object_list) == 10
    assert {f.code for f in missing.context["page"].object_list} == {"no_agreement"}
    # Page links keep the filter.
    assert "missing=1&amp;page=1" in missing.text


def test_a_register_without_flags_says_it_is_in_order(reader):
    # An empty register does not (test_dashboard_empty.py); a product that processes no
    # personal data needs no agreement.
    make_product("Rekenblokken", processes_personal_data=False)
    text = client_for(reader).get(URL).text
    assert "Geen open signaleringen" in text
    assert "heeft een geldende, goedgekeurde overeenkomst" in text


def test_intake_requests_are_shown_for_the_privacy_officer(privacy_officer, procurement):
    agreement = file_intake(
        name="Nieuwe App",
        supplier_name="App BV",
        intended_use="Oefenen",
        schools=[],
        user=procurement,
    )
    text = client_for(privacy_officer).get(URL).text
    assert "Nieuwe intakeverzoeken" in text
    assert agreement.reference in text and "Nieuwe App" in text
    # Requested, not submitted: the draft has not been submitted to the FG.
    assert "aangevraagd op" in text and "ingediend op" not in text


def test_the_intake_list_shows_the_20_newest_and_links_to_all_drafts(privacy_officer, procurement):
    for i in range(21):
        file_intake(
            name=f"App {i}",
            supplier_name="App BV",
            intended_use="Oefenen",
            schools=[],
            user=procurement,
        )
    response = client_for(privacy_officer).get(URL)
    assert len(response.context["intakes"]) == 20
    shown = {p.name for a in response.context["intakes"] for p in a.products.all()}
    assert "App 20" in shown and "App 0" not in shown
    assert "Hier staan de 20 nieuwste intakeverzoeken." in response.text
    assert "?status=concept" in response.text


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def _products(n: int) -> None:
    for i in range(n):
        product = make_product(status="voorgesteld" if i % 4 == 0 else "in_gebruik")
        make_flow(product, "eckId", "direct")
        make_flow(product, "mail", "direct")
        make_agreement(
            [product],
            status=AgreementStatus.APPROVED if i % 2 else AgreementStatus.DRAFT,
            attributes=("eckId",),
        )


def test_the_dashboard_uses_the_same_number_of_queries_for_8_or_80_products(fg):
    client = client_for(fg)
    Organisation.load()  # created on first use; not part of the page's cost
    _products(8)
    small = _queries(client)
    _products(72)
    assert _queries(client) == small


def test_the_dashboard_shows_flag_labels_and_attribute_labels_not_codes(reader):
    load_demo()
    text = client_for(reader).get(URL).text
    assert "Gegevensstroom buiten de overeenkomst" in text
    for code in ("no_agreement", "flow_exceeds_agreement", "register_incomplete"):
        assert f"<code>{code}</code>" not in text and f">{code}<" not in text
    # An attribute by its label first, its code after it.
    assert "Geboortedatum (<code>geboortedatum</code>)" in text


def test_a_flow_beyond_the_agreement_names_the_attribute_by_its_label_first(reader):
    load_demo()
    text = client_for(reader).get(URL).text
    assert "Attribuut Geboortedatum (geboortedatum) gaat naar" in text


def _rendered(response) -> set[str]:
    return {template.name for template in response.templates}


def test_the_flag_sections_are_rendered_once_until_the_register_changes(reader, fg):
    make_product("Rekenrijk")
    first = client_for(reader).get(URL)
    assert "register/_dashboard_flags.html" in _rendered(first)
    again = client_for(fg).get(URL)  # another user, another role: the same sections
    assert "register/_dashboard_flags.html" not in _rendered(again)
    assert "Rekenrijk" in again.text and "Wacht op uw besluit" in again.text
    make_product("Taalplein")
    changed = client_for(reader).get(URL)
    assert "register/_dashboard_flags.html" in _rendered(changed)
    assert "Rekenrijk" in changed.text and "Taalplein" in changed.text


def test_each_filter_and_page_of_the_flag_list_has_its_own_sections(reader):
    for _ in range(60):
        make_product()
    client = client_for(reader)
    client.get(URL)
    second_page = client.get(URL, {"page": "2"})
    assert "Pagina 2 van" in second_page.text
    by_code = client.get(URL, {"code": "no_agreement"})
    assert "signaleringen: Geen verwerkersovereenkomst" in by_code.text
    assert "Pagina 1 van" in client.get(URL).text
