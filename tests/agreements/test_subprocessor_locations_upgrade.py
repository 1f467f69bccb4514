"""Subprocessors get a list of locations, notices their own content, agreements a DVO
reference (agreements 0006, DESIGN.md 11.2): no approval given before turns outdated."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from agreements.models import (
    Agreement,
    AgreementStatus,
    PrivacyNotice,
    Subprocessor,
    fingerprint,
)
from register.rules import compute_flags

from ..conftest import make_agreement, make_product

BEFORE = ("agreements", "0005_review_findings_and_incomplete_reason")


def fingerprint_before_0006(agreement: Agreement) -> str:
    """The definition as it was before 0006: subprocessors as (name, service, country,
    safeguard), notices as (product, codes), no DVO reference (frozen here)."""
    agreement = Agreement.objects.with_fingerprint_content().get(pk=agreement.pk)
    content = agreement.fingerprint_content()
    content["subprocessors"] = sorted(
        [s.name, s.service, s.countries, s.safeguard] for s in agreement.subprocessors.all()
    )
    content["privacy_notices"] = sorted(
        [n.product_id, sorted(a.code for a in n.attributes.all())]
        for n in agreement.privacy_notices.all()
    )
    content.pop("dvo_reference", None)
    return fingerprint(content)


def approved(**fields) -> Agreement:
    product = make_product()
    agreement = make_agreement(
        [product],
        status=AgreementStatus.APPROVED,
        attributes=("eckId",),
        subprocessors=(("Cloud Inc", "US", "SCC's"), ("Hosting BV", "NL", "")),
        starts_on=datetime.date(2020, 1, 1),
        **fields,
    )
    notice = PrivacyNotice.objects.create(agreement=agreement, product=product)
    notice.attributes.set(agreement.attributes.all())
    review = agreement.reviews.get()
    review_fingerprint = Agreement.objects.get(pk=agreement.pk).content_fingerprint()
    # The approval covers the notice too (as the FG saw it).
    agreement.reviews.model.objects.create(
        agreement=agreement,
        decision=review.decision,
        comment="Opnieuw beoordeeld",
        reviewer_name="FG",
        fingerprint=review_fingerprint,
    )
    return agreement


@pytest.mark.django_db
def test_content_as_it_was_before_keeps_the_fingerprint_it_had():
    agreement = approved()

    assert agreement.content_fingerprint() == fingerprint_before_0006(agreement)
    assert Agreement.objects.with_fingerprint_content().get(pk=agreement.pk).is_current()


@pytest.mark.django_db
def test_filling_a_new_field_voids_the_approval():
    changes = [
        lambda a: Agreement.objects.filter(pk=a.pk).update(dvo_reference="DVO-123"),
        lambda a: Subprocessor.objects.filter(agreement=a, name="Cloud Inc").update(
            safeguard_kind="dpf"
        ),
        lambda a: Subprocessor.objects.filter(agreement=a, name="Cloud Inc").update(
            headquarters="US"
        ),
        lambda a: Subprocessor.objects.filter(agreement=a, name="Hosting BV").update(
            countries="NL, BE"
        ),
        lambda a: PrivacyNotice.objects.filter(agreement=a).update(retention="1 jaar"),
        lambda a: a.privacy_notices.get().subprocessors.add(a.subprocessors.get(name="Cloud Inc")),
    ]
    for change in changes:
        agreement = approved()
        change(agreement)
        fresh = Agreement.objects.with_fingerprint_content().get(pk=agreement.pk)
        assert fresh.changed_since_approval(), change


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrating_an_existing_register_keeps_its_approvals_and_countries():
    agreement = approved(reference="VO-LAND")
    before = agreement.content_fingerprint()
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])  # `country` again, carried back from the list
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    fresh = Agreement.objects.with_fingerprint_content().get(pk=agreement.pk)
    assert {s.name: s.countries for s in fresh.subprocessors.all()} == {
        "Cloud Inc": "US",
        "Hosting BV": "NL",
    }
    assert fresh.content_fingerprint() == before
    assert fresh.is_current()
    assert not [f for f in compute_flags() if f.code == "approval_outdated"]
