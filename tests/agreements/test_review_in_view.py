"""The FG reviews with everything in view (issue 17): per covered product the flows against
the agreed attributes, every flag an approval would not close, and contradictions between
the agreement's fields and its subprocessors; plus the page after "Aanpassing gevraagd"."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.services import decide_agreement, submit_agreement
from register.rules import compute_flags
from register.rules.flags import flags_if_approved

from ..conftest import (
    client_for,
    complete_checklist,
    make_agreement,
    make_flow,
    make_product,
    make_supplier,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(privacy_officer):
    product = make_product("Rekenmaatje", status="in_gebruik")
    make_flow(product, "eckId")
    make_flow(product, "mail", channel="direct")
    agreement = make_agreement(
        [product],
        reference="VO-STROOM",
        attributes=("eckId",),
        subprocessors=(("Supportdesk LLC", "US", "EU-VS Data Privacy Framework"),),
    )
    complete_checklist(agreement)
    submit_agreement(agreement=agreement, user=privacy_officer)
    agreement.refresh_from_db()
    return agreement


def test_the_review_page_shows_the_flows_against_the_agreed_attributes(submitted, fg):
    page = client_for(fg).get(submitted.get_absolute_url()).content.decode()
    assert "Wat een akkoord open laat" in page
    section = page.split("Wat een akkoord open laat")[1].split("<h2>")[0]
    assert "Rekenmaatje" in section
    assert "<code>mail</code>" in section and "nee, gaat verder dan de overeenkomst" in section
    assert "<code>eckId</code>" in section


def test_the_flag_an_approval_would_leave_open_is_shown_before_approval(submitted, fg):
    # Before the approval, no covering agreement was ever approved: no flow flag yet.
    assert "flow_exceeds_agreement" not in {f.code for f in compute_flags()}
    open_codes = {
        (f.code, f.attribute.code if f.attribute else None) for f in flags_if_approved(submitted)
    }
    assert ("flow_exceeds_agreement", "mail") in open_codes
    assert ("not_approved", None) not in open_codes  # that one the approval closes

    page = client_for(fg).get(submitted.get_absolute_url()).content.decode()
    assert "Signaleringen die een akkoord niet oplost" in page
    assert "Gegevensstroom buiten de overeenkomst" in page

    decide_agreement(agreement=submitted, user=fg, decision="goedgekeurd", comment="Akkoord")
    after = {(f.code, f.attribute.code if f.attribute else None) for f in compute_flags()}
    assert ("flow_exceeds_agreement", "mail") in after  # exactly what the page foretold


def test_the_page_names_the_contradiction_between_fields_and_subprocessors(submitted, fg):
    page = client_for(fg).get(submitted.get_absolute_url()).content.decode()
    assert "in tegenspraak met de subverwerkers" in page
    assert "maar deze subverwerkers zitten buiten de EER: Supportdesk LLC (US)" in page
    # No flag reports it: what approval leaves open says so before the flags it names.
    section = page.split("Wat een akkoord open laat")[1].split("</section>")[0]
    contradiction = section.index("Tegenstrijdigheden")
    assert "Een akkoord lost deze tegenstrijdigheden niet op" in section
    assert contradiction < section.index("Signaleringen die een akkoord niet oplost")


def test_the_open_flags_cost_the_same_queries_for_more_products(privacy_officer, fg):
    def build(n):
        supplier = make_supplier()
        products = [make_product(supplier=supplier, status="in_gebruik") for _ in range(n)]
        for product in products:
            make_flow(product, "mail")
        agreement = complete_checklist(make_agreement(products, attributes=("eckId",)))
        submit_agreement(agreement=agreement, user=privacy_officer)
        return agreement

    def count(agreement):
        client = client_for(fg)  # logging in (and the FG's second factor) is not the page
        with CaptureQueriesContext(connection) as queries:
            response = client.get(agreement.get_absolute_url())
        assert "Wat een akkoord open laat" in response.content.decode()
        return len(queries)

    assert count(build(2)) == count(build(7))


def test_changes_requested_puts_the_request_on_top_with_the_next_step(
    submitted, fg, privacy_officer
):
    decide_agreement(
        agreement=submitted,
        user=fg,
        decision="aanpassing_gevraagd",
        comment="Neem mail op in de bijsluiter of stop die koppeling.",
    )
    page = client_for(privacy_officer).get(submitted.get_absolute_url()).content.decode()
    top = page.split("<h2>")[0]  # before the first plain section heading
    assert "De FG vraagt om aanpassing" in top
    assert "Neem mail op in de bijsluiter of stop die koppeling." in top
    assert "Aanpassen en opnieuw indienen" in top
    assert reverse("agreements:agreement_edit", args=[submitted.pk]) in top
    # A reader sees the request, not the button.
    reader = make_user("lezer", "reader")
    page = client_for(reader).get(submitted.get_absolute_url()).content.decode()
    assert "De FG vraagt om aanpassing" in page and "Aanpassen en opnieuw indienen" not in page


def test_the_confirmation_names_the_agreement_and_the_decision(submitted, fg):
    response = client_for(fg).post(
        reverse("agreements:agreement_decide", args=[submitted.pk]),
        {
            "decision": "afgekeurd",
            "comment": "Geen auditrecht.",
            "fingerprint": submitted.content_fingerprint(),
            "confirm": "on",
        },
        follow=True,
    )
    assert "Uw besluit over VO-STROOM is vastgelegd: Afgekeurd." in response.content.decode()


def test_the_fg_dashboard_starts_with_what_waits_for_their_decision(submitted, fg, privacy_officer):
    page = client_for(fg).get(reverse("dashboard")).content.decode()
    main = page.split("<main", 1)[1]
    assert main.index("Wacht op uw besluit") < main.index("Producten zonder goedgekeurde")
    assert "VO-STROOM" in main.split("Producten zonder goedgekeurde")[0]
    # Not for the privacy officer, and never an FG's own submission.
    assert (
        "Wacht op uw besluit"
        not in client_for(privacy_officer).get(reverse("dashboard")).content.decode()
    )
    own = make_user("fg_en_po", "fg")
    own.groups.add(Group.objects.get(name="privacy_officer"))
    other = complete_checklist(make_agreement([make_product()], reference="VO-EIGEN"))
    submit_agreement(agreement=other, user=own)
    page = client_for(own).get(reverse("dashboard")).content.decode()
    waiting = page.split("Wacht op uw besluit")[1].split("</section>")[0]
    assert "VO-STROOM" in waiting and "VO-EIGEN" not in waiting
