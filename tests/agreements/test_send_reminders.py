import datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from agreements.models import AgreementStatus
from agreements.services import submit_agreement

from ..conftest import complete_checklist, make_agreement, make_product

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)


def run(day: datetime.date = TODAY) -> None:
    with time_machine.travel(datetime.datetime(day.year, day.month, day.day, 7, 0), tick=False):
        call_command("send_reminders", stdout=open("/dev/null", "w"))


def run_once_refused_then_again(settings) -> None:
    """A run whose mail relay refuses the connection (nothing listens on port 9 of this
    machine), then a run that can send."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with pytest.raises(OSError):
        run()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run()


def mails_to(user) -> list:
    return [m for m in mail.outbox if user.email in m.to]


def test_each_fg_gets_the_waiting_agreements_but_not_their_own_submission(fg, fg_officer):
    waiting = make_agreement([make_product()], reference="VO-WACHT")
    complete_checklist(waiting)
    submit_agreement(agreement=waiting, user=fg_officer)
    run()
    to_fg = mails_to(fg)
    assert len(to_fg) == 1
    assert to_fg[0].subject == "1 overeenkomst wacht op uw beoordeling"
    assert "VO-WACHT" in to_fg[0].body
    assert "VO-WACHT" in to_fg[0].alternatives[0][0]
    assert to_fg[0].alternatives[0][1] == "text/html"
    assert mails_to(fg_officer) == []


def test_the_fg_gets_one_waiting_mail_a_day_however_often_the_command_runs(fg, fg_officer):
    waiting = make_agreement([make_product()], reference="VO-WACHT")
    complete_checklist(waiting)
    submit_agreement(agreement=waiting, user=fg_officer)
    run()
    run()  # by hand again, or the cron of a second server
    assert len(mails_to(fg)) == 1
    run(TODAY + datetime.timedelta(days=1))
    assert len(mails_to(fg)) == 2


def test_a_waiting_mail_that_could_not_be_sent_goes_out_on_the_next_run(fg, fg_officer, settings):
    waiting = make_agreement([make_product()], reference="VO-WACHT")
    complete_checklist(waiting)
    submit_agreement(agreement=waiting, user=fg_officer)
    run_once_refused_then_again(settings)
    assert len(mails_to(fg)) == 1


def test_no_mail_to_the_fg_when_nothing_waits(fg):
    make_agreement([make_product()], status=AgreementStatus.APPROVED, reviewer=fg)
    run()
    assert mails_to(fg) == []


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(120, False), (91, False), (90, True), (45, True), (30, True), (7, True), (0, True)],
)
def test_privacy_officers_hear_of_approved_agreements_within_90_days(
    privacy_officer, fg, days_left, expected
):
    make_agreement(
        [make_product()],
        status=AgreementStatus.APPROVED,
        reviewer=fg,
        reference="VO-LOOPT-AF",
        ends_on=TODAY + datetime.timedelta(days=days_left),
    )
    run()
    got = mails_to(privacy_officer)
    assert bool(got) is expected
    if expected:
        assert "VO-LOOPT-AF" in got[0].body
        assert got[0].subject == "1 verwerkersovereenkomst loopt binnenkort af"


def test_each_threshold_is_mailed_once(privacy_officer, fg):
    make_agreement(
        [make_product()],
        status=AgreementStatus.APPROVED,
        reviewer=fg,
        ends_on=TODAY + datetime.timedelta(days=90),
    )
    sent_on = []
    for offset in range(0, 91):
        day = TODAY + datetime.timedelta(days=offset)
        before = len(mails_to(privacy_officer))
        run(day)
        if len(mails_to(privacy_officer)) > before:
            sent_on.append((TODAY + datetime.timedelta(days=90) - day).days)
    assert sent_on == [90, 30, 7]


def test_two_runs_at_the_same_moment_send_an_expiry_reminder_once(privacy_officer, fg, monkeypatch):
    """A second server's cron that read the due reminders before the first one sent them."""
    from agreements import reminders

    make_agreement(
        [make_product()],
        status=AgreementStatus.APPROVED,
        reviewer=fg,
        ends_on=TODAY + datetime.timedelta(days=30),
    )
    seen_by_the_second = reminders.due_expiry_reminders(TODAY)
    assert len(seen_by_the_second) == 1
    run()
    monkeypatch.setattr(reminders, "due_expiry_reminders", lambda today: seen_by_the_second)
    run()
    assert len(mails_to(privacy_officer)) == 1


def test_an_expiry_reminder_that_could_not_be_sent_goes_out_on_the_next_run(
    privacy_officer, fg, settings
):
    make_agreement(
        [make_product()],
        status=AgreementStatus.APPROVED,
        reviewer=fg,
        ends_on=TODAY + datetime.timedelta(days=30),
    )
    run_once_refused_then_again(settings)
    assert len(mails_to(privacy_officer)) == 1


def test_a_new_end_date_rearms_the_reminders(privacy_officer, fg):
    agreement = make_agreement(
        [make_product()],
        status=AgreementStatus.APPROVED,
        reviewer=fg,
        ends_on=TODAY + datetime.timedelta(days=20),
    )
    run()
    run()
    assert len(mails_to(privacy_officer)) == 1
    agreement.ends_on = TODAY + datetime.timedelta(days=25)
    agreement.save()
    run()
    assert len(mails_to(privacy_officer)) == 2


def test_only_approved_agreements_get_expiry_reminders(privacy_officer):
    for status in (AgreementStatus.DRAFT, AgreementStatus.TERMINATED, AgreementStatus.REJECTED):
        make_agreement([make_product()], status=status, ends_on=TODAY + datetime.timedelta(days=10))
    run()
    assert mails_to(privacy_officer) == []


def test_an_ended_agreement_gets_no_reminder(privacy_officer, fg):
    make_agreement(
        [make_product()],
        status=AgreementStatus.APPROVED,
        reviewer=fg,
        ends_on=TODAY - datetime.timedelta(days=1),
    )
    run()
    assert mails_to(privacy_officer) == []
