"""The FG's decision: separation of duties (AVG art. 38), comment, fingerprint."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from agreements.models import Agreement, AgreementStatus, Review
from agreements.services import decide_agreement, submit_agreement

from ..conftest import (
    attrs,
    client_for,
    complete_checklist,
    make_agreement,
    make_product,
    make_user,
)

pytestmark = pytest.mark.django_db


def submitted_by(user) -> Agreement:
    agreement = make_agreement([make_product()], attributes=("eckId",))
    complete_checklist(agreement)
    submit_agreement(agreement=agreement, user=user)
    agreement.refresh_from_db()
    return agreement


def test_an_fg_cannot_approve_their_own_submission(fg_officer):
    agreement = submitted_by(fg_officer)
    with pytest.raises(PermissionDenied, match="zelf ingediend"):
        decide_agreement(
            agreement=agreement, user=fg_officer, decision="goedgekeurd", comment="Prima"
        )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUBMITTED
    assert not Review.objects.exists()


def test_the_page_explains_why_an_fg_cannot_decide_on_their_own_submission(fg_officer):
    agreement = submitted_by(fg_officer)
    client = client_for(fg_officer)
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "Besluit vastleggen" not in page
    assert "een andere FG moet over deze overeenkomst besluiten" in page
    response = client.post(
        reverse("agreements:agreement_decide", args=[agreement.pk]),
        {"decision": "goedgekeurd", "comment": "Prima", "fingerprint": "x", "confirm": "on"},
    )
    assert response.status_code == 403


def test_another_fg_can_decide_on_it(fg_officer, fg):
    agreement = submitted_by(fg_officer)
    review = decide_agreement(agreement=agreement, user=fg, decision="goedgekeurd", comment="Ok")
    assert review.reviewer == fg
    assert review.reviewer_name == fg.get_full_name()
    assert review.imported is False
    agreement = Agreement.objects.with_fingerprint_content().get(pk=agreement.pk)
    assert review.fingerprint == agreement.content_fingerprint()
    assert agreement.is_current()


def test_only_users_with_the_review_permission_decide(privacy_officer, reader, procurement):
    agreement = submitted_by(privacy_officer)
    for user in (privacy_officer, reader, procurement):
        with pytest.raises(PermissionDenied):
            decide_agreement(agreement=agreement, user=user, decision="goedgekeurd", comment="x")
    assert not Review.objects.exists()


def test_a_superuser_outside_the_fg_group_cannot_decide(privacy_officer, superuser):
    """A superuser has every permission; a decision takes membership of `fg` itself."""
    agreement = submitted_by(privacy_officer)
    with pytest.raises(PermissionDenied, match="Alleen de FG"):
        decide_agreement(agreement=agreement, user=superuser, decision="goedgekeurd", comment="x")
    client = client_for(superuser)
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "Besluit vastleggen" not in page
    response = client.post(
        reverse("agreements:agreement_decide", args=[agreement.pk]),
        {
            "decision": "goedgekeurd",
            "comment": "Akkoord",
            "fingerprint": agreement.content_fingerprint(),
            "confirm": "on",
        },
    )
    assert response.status_code == 403
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUBMITTED
    assert not Review.objects.exists()


def test_a_superuser_in_the_fg_group_decides_as_the_fg(privacy_officer, superuser):
    superuser.groups.add(Group.objects.get(name="fg"))
    agreement = submitted_by(privacy_officer)
    review = decide_agreement(
        agreement=agreement, user=superuser, decision="goedgekeurd", comment="Akkoord"
    )
    assert review.reviewer == superuser


@pytest.mark.parametrize("persona", ["reader", "procurement", "privacy_officer"])
def test_only_fgs_open_the_review_queue(personas, persona):
    response = client_for(personas[persona]).get(reverse("agreements:review_queue"))
    assert response.status_code == 403


def test_a_decision_is_only_recorded_after_the_fg_confirms_it(privacy_officer, fg):
    agreement = submitted_by(privacy_officer)
    url = reverse("agreements:agreement_decide", args=[agreement.pk])
    data = {
        "decision": "goedgekeurd",
        "comment": "Akkoord",
        "fingerprint": agreement.content_fingerprint(),
    }
    response = client_for(fg).post(url, data)
    assert response.status_code == 400
    assert "Bevestig dat u dit besluit blijvend wilt vastleggen." in response.content.decode()
    assert not Review.objects.exists()
    assert client_for(fg).post(url, {**data, "confirm": "on"}).status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.APPROVED


@pytest.mark.parametrize("comment", ["", "   "])
def test_a_decision_always_needs_a_comment(privacy_officer, fg, comment):
    agreement = submitted_by(privacy_officer)
    with pytest.raises(ValidationError, match="toelichting is verplicht"):
        decide_agreement(agreement=agreement, user=fg, decision="afgekeurd", comment=comment)
    response = client_for(fg).post(
        reverse("agreements:agreement_decide", args=[agreement.pk]),
        {
            "decision": "afgekeurd",
            "comment": comment,
            "fingerprint": agreement.content_fingerprint(),
            "confirm": "on",
        },
    )
    assert response.status_code == 400
    assert "toelichting is verplicht" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUBMITTED


def test_a_decision_on_content_that_changed_while_the_fg_read_it_is_refused(privacy_officer, fg):
    agreement = submitted_by(privacy_officer)
    seen = client_for(fg).get(agreement.get_absolute_url()).context["fingerprint"]
    agreement.purposes = "Iets anders"
    agreement.save()
    response = client_for(fg).post(
        reverse("agreements:agreement_decide", args=[agreement.pk]),
        {"decision": "goedgekeurd", "comment": "Akkoord", "fingerprint": seen, "confirm": "on"},
        follow=True,
    )
    assert "gewijzigd terwijl u haar bekeek" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUBMITTED
    assert not Review.objects.exists()


def test_after_a_refused_stale_decision_the_fgs_words_stay_and_confirming_again_records_it(
    privacy_officer, fg
):
    """A stale form loses nothing: the FG reads the new content, confirms, and is done."""
    agreement = submitted_by(privacy_officer)
    client = client_for(fg)
    seen = client.get(agreement.get_absolute_url()).context["fingerprint"]
    agreement.purposes = "Iets anders"
    agreement.save()
    url = reverse("agreements:agreement_decide", args=[agreement.pk])
    words = "Akkoord; let op de bewaartermijn."
    response = client.post(
        url, {"decision": "goedgekeurd", "comment": words, "fingerprint": seen, "confirm": "on"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "uw besluit is niet vastgelegd" in page and "Iets anders" in page
    form = response.context["decision_form"]
    assert form.initial["comment"] == words and form.initial["decision"] == "goedgekeurd"
    assert form.initial["fingerprint"] == agreement.content_fingerprint() != seen
    assert "confirm" not in form.initial
    assert not Review.objects.exists()
    client.post(url, {**form.initial, "confirm": "on"})
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.APPROVED
    assert Review.objects.get().comment == words


def test_the_old_review_stays_after_a_new_one(privacy_officer, fg):
    agreement = submitted_by(privacy_officer)
    decide_agreement(
        agreement=agreement, user=fg, decision="aanpassing_gevraagd", comment="Bewaartermijn?"
    )
    agreement.refresh_from_db()
    agreement.set_status(AgreementStatus.DRAFT, user=privacy_officer)
    complete_checklist(agreement)
    submit_agreement(agreement=agreement, user=privacy_officer)
    decide_agreement(agreement=agreement, user=fg, decision="goedgekeurd", comment="Nu goed")
    decisions = list(agreement.reviews.order_by("decided_at").values_list("decision", flat=True))
    assert decisions == ["aanpassing_gevraagd", "goedgekeurd"]


def test_the_queue_lists_waiting_agreements_oldest_first_without_own_submissions(
    privacy_officer, fg, fg_officer
):
    first = submitted_by(privacy_officer)
    own = submitted_by(fg_officer)
    second = submitted_by(privacy_officer)
    response = client_for(fg_officer).get(reverse("agreements:review_queue"))
    listed = list(response.context["agreements"])
    assert listed == [first, second]
    assert own not in listed
    assert response.context["review_queue_count"] == 2
    assert list(client_for(fg).get(reverse("agreements:review_queue")).context["agreements"]) == [
        first,
        own,
        second,
    ]


def test_the_fg_sees_the_decision_form_only_for_a_submitted_agreement(privacy_officer, fg):
    draft = make_agreement([make_product()])
    assert "Besluit vastleggen" not in client_for(fg).get(draft.get_absolute_url()).content.decode()
    waiting = submitted_by(privacy_officer)
    page = client_for(fg).get(waiting.get_absolute_url()).content.decode()
    assert "Besluit vastleggen" in page
    page = client_for(privacy_officer).get(waiting.get_absolute_url()).content.decode()
    assert "Besluit vastleggen" not in page


def test_an_fg_who_also_edits_cannot_approve_content_they_wrote_after_submission(
    privacy_officer, fg_officer, fg
):
    # A small board's FG who is also privacy officer rewrites what someone else submitted:
    # approving it would approve their own text (AVG art. 38).
    agreement = submitted_by(privacy_officer)
    agreement._history_user = fg_officer
    agreement.purposes = "Alles wat de leverancier wil, ook doorverkoop."
    agreement.save()
    with pytest.raises(PermissionDenied, match="zelf gewijzigd"):
        decide_agreement(agreement=agreement, user=fg_officer, decision="goedgekeurd", comment="Ok")
    assert not Review.objects.exists()
    page = client_for(fg_officer).get(agreement.get_absolute_url()).content.decode()
    assert "Besluit vastleggen" not in page
    assert "U heeft de inhoud van deze overeenkomst zelf gewijzigd" in page
    # Another FG decides.
    assert decide_agreement(agreement=agreement, user=fg, decision="goedgekeurd", comment="Ok")


def test_a_subprocessor_added_by_the_fg_also_counts_as_content_they_wrote(
    privacy_officer, fg_officer
):
    agreement = submitted_by(privacy_officer)
    subprocessor = agreement.subprocessors.model(
        agreement=agreement, name="Eigen Cloud BV", countries="NL", service="Hosting"
    )
    subprocessor._history_user = fg_officer
    subprocessor.save()
    with pytest.raises(PermissionDenied, match="zelf gewijzigd"):
        decide_agreement(agreement=agreement, user=fg_officer, decision="goedgekeurd", comment="Ok")


def test_an_fg_who_also_edits_decides_again_on_content_they_did_not_write(
    privacy_officer, fg_officer
):
    # Their own earlier decision (a status change) is no content they wrote, nor is an edit
    # before that decision.
    agreement = make_agreement([make_product()])
    agreement._history_user = fg_officer
    agreement.retention = "1 jaar"
    agreement.save()
    complete_checklist(agreement)
    submit_agreement(agreement=agreement, user=privacy_officer)
    agreement.refresh_from_db()
    with pytest.raises(PermissionDenied, match="zelf gewijzigd"):
        decide_agreement(agreement=agreement, user=fg_officer, decision="goedgekeurd", comment="Ok")
    other_fg = make_user("fg2", "fg")
    decide_agreement(
        agreement=agreement, user=other_fg, decision="aanpassing_gevraagd", comment="Bijwerken"
    )
    agreement.refresh_from_db()
    agreement._history_user = privacy_officer
    agreement.retention = "2 jaar"
    agreement.status = AgreementStatus.DRAFT  # an edit sends it back to draft
    agreement.save()
    submit_agreement(agreement=agreement, user=privacy_officer)
    agreement.refresh_from_db()
    review = decide_agreement(
        agreement=agreement, user=fg_officer, decision="aanpassing_gevraagd", comment="Nog niet"
    )
    assert review.reviewer == fg_officer
    agreement.refresh_from_db()
    agreement._history_user = privacy_officer
    agreement.retention = "3 jaar"
    agreement.status = AgreementStatus.DRAFT  # an edit sends it back to draft
    agreement.save()
    submit_agreement(agreement=agreement, user=privacy_officer)
    agreement.refresh_from_db()
    assert decide_agreement(
        agreement=agreement, user=fg_officer, decision="goedgekeurd", comment="Ok"
    )


def test_an_agreed_attribute_added_by_the_fg_counts_as_content_they_wrote(
    privacy_officer, fg_officer
):
    agreement = submitted_by(privacy_officer)
    agreement._history_user = fg_officer
    agreement.attributes.add(attrs("geboortedatum")[0])
    with pytest.raises(PermissionDenied, match="zelf gewijzigd"):
        decide_agreement(agreement=agreement, user=fg_officer, decision="goedgekeurd", comment="Ok")


IN_REVIEW = "Deze overeenkomst ligt ter beoordeling bij de FG"


def edit_pages(agreement) -> list[str]:
    """The privacy officer's pages that change an agreement's content."""
    product = agreement.products.get()
    return [
        reverse("agreements:agreement_edit", args=[agreement.pk]),
        reverse("agreements:privacy_notice_edit", args=[agreement.pk, product.pk]),
        reverse("agreements:document_upload", args=[agreement.pk]),
    ]


def test_the_edit_pages_of_an_agreement_under_review_say_the_fg_reviews_the_new_content(
    privacy_officer, fg
):
    """The privacy officer may still edit while the FG reviews; each page that changes the
    content says what that does to the review (the decision test above shows it)."""
    agreement = submitted_by(privacy_officer)
    pages = edit_pages(agreement)
    client = client_for(privacy_officer)
    for page in pages:
        assert IN_REVIEW in client.get(page).content.decode(), page
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.DRAFT)
    for page in pages:
        assert IN_REVIEW not in client.get(page).content.decode(), page


BACK_TO_DRAFT = "Na opslaan gaat de overeenkomst terug naar concept"


@pytest.mark.parametrize("status", [AgreementStatus.CHANGES_REQUESTED, AgreementStatus.REJECTED])
def test_every_edit_page_says_a_returned_agreement_goes_back_to_draft(privacy_officer, status):
    """A new document or a changed bijsluiter sends it back to draft too, not only the form."""
    agreement = submitted_by(privacy_officer)
    Agreement.objects.filter(pk=agreement.pk).update(status=status)
    client = client_for(privacy_officer)
    for page in edit_pages(agreement):
        assert BACK_TO_DRAFT in client.get(page).content.decode(), page
