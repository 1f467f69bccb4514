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
    assert result.warnings == []  # nothing in an unchanged export is left unread


def test_text_typed_in_a_browser_survives_a_round_trip_without_voiding_the_approval(tmp_path):
    """A browser sends a textarea's line ends as "\\r\\n" (and pasted PDF text may hold a
    form feed): the cell reads back without them, which is no change to the register."""
    load_demo()
    agreement = next(
        a
        for a in Agreement.objects.with_fingerprint_content().order_by("reference")
        if a.is_current()
    )
    Agreement.objects.filter(pk=agreement.pk).update(
        purposes="Leerlingen volgen.\r\nResultaten\x0c bewaren.\r\n",
        retention="Tot een jaar na het schooljaar.\rDaarna verwijderd.",
    )
    fingerprint = Agreement.objects.get(pk=agreement.pk).content_fingerprint()
    path = tmp_path / "register.xlsx"
    call_command("export_register", str(path))

    result = import_workbook(path)

    assert result.errors == []
    assert result.changes == []
    stored = Agreement.objects.get(pk=agreement.pk)
    assert stored.purposes == "Leerlingen volgen.\r\nResultaten\x0c bewaren.\r\n"
    assert stored.content_fingerprint() == fingerprint


def test_a_subprocessor_whose_name_holds_a_control_character_is_found_again(tmp_path):
    """Word pastes a line break as \\x0b; the export leaves it out, and the import still
    finds the subprocessor instead of adding a second one (which voided the approval)."""
    from agreements.models import Subprocessor

    load_demo()
    sub = Subprocessor.objects.order_by("pk").first()
    Subprocessor.objects.filter(pk=sub.pk).update(name=sub.name.replace(" ", "\x0b", 1))
    count = Subprocessor.objects.count()
    path = tmp_path / "register.xlsx"
    call_command("export_register", str(path))

    result = import_workbook(path)

    assert result.errors == [] and result.changes == []
    assert Subprocessor.objects.count() == count


def test_the_same_countries_in_another_order_are_no_change_in_the_workbook(tmp_path):
    """A Land cell retyped as "BE; NL" over "NL; BE" names the same places: no change, and
    the approval keeps holding."""
    from openpyxl import load_workbook

    from agreements.models import Subprocessor

    load_demo()
    sub = next(s for s in Subprocessor.objects.order_by("pk") if "," in s.countries)
    fingerprint = sub.agreement.content_fingerprint()
    path = tmp_path / "register.xlsx"
    call_command("export_register", str(path))
    book = load_workbook(path)
    sheet = book["Subverwerkers"]
    headers = [cell.value for cell in sheet[1]]
    column = headers.index("Land")
    for row in sheet.iter_rows(min_row=2):
        if row[headers.index("Naam")].value == sub.name:
            row[column].value = "; ".join(reversed(row[column].value.split("; ")))
    book.save(path)

    result = import_workbook(path)

    assert result.errors == [] and result.changes == []
    assert Subprocessor.objects.get(pk=sub.pk).countries == sub.countries
    assert Agreement.objects.get(pk=sub.agreement_id).content_fingerprint() == fingerprint
