"""The FG's findings with a risk (issue 17, after SIVON's central review): recorded only by
the FG, a finding to be resolved keeps the agreement from approval, and the risks an
approval accepts stay visible on the agreement, the product page and the procurement check."""

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse

from agreements.models import AgreementStatus, Finding, FindingStatus, Review
from agreements.services import decide_agreement, record_finding, settle_finding, submit_agreement

from ..conftest import client_for, complete_checklist, make_agreement, make_flow, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(privacy_officer):
    product = make_product("Rekenmaatje", status="in_gebruik")
    make_flow(product, "eckId")
    agreement = complete_checklist(make_agreement([product], reference="VO-RISICO"))
    submit_agreement(agreement=agreement, user=privacy_officer)
    agreement.refresh_from_db()
    return agreement


def finding_of(fg, agreement, status=FindingStatus.TO_RESOLVE, risk="hoog") -> Finding:
    return record_finding(
        agreement=agreement,
        user=fg,
        topic="Model 4.0 art. 11 (aansprakelijkheid)",
        difference="Aansprakelijkheid beperkt tot één jaarbedrag.",
        risk=risk,
        status=status,
    )


def test_the_fg_records_a_finding_on_the_page(submitted, fg):
    response = client_for(fg).post(
        reverse("agreements:finding_create", args=[submitted.pk]),
        {
            "topic": "AVG art. 28 lid 3 sub h",
            "difference": "Geen auditrecht voor het bestuur.",
            "risk": "midden",
            "status": "op_te_lossen",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Bevinding “AVG art. 28 lid 3 sub h” vastgelegd (risico middel)." in page
    finding = Finding.objects.get()
    assert finding.created_by == fg and finding.history.count() == 1


def test_a_finding_without_risk_is_refused_with_what_to_fix(submitted, fg):
    response = client_for(fg).post(
        reverse("agreements:finding_create", args=[submitted.pk]),
        {"topic": "Art. 7", "difference": "Anders", "status": "op_te_lossen"},
    )
    assert response.status_code == 400
    assert "Kies het risico: laag, middel of hoog." in response.content.decode()
    assert not Finding.objects.exists()


def test_the_risk_offers_only_the_three_risks(submitted, fg):
    page = client_for(fg).get(submitted.get_absolute_url()).content.decode()
    form = page.split('name="risk"', 1)[1].split("</fieldset>", 1)[0]
    assert 'name="risk" value=""' not in page
    assert "---------" not in form
    assert page.count('name="risk"') == 3


@pytest.mark.parametrize("persona", ["privacy_officer", "procurement", "reader"])
def test_only_the_fg_records_or_settles_findings(submitted, fg, personas, persona):
    user = personas[persona]
    with pytest.raises(PermissionDenied):
        finding_of(user, submitted)
    finding = finding_of(fg, submitted)
    with pytest.raises(PermissionDenied):
        settle_finding(finding=finding, user=user, status=FindingStatus.ACCEPTED)
    assert Finding.objects.get().status == FindingStatus.TO_RESOLVE
    page = client_for(user).get(submitted.get_absolute_url()).content.decode()
    assert "Aansprakelijkheid beperkt" in page and "Bevinding vastleggen" not in page


def test_a_finding_to_be_resolved_keeps_the_agreement_from_approval(submitted, fg):
    finding_of(fg, submitted)
    with pytest.raises(ValidationError) as refused:
        decide_agreement(agreement=submitted, user=fg, decision="goedgekeurd", comment="Ok")
    assert refused.value.code == "findings_open"
    assert "Model 4.0 art. 11" in refused.value.messages[0]
    assert not Review.objects.exists()
    # Asking the supplier for changes is still possible.
    decide_agreement(
        agreement=submitted, user=fg, decision="aanpassing_gevraagd", comment="Graag aanpassen"
    )


def test_a_resolved_finding_no_longer_blocks(submitted, fg):
    finding = finding_of(fg, submitted)
    settle_finding(finding=finding, user=fg, status=FindingStatus.RESOLVED)
    decide_agreement(agreement=submitted, user=fg, decision="goedgekeurd", comment="Ok")
    submitted.refresh_from_db()
    assert submitted.status == AgreementStatus.APPROVED


def test_the_approval_lists_the_risks_it_accepts(submitted, fg, reader):
    accepted = finding_of(fg, submitted, status=FindingStatus.ACCEPTED, risk="midden")
    review = decide_agreement(agreement=submitted, user=fg, decision="goedgekeurd", comment="Ok")
    accepted.refresh_from_db()
    assert accepted.accepted_in == review
    assert list(review.accepted_findings.all()) == [accepted]

    page = client_for(reader).get(submitted.get_absolute_url()).content.decode()
    assert "Geaccepteerde risico's" in page
    assert "risico middel" in page and "Model 4.0 art. 11 (aansprakelijkheid)" in page


def test_accepted_risks_show_on_the_product_page_and_the_procurement_check(
    submitted, fg, procurement
):
    finding_of(fg, submitted, status=FindingStatus.ACCEPTED, risk="laag")
    decide_agreement(agreement=submitted, user=fg, decision="goedgekeurd", comment="Ok")
    product = submitted.products.get()
    client = client_for(procurement)
    page = client.get(product.get_absolute_url()).content.decode()
    assert "Geaccepteerde risico's" in page and "Aansprakelijkheid beperkt" in page
    check = client.get(reverse("register:procurement_check"), {"q": "Rekenmaatje"})
    page = check.content.decode()
    assert "Geaccepteerde risico's" in page and "risico laag" in page
    assert "Aansprakelijkheid beperkt" in page


def test_a_finding_is_never_deleted_only_withdrawn(submitted, fg):
    finding = finding_of(fg, submitted)
    settle_finding(finding=finding, user=fg, status=FindingStatus.WITHDRAWN)
    assert Finding.objects.filter(pk=finding.pk, status=FindingStatus.WITHDRAWN).exists()
    assert finding.history.count() == 2
    request = RequestFactory().get("/")
    request.user = fg
    model_admin = admin.site._registry[Finding]
    assert not model_admin.has_delete_permission(request, finding)
    assert not model_admin.has_change_permission(request, finding)
