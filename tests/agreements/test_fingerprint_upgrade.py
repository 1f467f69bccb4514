"""Upgrading to the fingerprint that covers what the FG saw keeps every approval that held
(migration 0003), before reviews become append-only (0004)."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from agreements import append_only
from agreements.models import Agreement, AgreementStatus, Decision, Review, fingerprint
from register.rules import compute_flags
from register.workbook import OUTDATED_FINGERPRINT

from ..conftest import make_agreement, make_product

upgrade = importlib.import_module("agreements.migrations.0003_fingerprint_covers_what_the_fg_saw")

UPGRADE = ("agreements", "0003_fingerprint_covers_what_the_fg_saw")
APPEND_ONLY = ("agreements", "0004_reviews_append_only")


def old_fingerprint(agreement: Agreement) -> str:
    """The fingerprint as the register computed it before the upgrade: products by id only,
    and no reference, supplier, model or signatory."""
    content = (
        Agreement.objects.with_fingerprint_content().get(pk=agreement.pk).fingerprint_content()
    )
    old = {
        key: content[key]
        for key in (
            "attributes",
            "privacy_notices",
            "subprocessors",
            "documents",
            "purposes",
            "data_subjects",
            "retention",
            "processing_locations",
            "transfer_outside_eea",
            "transfer_safeguard",
            "signed_on",
            "starts_on",
            "ends_on",
        )
    }
    old["products"] = sorted(pk for pk, _supplier, _name in content["products"])
    return fingerprint(old)


def approved_before_the_upgrade(**fields) -> Agreement:
    """An approved agreement whose review holds the old definition's fingerprint."""
    agreement = make_agreement(
        [make_product()],
        attributes=("eckId",),
        purposes="Oefenen",
        signed_by="B. Bestuur",
        **fields,
    )
    Review.objects.create(
        agreement=agreement,
        decision=Decision.APPROVED,
        comment="Akkoord",
        reviewer_name="FG",
        fingerprint=old_fingerprint(agreement),
    )
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.APPROVED)
    return agreement


def state(agreement: Agreement) -> Agreement:
    return Agreement.objects.with_fingerprint_content().get(pk=agreement.pk)


BEFORE_LOCATIONS = ("agreements", "0005_review_findings_and_incomplete_reason")


def run_upgrade() -> int:
    """0003's function, run on the database as it was before subprocessors got a list of
    locations (0006; 0003 reads `country`), then migrated forward again."""
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_LOCATIONS])
    executor.loader.build_graph()
    state_apps = executor.loader.project_state([BEFORE_LOCATIONS]).apps
    try:
        # The migration runs before the append-only triggers exist (0004).
        with append_only.lifted():
            return upgrade.upgrade_fingerprints(state_apps)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_approval_that_held_before_the_upgrade_still_holds_after_it():
    agreement = approved_before_the_upgrade()
    assert state(agreement).changed_since_approval()  # what the upgrade would show without 0003

    assert run_upgrade() == 1

    assert state(agreement).is_current()
    assert not [f for f in compute_flags() if f.code == "approval_outdated"]
    review = Review.objects.get(agreement=agreement)
    assert review.history.latest("history_date").history_change_reason == upgrade.REASON
    assert run_upgrade() == 0  # a second run changes nothing


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_approval_outdated_before_the_upgrade_stays_outdated():
    changed = approved_before_the_upgrade()
    Agreement.objects.filter(pk=changed.pk).update(retention="10 jaar")  # after the approval
    imported = approved_before_the_upgrade()
    Review.objects.create(
        agreement=imported,
        decision=Decision.APPROVED,
        comment="Akkoord actueel: nee",
        fingerprint=OUTDATED_FINGERPRINT,
        imported=True,
    )
    stored = Review.objects.get(agreement=changed).fingerprint

    assert run_upgrade() == 1  # only the first review of `imported`, which still matched

    assert state(changed).changed_since_approval()
    assert state(imported).changed_since_approval()  # its latest approval says "nee"
    assert Review.objects.get(agreement=changed).fingerprint == stored
    assert Review.objects.filter(fingerprint=OUTDATED_FINGERPRINT).count() == 1


@pytest.mark.django_db
def test_the_upgrade_runs_before_reviews_become_append_only():
    executor = MigrationExecutor(connection)
    assert UPGRADE in executor.loader.graph.forwards_plan(APPEND_ONLY)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrating_an_existing_register_keeps_its_approvals_and_locks_its_reviews():
    agreement = approved_before_the_upgrade(reference="VO-OUD")
    executor = MigrationExecutor(connection)
    # Back to the register before this change: no triggers, the old fingerprint stored.
    executor.migrate([("agreements", "0002_remindersent")])
    assert not append_only.is_installed(connection)

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert state(agreement).is_current()
    assert append_only.is_installed(connection)
