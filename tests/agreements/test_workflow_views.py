"""Submit, decide and terminate through the pages, for every persona and every status."""

import pytest
from django.urls import reverse

from agreements.models import Agreement, AgreementStatus, Review

from ..conftest import client_for, complete_checklist, make_agreement, make_product

pytestmark = pytest.mark.django_db

STATUSES = AgreementStatus.values
PERSONAS = ["anonymous", "reader", "procurement", "privacy_officer", "fg"]


def agreement_in(status: str, submitter) -> Agreement:
    agreement = make_agreement([make_product()], status=status)
    if status == AgreementStatus.SUBMITTED:
        complete_checklist(agreement)
        agreement.submitted_by = submitter
        agreement.save()
    return agreement


def expect(response, persona: str, moved: bool, before: str, agreement: Agreement, after: str):
    agreement.refresh_from_db()
    if persona == "anonymous":
        assert response.status_code == 302
        assert reverse("login") in response["Location"]
        assert agreement.status == before
    elif moved:
        assert agreement.status == after
    else:
        assert agreement.status == before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("status", STATUSES)
def test_submitting(personas, privacy_officer, persona, status):
    agreement = agreement_in(status, privacy_officer)
    client = client_for(personas[persona])
    complete_checklist(agreement)
    response = client.post(reverse("agreements:agreement_submit", args=[agreement.pk]))
    allowed_persona = persona == "privacy_officer"
    allowed_status = status in (AgreementStatus.DRAFT, AgreementStatus.APPROVED)
    if persona in ("reader", "procurement", "fg"):
        assert response.status_code == 403
    expect(
        response,
        persona,
        allowed_persona and allowed_status,
        status,
        agreement,
        AgreementStatus.SUBMITTED,
    )
    if allowed_persona and not allowed_status:
        messages = [str(m) for m in response.wsgi_request._messages]
        assert any("kan niet naar" in m for m in messages)


@pytest.mark.parametrize("decision", ["goedgekeurd", "afgekeurd", "aanpassing_gevraagd"])
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("status", STATUSES)
def test_deciding(personas, privacy_officer, persona, status, decision):
    agreement = agreement_in(status, privacy_officer)
    reviews_before = Review.objects.count()
    client = client_for(personas[persona])
    response = client.post(
        reverse("agreements:agreement_decide", args=[agreement.pk]),
        {
            "decision": decision,
            "comment": "Getoetst.",
            "fingerprint": agreement.content_fingerprint(),
            "confirm": "on",
        },
    )
    allowed = persona == "fg" and status == AgreementStatus.SUBMITTED
    if persona in ("reader", "procurement", "privacy_officer"):
        assert response.status_code == 403
    expect(response, persona, allowed, status, agreement, decision)
    assert Review.objects.count() == reviews_before + (1 if allowed else 0)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("status", STATUSES)
def test_terminating(personas, privacy_officer, persona, status):
    agreement = agreement_in(status, privacy_officer)
    client = client_for(personas[persona])
    response = client.post(
        reverse("agreements:agreement_terminate", args=[agreement.pk]),
        {"reason": "Product uitgefaseerd", "confirm": "on"},
    )
    allowed = persona == "privacy_officer" and status != AgreementStatus.TERMINATED
    if persona in ("reader", "procurement", "fg"):
        assert response.status_code == 403
    expect(response, persona, allowed, status, agreement, AgreementStatus.TERMINATED)
    if allowed:
        assert agreement.status_reason == "Product uitgefaseerd"


def test_terminating_needs_a_reason_and_a_confirmation(privacy_officer):
    agreement = make_agreement([make_product()])
    response = client_for(privacy_officer).post(
        reverse("agreements:agreement_terminate", args=[agreement.pk]), {"reason": ""}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Geef een reden op" in page
    assert "Bevestig dat u de overeenkomst definitief beëindigt" in page
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT


@pytest.mark.parametrize(
    ("status", "after_edit"),
    [
        (AgreementStatus.DRAFT, AgreementStatus.DRAFT),
        (AgreementStatus.SUBMITTED, AgreementStatus.SUBMITTED),
        (AgreementStatus.APPROVED, AgreementStatus.APPROVED),
        (AgreementStatus.REJECTED, AgreementStatus.DRAFT),
        (AgreementStatus.CHANGES_REQUESTED, AgreementStatus.DRAFT),
    ],
)
def test_editing_sends_a_rejected_or_changes_requested_agreement_back_to_draft(
    privacy_officer, status, after_edit
):
    from .helpers import edit_data

    agreement = agreement_in(status, privacy_officer)
    response = client_for(privacy_officer).post(
        reverse("agreements:agreement_edit", args=[agreement.pk]),
        edit_data(agreement, purposes="Aangepast na opmerkingen FG"),
    )
    assert response.status_code == 302, response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == after_edit
    assert agreement.purposes == "Aangepast na opmerkingen FG"


def test_a_terminated_agreement_cannot_be_edited(privacy_officer):
    from .helpers import edit_data

    agreement = make_agreement([make_product()], status=AgreementStatus.TERMINATED)
    response = client_for(privacy_officer).post(
        reverse("agreements:agreement_edit", args=[agreement.pk]),
        edit_data(agreement, purposes="Toch nog wijzigen"),
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.purposes != "Toch nog wijzigen"


def test_a_rejected_agreement_can_be_edited_and_submitted_again(privacy_officer, fg):
    from .helpers import edit_data

    agreement = agreement_in(AgreementStatus.REJECTED, privacy_officer)
    client = client_for(privacy_officer)
    client.post(
        reverse("agreements:agreement_edit", args=[agreement.pk]),
        edit_data(agreement, retention="Tot 1 jaar na einde gebruik"),
    )
    complete_checklist(agreement)
    client.post(reverse("agreements:agreement_submit", args=[agreement.pk]))
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUBMITTED
    assert agreement.submitted_by == privacy_officer
