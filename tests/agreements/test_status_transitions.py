"""The transition table, enforced in Agreement.set_status (the one place)."""

import pytest
from django.core.exceptions import ValidationError

from agreements.models import STATUS_TRANSITIONS, AgreementStatus

from ..conftest import make_agreement, make_product

pytestmark = pytest.mark.django_db

PAIRS = [(a, b) for a in AgreementStatus.values for b in AgreementStatus.values if a != b]


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_every_move_is_allowed_exactly_when_the_table_says_so(current, target, privacy_officer):
    agreement = make_agreement([make_product()], status=current)
    allowed = target in STATUS_TRANSITIONS[current]
    if allowed:
        agreement.set_status(target, user=privacy_officer, reason="Contract opgezegd")
        agreement.refresh_from_db()
        assert agreement.status == target
    else:
        with pytest.raises(ValidationError) as error:
            agreement.set_status(target, user=privacy_officer, reason="Contract opgezegd")
        assert error.value.code == "illegal_transition"
        assert "kan niet naar" in error.value.messages[0]
        agreement.refresh_from_db()
        assert agreement.status == current


def test_terminated_is_final_and_says_so():
    agreement = make_agreement([make_product()], status=AgreementStatus.TERMINATED)
    with pytest.raises(ValidationError) as error:
        agreement.set_status(AgreementStatus.DRAFT)
    assert "geen (definitief)" in error.value.messages[0]


def test_terminating_needs_a_reason():
    agreement = make_agreement([make_product()])
    with pytest.raises(ValidationError) as error:
        agreement.set_status(AgreementStatus.TERMINATED, reason="  ")
    assert error.value.code == "reason_required"


def test_a_status_change_records_who_and_when(privacy_officer):
    agreement = make_agreement([make_product()])
    agreement.set_status(AgreementStatus.SUBMITTED, user=privacy_officer)
    record = agreement.history.latest()
    assert record.status == AgreementStatus.SUBMITTED
    assert record.history_user == privacy_officer
    agreement.refresh_from_db()
    assert agreement.submitted_by == privacy_officer
    assert agreement.submitted_at is not None


def test_set_status_is_marked_as_altering_data():
    from agreements.models import Agreement

    assert Agreement.set_status.alters_data is True
