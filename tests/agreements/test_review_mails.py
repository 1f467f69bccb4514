"""Telling people (issue 17): a submission mails the FGs but never the submitter, a decision
mails the submitter; both only after the commit, through Django's mail backend, with a link."""

import pytest
from django.core import mail
from django.urls import reverse

from agreements.services import decide_agreement, submit_agreement

from ..conftest import client_for, complete_checklist, make_agreement, make_product

pytestmark = pytest.mark.django_db


def ready():
    return complete_checklist(make_agreement([make_product("Rekenmaatje")], reference="VO-MAIL"))


def test_a_submission_mails_every_fg_but_the_submitter(
    privacy_officer, fg, fg2, fg_officer, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://register.example.nl"
    agreement = ready()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit_agreement(agreement=agreement, user=fg_officer)
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == ["fg2@example.nl", "fg@example.nl"]
    message = mail.outbox[0]
    assert "VO-MAIL" in message.subject
    assert f"https://register.example.nl{agreement.get_absolute_url()}" in message.body


def test_a_decision_mails_the_submitter_with_the_decision_and_a_link(
    privacy_officer, fg, django_capture_on_commit_callbacks
):
    agreement = ready()
    submit_agreement(agreement=agreement, user=privacy_officer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decide_agreement(
            agreement=agreement, user=fg, decision="aanpassing_gevraagd", comment="Bewaartermijn?"
        )
    assert [m.to for m in mail.outbox] == [["privacy_officer@example.nl"]]
    message = mail.outbox[0]
    assert message.subject == "Besluit FG over VO-MAIL: Aanpassing gevraagd"
    assert "Bewaartermijn?" in message.body
    assert agreement.get_absolute_url() in message.body
    html = message.alternatives[0][0]
    assert 'href="http' in html and agreement.get_absolute_url() in html


def test_a_refused_submission_mails_nobody(privacy_officer, fg, django_capture_on_commit_callbacks):
    agreement = make_agreement([make_product()])
    with django_capture_on_commit_callbacks(execute=True):
        client_for(privacy_officer).post(
            reverse("agreements:agreement_submit", args=[agreement.pk])
        )
    assert mail.outbox == []
