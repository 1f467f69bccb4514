"""The flags engine fingerprints agreements in bulk from plain values; the result must be
byte-identical to the per-agreement fingerprint an FG's review stores."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import (
    Agreement,
    DocumentKind,
    content_read_once,
    fingerprint,
    load_content_values,
)
from agreements.services import add_document
from bench.generate import generate_register
from register.demo import load_demo
from register.revision import current_revision, marks_table

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

pytestmark = pytest.mark.django_db


def per_instance() -> dict[int, tuple[dict, str, bool]]:
    return {
        a.pk: (a.fingerprint_content(), a.content_fingerprint(), a.approval_matches_content())
        for a in Agreement.objects.all()  # no prefetch: every relation read on its own
    }


def in_bulk() -> dict[int, tuple[dict, str, bool]]:
    agreements = load_content_values(
        Agreement.objects.prefetch_related("reviews"), all_agreements=True
    )
    return {
        a.pk: (a.fingerprint_content(), a.content_fingerprint(), a.approval_matches_content())
        for a in agreements
    }


def test_bulk_fingerprints_equal_the_per_agreement_ones_on_the_demo_board():
    load_demo()
    bulk = in_bulk()
    assert bulk == per_instance()
    assert any(matches for _content, _fp, matches in bulk.values())
    assert any(not matches for _content, _fp, matches in bulk.values())


def test_bulk_fingerprints_equal_the_per_agreement_ones_on_a_generated_register():
    generate_register(scale=0.01, seed=5)
    assert in_bulk() == per_instance()


def test_bulk_fingerprints_of_some_agreements_read_only_their_content():
    generate_register(scale=0.01, seed=5)
    some = list(Agreement.objects.order_by("pk")[:3])
    bulk = {a.pk: a.content_fingerprint() for a in load_content_values(some)}
    assert bulk == {a.pk: fingerprint(a.fingerprint_content()) for a in some}


def test_a_new_document_version_changes_the_bulk_fingerprint_like_the_single_one(fg):
    load_demo()
    agreement = Agreement.objects.filter(documents__isnull=False).first()
    before = load_content_values([Agreement.objects.get(pk=agreement.pk)])[0]
    add_document(
        agreement=agreement,
        kind=DocumentKind.AGREEMENT,
        content=PDF,
        original_name="v2.pdf",
        user=fg,
    )
    after = load_content_values([Agreement.objects.get(pk=agreement.pk)])[0]
    assert after.content_fingerprint() != before.content_fingerprint()
    single = Agreement.objects.get(pk=agreement.pk).content_fingerprint()
    assert after.content_fingerprint() == single


def _content_queries(captured) -> int:
    """The queries that read agreements' content (not the register's revision)."""
    return sum(marks_table() not in q["sql"] for q in captured.captured_queries)


def test_inside_content_read_once_a_second_read_reuses_the_first_until_the_register_changes(
    fg,
):
    load_demo()

    def agreements() -> list[Agreement]:
        return list(Agreement.objects.select_related("supplier").order_by("pk"))

    with content_read_once(current_revision):
        first, *others = agreements()
        load_content_values(others, all_agreements=True)
        every = agreements()
        with CaptureQueriesContext(connection) as captured:
            load_content_values(every, all_agreements=True)
        # Only the agreement not read before is read (5 queries), plus the revision.
        assert _content_queries(captured) == 5
        assert {a.pk: a.content_fingerprint() for a in every} == {
            a.pk: fingerprint(a.fingerprint_content()) for a in Agreement.objects.all()
        }
        every = agreements()
        with CaptureQueriesContext(connection) as captured:
            load_content_values(every, all_agreements=True)
        assert _content_queries(captured) == 0

        # A change to the register: read afresh, the new document in the fingerprint.
        before = every[1].content_fingerprint()
        add_document(
            agreement=every[1],
            kind=DocumentKind.AGREEMENT,
            content=PDF,
            original_name="v2.pdf",
            user=fg,
        )
        after = load_content_values([Agreement.objects.get(pk=every[1].pk)])[0]
        assert after.content_fingerprint() != before
        assert after.content_fingerprint() == fingerprint(
            Agreement.objects.get(pk=every[1].pk).fingerprint_content()
        )
