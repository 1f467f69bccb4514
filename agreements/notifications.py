"""Mails of the review workflow: a submission tells the FGs, a decision tells the submitter.

Sent by the services through `transaction.on_commit`, so nobody hears of a submission or a
decision that was rolled back; through Django's mail backend, each with a link to the page.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from .mail import agreement_url, send_mail_to
from .models import Agreement, Review

FG_GROUP = settings.FG_GROUP
logger = logging.getLogger(__name__)


def notify_submitted(agreement_pk: int) -> int:
    """Mail every FG but the submitter (AVG art. 38: never their own submission)."""
    agreement = Agreement.objects.select_related("supplier", "submitted_by").get(pk=agreement_pk)
    fgs = (
        get_user_model()
        .objects.filter(groups__name=FG_GROUP, is_active=True)
        .exclude(email="")
        .order_by("username")
        .distinct()
    )
    if agreement.submitted_by_id is not None:
        fgs = fgs.exclude(pk=agreement.submitted_by_id)
    subject = _("Ter beoordeling: %(ref)s (%(supplier)s)") % {
        "ref": agreement.reference,
        "supplier": agreement.supplier.name,
    }
    sent = 0
    for fg in fgs:
        _deliver(
            fg.email,
            subject,
            "agreement_submitted",
            {"user": fg, "agreement": agreement, "url": agreement_url(agreement)},
        )
        sent += 1
    return sent


def notify_decided(review_pk: int) -> int:
    """Mail the privacy officer who submitted the agreement the FG's decision."""
    review = Review.objects.select_related(
        "agreement", "agreement__supplier", "agreement__submitted_by"
    ).get(pk=review_pk)
    agreement = review.agreement
    submitter = agreement.submitted_by
    if submitter is None or not submitter.email or submitter.pk == review.reviewer_id:
        return 0
    subject = _("Besluit FG over %(ref)s: %(decision)s") % {
        "ref": agreement.reference,
        "decision": review.get_decision_display(),
    }
    _deliver(
        submitter.email,
        subject,
        "agreement_decided",
        {
            "user": submitter,
            "agreement": agreement,
            "review": review,
            "risks": list(review.accepted_findings.order_by("created_at", "pk")),
            "url": agreement_url(agreement),
        },
    )
    return 1


def _deliver(to: str, subject: str, template: str, context: dict) -> None:
    # After the commit the decision stands; a mail server that is down must not turn it
    # into an error page, so the failure is logged for the administrator instead.
    try:
        send_mail_to(to, subject, template, context)
    except OSError:
        logger.exception("Mail %s to %s could not be sent", template, to)
