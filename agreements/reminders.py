"""Reminder e-mails: agreements waiting for the FG, and approved agreements about to end."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from .mail import agreement_url, send_mail_to, site_url
from .models import (
    Agreement,
    AgreementStatus,
    ReminderSent,
    ReminderThreshold,
    ReviewReminderSent,
)

THRESHOLDS = sorted(ReminderThreshold.values)  # 7, 30, 90
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass
class Expiring:
    agreement: Agreement
    threshold: int
    days_left: int
    url: str


def _recipients(perm: str):
    users = get_user_model().objects.with_perm(
        perm, is_active=True, include_superusers=False, backend=MODEL_BACKEND
    )
    return [u for u in users.exclude(email="").order_by("username")]


def threshold_for(days_left: int) -> int | None:
    """The smallest threshold the remaining days fall within (7, 30 or 90), if any."""
    return next((t for t in THRESHOLDS if 0 <= days_left <= t), None)


def due_expiry_reminders(today: datetime.date) -> list[Expiring]:
    """Approved agreements ending within the expiry window (90 days) whose current threshold
    was not yet mailed.

    A reminder is keyed on (agreement, threshold, ends_on): a new end date re-arms it.
    """
    agreements = (
        Agreement.objects.filter(status=AgreementStatus.APPROVED)
        .ending_in_expiry_window(today)
        .select_related("supplier")
        .order_by("ends_on", "reference")
    )
    sent = set(
        ReminderSent.objects.filter(agreement__in=agreements).values_list(
            "agreement_id", "threshold", "ends_on"
        )
    )
    due = []
    for agreement in agreements:
        days_left = (agreement.ends_on - today).days
        threshold = threshold_for(days_left)
        if threshold is None or (agreement.pk, threshold, agreement.ends_on) in sent:
            continue
        due.append(Expiring(agreement, threshold, days_left, agreement_url(agreement)))
    return due


def send_review_reminders(today: datetime.date, connection=None) -> int:
    """One e-mail per FG listing the agreements waiting for them (never their own), at most
    one a day: the day is claimed (a unique row) in the transaction that sends the mail, so a
    second run that day, or one running at the same time, sends nothing, and a mail that
    could not be sent leaves the day unclaimed."""
    sent = 0
    for fg in _recipients("agreements.review_agreement"):
        mine = list(
            Agreement.objects.awaiting_review_by(fg)
            .select_related("supplier", "submitted_by")
            .order_by("submitted_at", "pk")
        )
        if not mine:
            continue
        with transaction.atomic():
            _reminder, claimed = ReviewReminderSent.objects.get_or_create(user=fg, day=today)
            if claimed:
                _send_review_reminder(fg, mine, connection)
                sent += 1
    return sent


def _send_review_reminder(fg, mine: list[Agreement], connection) -> None:
    items = [{"agreement": a, "url": agreement_url(a)} for a in mine]
    subject = ngettext(
        "%(count)s overeenkomst wacht op uw beoordeling",
        "%(count)s overeenkomsten wachten op uw beoordeling",
        len(mine),
    ) % {"count": len(mine)}
    queue_url = site_url(reverse("agreements:review_queue"))
    send_mail_to(
        fg.email,
        subject,
        "review_waiting",
        {"user": fg, "items": items, "queue_url": queue_url},
        connection,
    )


def send_expiry_reminders(today: datetime.date, connection=None) -> int:
    """One e-mail per privacy officer about agreements crossing 90, 30 or 7 days. Each
    reminder is claimed (a unique row) in the transaction that sends the mails, as the FG's
    are: a run at the same moment (a second server's cron) sends none of the claimed ones
    again, and mails that could not be sent leave them unclaimed for the next run."""
    officers = _recipients("agreements.submit_agreement")
    if not officers:
        return 0  # unclaimed: they go out once someone can receive them
    with transaction.atomic():
        due = [item for item in due_expiry_reminders(today) if _claim(item)]
        if not due:
            return 0
        subject = ngettext(
            "%(count)s verwerkersovereenkomst loopt binnenkort af",
            "%(count)s verwerkersovereenkomsten lopen binnenkort af",
            len(due),
        ) % {"count": len(due)}
        for officer in officers:
            send_mail_to(
                officer.email,
                subject,
                "agreements_expiring",
                {"user": officer, "items": due},
                connection,
            )
    return len(officers)


def _claim(item: Expiring) -> bool:
    """Claim this reminder; False when another run already did."""
    _reminder, claimed = ReminderSent.objects.get_or_create(
        agreement=item.agreement, threshold=item.threshold, ends_on=item.agreement.ends_on
    )
    return claimed


def send_reminders(today: datetime.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    connection = get_connection()
    return {
        "fg": send_review_reminders(today, connection),
        "privacy_officers": send_expiry_reminders(today, connection),
    }
