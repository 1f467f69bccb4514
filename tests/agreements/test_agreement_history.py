"""The history timeline: every change and decision, who and when, field by field."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.services import decide_agreement, submit_agreement

from ..conftest import client_for, complete_checklist, make_agreement, make_product
from .helpers import edit_data, pdf_upload

pytestmark = pytest.mark.django_db


def timeline(user, agreement) -> str:
    response = client_for(user).get(reverse("agreements:agreement_history", args=[agreement.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_timeline_shows_edits_field_by_field_with_their_author(privacy_officer, reader):
    agreement = make_agreement([make_product()], retention="1 jaar")
    client_for(privacy_officer).post(
        reverse("agreements:agreement_edit", args=[agreement.pk]),
        edit_data(
            agreement, retention="2 jaar", **{"sub-0-name": "Hosting BV", "sub-0-countries": "NL"}
        ),
    )
    page = timeline(reader, agreement)
    assert "Overeenkomst gewijzigd" in page
    assert "Bewaartermijn" in page and "1 jaar" in page and "2 jaar" in page
    assert "Subverwerker toegevoegd: Hosting BV" in page
    assert privacy_officer.get_full_name() in page


def test_the_timeline_shows_submission_decision_and_documents(privacy_officer, fg, reader):
    agreement = make_agreement([make_product()])
    client_for(privacy_officer).post(
        reverse("agreements:document_upload", args=[agreement.pk]),
        {"kind": "overeenkomst", "file": pdf_upload("getekend.pdf")},
    )
    complete_checklist(agreement)
    submit_agreement(agreement=agreement, user=privacy_officer)
    decide_agreement(agreement=agreement, user=fg, decision="afgekeurd", comment="Geen SCC's")
    page = timeline(reader, agreement)
    assert "Document geüpload: Verwerkersovereenkomst versie 1" in page
    assert "getekend.pdf" in page
    assert "Status gewijzigd" in page and "Ter beoordeling" in page
    assert "Besluit FG: Afgekeurd" in page and "Geen SCC&#x27;s" in page
    assert fg.get_full_name() in page


def test_the_timeline_shows_privacy_notice_changes(privacy_officer, reader):
    from suppliers.models import Attribute

    product = make_product("Taalwijs")
    agreement = make_agreement([product])
    client_for(privacy_officer).post(
        reverse("agreements:privacy_notice_edit", args=[agreement.pk, product.pk]),
        {"attributes": [Attribute.objects.get(code="eckId").pk], "version": 1},
    )
    page = timeline(reader, agreement)
    assert "Privacybijsluiter toegevoegd: Taalwijs" in page
    assert "eckId" in page


def test_the_timeline_query_count_does_not_grow_with_history(privacy_officer, reader):
    agreement = make_agreement([make_product()], subprocessors=(("Hosting", "NL", ""),))
    url = reverse("agreements:agreement_edit", args=[agreement.pk])

    def edit(n):
        for i in range(n):
            agreement.refresh_from_db()
            client_for(privacy_officer).post(url, edit_data(agreement, retention=f"{i} jaar"))

    def count():
        client = client_for(reader)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("agreements:agreement_history", args=[agreement.pk]))
        return len(queries)

    edit(2)
    small = count()
    edit(6)
    assert count() == small
