"""Migration 0009 moves each activity's single legal basis into its list of legal bases, in
the activity and in its history, and the register keeps its write triggers afterwards."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from register.models import ProcessingActivity
from register.revision import current_revision

BEFORE = [("register", "0009_write_triggers_after_subprocessor_locations")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_single_legal_basis_becomes_the_first_of_the_list():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Activity = old.get_model("register", "ProcessingActivity")
    History = old.get_model("register", "HistoricalProcessingActivity")
    with_basis = Activity.objects.create(name="Oefenen", legal_basis="toestemming")
    without = Activity.objects.create(name="Leeg", legal_basis="")
    History.objects.create(
        id=with_basis.pk,
        name="Oefenen",
        legal_basis="overeenkomst",
        version=1,
        created_at=with_basis.created_at,
        updated_at=with_basis.updated_at,
        history_date=with_basis.updated_at,
        history_type="~",
    )

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert ProcessingActivity.objects.get(pk=with_basis.pk).legal_bases == ["toestemming"]
    assert ProcessingActivity.objects.get(pk=without.pk).legal_bases == []
    record = ProcessingActivity.history.get(id=with_basis.pk)
    assert record.legal_bases == ["overeenkomst"]
    # SQLite rebuilt the table: the triggers that mark writes are back (0010).
    before = current_revision()
    activity = ProcessingActivity.objects.get(pk=without.pk)
    activity.dpia = "gepland"
    activity.save()
    assert current_revision() != before
