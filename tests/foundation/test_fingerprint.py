import datetime

import pytest

from agreements.models import Agreement, PrivacyNotice, Subprocessor, fingerprints_for
from agreements.services import add_document

from ..conftest import attrs, make_agreement, make_product

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def agreement():
    return make_agreement(
        [make_product()],
        attributes=("eckId", "givenName"),
        purposes="Oefenen",
        retention="1 jaar",
        processing_locations="Nederland",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2027, 12, 31),
    )


def test_the_fingerprint_is_stable_for_unchanged_content(agreement):
    first = agreement.content_fingerprint()
    assert first == Agreement.objects.get(pk=agreement.pk).content_fingerprint()
    assert len(first) == 64


def test_changing_reviewed_content_changes_the_fingerprint(agreement):
    before = agreement.content_fingerprint()
    changes = [
        lambda a: a.attributes.add(*attrs("mail")),
        lambda a: Subprocessor.objects.create(agreement=a, name="Host", countries="US"),
        lambda a: add_document(
            agreement=a, kind="overeenkomst", content=PDF, original_name="x.pdf"
        ),
        lambda a: PrivacyNotice.objects.create(agreement=a, product=a.products.first()),
        lambda a: Agreement.objects.filter(pk=a.pk).update(purposes="Iets anders"),
        lambda a: Agreement.objects.filter(pk=a.pk).update(retention="5 jaar"),
        lambda a: Agreement.objects.filter(pk=a.pk).update(processing_locations="VS"),
        lambda a: Agreement.objects.filter(pk=a.pk).update(ends_on=datetime.date(2028, 1, 1)),
    ]
    seen = {before}
    for change in changes:
        change(agreement)
        now = Agreement.objects.get(pk=agreement.pk).content_fingerprint()
        assert now not in seen, change
        seen.add(now)


def test_a_new_version_of_a_document_changes_the_fingerprint(agreement):
    add_document(agreement=agreement, kind="overeenkomst", content=PDF, original_name="v1.pdf")
    before = agreement.content_fingerprint()
    add_document(
        agreement=agreement, kind="overeenkomst", content=PDF + b"v2", original_name="v2.pdf"
    )
    assert agreement.content_fingerprint() != before


def test_per_product_notice_attributes_are_part_of_the_fingerprint(agreement):
    notice = PrivacyNotice.objects.create(agreement=agreement, product=agreement.products.first())
    before = agreement.content_fingerprint()
    notice.attributes.add(*attrs("resultaten"))
    assert agreement.content_fingerprint() != before


def test_bulk_fingerprints_use_a_fixed_number_of_queries(agreement, django_assert_num_queries):
    for _ in range(5):
        make_agreement([make_product()], attributes=("eckId",))
    # The agreements (with their suppliers), then 5 for their related content.
    with django_assert_num_queries(6):
        prints = fingerprints_for(Agreement.objects.select_related("supplier"))
    assert len(prints) == 6
    for pk, print_ in prints.items():
        assert print_ == Agreement.objects.get(pk=pk).content_fingerprint()


def test_an_approval_lapses_when_the_content_changes(fg):
    agreement = make_agreement([make_product()], status="goedgekeurd", reviewer=fg)
    assert agreement.approval_matches_content()
    assert agreement.is_current()
    agreement.attributes.add(*attrs("foto"))
    agreement = Agreement.objects.get(pk=agreement.pk)
    assert not agreement.approval_matches_content()
    assert agreement.changed_since_approval()
    assert not agreement.is_current()


def test_a_draft_is_neither_current_nor_changed_since_approval():
    agreement = make_agreement([make_product()])
    assert not agreement.is_current()
    assert not agreement.changed_since_approval()
