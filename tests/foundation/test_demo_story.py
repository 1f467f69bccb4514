"""The demo tells a true story (issue 17): its history was made through the app's own
services, by the demo's users, at times that follow each other."""

import datetime

import pytest
from django.utils import timezone

from agreements.history import _user_name
from agreements.models import Agreement, AgreementStatus, Document, Finding, Review
from register.demo import load_demo
from register.models import LevelSnapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    load_demo()


def _submissions(agreement: Agreement) -> list[datetime.datetime]:
    """When the agreement moved to "ter beoordeling", from its history."""
    moments = []
    previous = None
    for record in agreement.history.order_by("history_date", "history_id"):
        if record.status == AgreementStatus.SUBMITTED and previous != AgreementStatus.SUBMITTED:
            moments.append(record.history_date)
        previous = record.status
    return moments


def test_every_decision_comes_after_the_agreements_creation_and_submission(demo):
    reviews = Review.objects.select_related("agreement")
    assert reviews.count() >= 6
    for review in reviews:
        agreement = review.agreement
        assert review.decided_at > agreement.created_at, agreement.reference
        submitted = [m for m in _submissions(agreement) if m < review.decided_at]
        assert submitted, f"{agreement.reference}: decided without a submission before it"
        assert agreement.history.earliest("history_date").history_date < submitted[0]


def test_the_fg_decides_and_the_privacy_officer_submits_never_the_system(demo):
    for review in Review.objects.select_related("reviewer"):
        assert review.reviewer.username == "fg"
        assert review.history.get().history_user.username == "fg"
    for agreement in Agreement.objects.all():
        for record in agreement.history.all():
            assert record.history_user is not None, (agreement.reference, record.status)
            assert _user_name(record.history_user) != "systeem"
        decided = agreement.history.filter(
            status__in=[
                AgreementStatus.APPROVED,
                AgreementStatus.REJECTED,
                AgreementStatus.CHANGES_REQUESTED,
            ]
        )
        assert {r.history_user.username for r in decided} <= {"fg", "privacy"}
        if agreement.submitted_by is not None:
            assert agreement.submitted_by.username == "privacy"
    for finding in Finding.objects.all():
        assert finding.created_by.username == "fg"
        assert finding.history.earliest("history_date").history_user.username == "fg"
    for document in Document.objects.all():
        assert document.uploaded_by.username == "privacy"
        assert document.uploaded_at >= document.agreement.created_at
        assert document.history.get().history_user.username == "privacy"


def test_the_history_lies_in_the_past_in_order(demo):
    now = timezone.now()
    for agreement in Agreement.objects.all():
        dates = list(
            agreement.history.order_by("history_id").values_list("history_date", flat=True)
        )
        assert dates == sorted(dates), agreement.reference
        assert dates[-1] < now
        assert agreement.created_at < now - datetime.timedelta(days=1)


def test_three_agreements_wait_for_the_fg_oldest_first(demo):
    waiting = Agreement.objects.filter(status=AgreementStatus.SUBMITTED).order_by("submitted_at")
    assert [a.reference for a in waiting][0] == "VWO-2026-004"
    assert waiting.count() == 3
    assert all(a.submitted_at < timezone.now() - datetime.timedelta(days=1) for a in waiting)


def test_twelve_monthly_level_snapshots_end_today(demo):
    days = list(LevelSnapshot.objects.order_by("day").values_list("day", flat=True))
    today = timezone.localdate()
    assert len(days) == 12
    assert days[-1] == today
    assert today - days[0] >= datetime.timedelta(days=300)
    # Measured on the register as it was then: fewer high flags as agreements were approved.
    first, last = LevelSnapshot.objects.first(), LevelSnapshot.objects.last()
    assert first.high > last.high


def test_loading_the_demo_again_adds_no_history(demo):
    before = (Agreement.history.count(), Review.objects.count(), LevelSnapshot.objects.count())
    load_demo()
    assert (Agreement.history.count(), Review.objects.count(), LevelSnapshot.objects.count()) == (
        before
    )
