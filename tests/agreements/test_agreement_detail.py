import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import AgreementStatus, PrivacyNotice
from agreements.services import add_document, decide_agreement, submit_agreement

from ..conftest import (
    attrs,
    client_for,
    complete_checklist,
    make_agreement,
    make_product,
    make_supplier,
)
from .helpers import PDF

pytestmark = pytest.mark.django_db


def test_the_detail_shows_products_notices_subprocessors_documents_and_reviews(
    privacy_officer, fg, reader
):
    supplier = make_supplier("Toetsplein")
    lovs, adaptief = (
        make_product("LOVS", supplier=supplier),
        make_product("Adaptief", supplier=supplier),
    )
    agreement = make_agreement(
        [lovs, adaptief],
        attributes=("eckId",),
        subprocessors=(("Cloud Inc", "US", ""), ("Hosting BV", "NL", "")),
    )
    notice = PrivacyNotice.objects.create(agreement=agreement, product=lovs)
    notice.attributes.set(attrs("eckId", "gezondheid"))
    add_document(agreement=agreement, kind="overeenkomst", content=PDF, original_name="vo.pdf")
    complete_checklist(agreement)
    submit_agreement(agreement=agreement, user=privacy_officer)
    decide_agreement(agreement=agreement, user=fg, decision="goedgekeurd", comment="Prima zo")

    page = client_for(reader).get(agreement.get_absolute_url()).content.decode()
    assert "LOVS" in page and "Adaptief" in page
    assert "gezondheid" in page and "bijzonder (art. 9)" in page  # a special category
    assert "zoals de overeenkomst" in page  # Adaptief has no notice of its own
    assert "Cloud Inc" in page and "buiten EER" in page and "geen waarborg" in page
    assert "vo.pdf" in page
    assert "Prima zo" in page and "gelijk aan nu" in page
    assert "Wijzigen" not in page and "Indienen ter beoordeling" not in page


def build(n: int, privacy_officer, fg):
    supplier = make_supplier()
    products = [make_product(supplier=supplier) for _ in range(n)]
    agreement = make_agreement(
        products,
        attributes=("eckId", "mail"),
        subprocessors=tuple((f"Sub {i}", "NL", "") for i in range(n)),
    )
    for product in products:
        notice = PrivacyNotice.objects.create(agreement=agreement, product=product)
        notice.attributes.set(attrs("eckId"))
    for i in range(n):
        add_document(
            agreement=agreement,
            kind="overeenkomst",
            content=PDF + bytes([i]),
            original_name="v.pdf",
        )
    complete_checklist(agreement)
    submit_agreement(agreement=agreement, user=privacy_officer)
    decide_agreement(agreement=agreement, user=fg, decision="goedgekeurd", comment="Ok")
    # Change after approval so that the diff is computed too.
    agreement.refresh_from_db()
    agreement.retention = "anders"
    agreement.save()
    agreement.attributes.set(attrs("eckId"))
    return agreement


def queries_for(user, agreement) -> int:
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(agreement.get_absolute_url())
    assert response.status_code == 200
    assert "Gewijzigd na akkoord" in response.content.decode()
    return len(queries)


def test_the_detail_page_needs_the_same_queries_for_a_bigger_agreement(privacy_officer, fg):
    small = queries_for(fg, build(2, privacy_officer, fg))
    assert queries_for(fg, build(8, privacy_officer, fg)) == small


def test_the_review_queue_needs_the_same_queries_at_two_sizes(privacy_officer, fg):
    def fill(n):
        for _ in range(n):
            agreement = make_agreement([make_product(), make_product()])
            complete_checklist(agreement)
            submit_agreement(agreement=agreement, user=privacy_officer)

    def count():
        client = client_for(fg)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("agreements:review_queue"))
        return len(queries)

    fill(2)
    small = count()
    fill(10)
    assert count() == small


def test_an_empty_review_queue_says_so(fg):
    make_agreement([make_product()], status=AgreementStatus.DRAFT)
    page = client_for(fg).get(reverse("agreements:review_queue")).content.decode()
    assert "Er wachten geen overeenkomsten op uw beoordeling." in page


def test_the_term_says_when_no_dates_are_recorded(reader):
    import datetime

    agreement = make_agreement([make_product()])
    page = client_for(reader).get(agreement.get_absolute_url()).content.decode()
    term = page.split("Looptijd</dt>", 1)[1].split("</dd>", 1)[0]
    assert "niet vastgelegd" in term and "onbepaalde tijd" not in term
    agreement.starts_on = datetime.date(2026, 8, 1)
    agreement.save()
    page = client_for(reader).get(agreement.get_absolute_url()).content.decode()
    term = page.split("Looptijd</dt>", 1)[1].split("</dd>", 1)[0]
    assert "1 augustus 2026 – onbepaalde tijd" in term
