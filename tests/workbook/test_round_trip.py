"""Export the demo board, import it into an empty register, export again: same content."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction

from agreements.models import Agreement, Review
from register.demo import load_demo
from register.workbook import import_workbook

from .conftest import as_dicts, read_sheets

pytestmark = pytest.mark.django_db


def test_the_demo_register_survives_a_round_trip_through_an_empty_register(tmp_path):
    first = tmp_path / "first" / "register.xlsx"
    first.parent.mkdir()
    with transaction.atomic():
        load_demo()
        call_command("export_register", str(first), "--with-documents")
        outdated_before = sorted(
            a.reference
            for a in Agreement.objects.with_fingerprint_content()
            if a.changed_since_approval()
        )
        transaction.set_rollback(True)
    assert not Agreement.objects.exists()

    result = import_workbook(first)
    assert result.errors == []

    second = tmp_path / "second.xlsx"
    call_command("export_register", str(second))
    before, after = read_sheets(first), read_sheets(second)
    assert list(before) == list(after)
    for name in before:
        if name == "Documenten":
            continue
        assert before[name] == after[name], name

    # Documents: same agreements, kinds and hashes; only the stored names differ.
    def documents(sheets):
        return [
            (r["Overeenkomst"], r["Soort"], r["Sha256"]) for r in as_dicts(sheets, "Documenten")
        ]

    assert documents(before) == documents(after)
    # The approval that lapsed before the export still lapses after the import.
    assert outdated_before == ["VWO-2023-007"]
    assert [
        a.reference
        for a in Agreement.objects.with_fingerprint_content()
        if a.changed_since_approval()
    ] == outdated_before
    assert Review.objects.filter(imported=True).count() == Review.objects.count() > 0


def test_an_exported_workbook_imports_back_into_the_same_register_without_changes(tmp_path):
    load_demo()
    path = tmp_path / "register.xlsx"
    call_command("export_register", str(path))
    result = import_workbook(path)
    assert result.errors == []
    assert result.changes == []
