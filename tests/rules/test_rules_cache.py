"""The flags and the level are kept until the register changes (register/rules/cache.py).

A kept result that survives a change would be a wrong flag, so every way of writing to the
register is tried here, on SQLite and on PostgreSQL (CI runs both): model saves, queryset
updates, bulk inserts, many-to-many links, deletes, raw SQL and rolled-back transactions.
"""

import datetime
import gc
import io
import uuid
import weakref

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement, AgreementStatus, Decision, Review
from bench.generate import flush_register
from register.models import LevelText, ProcessingActivity, RegisterWrite
from register.revision import (
    PRUNE_ABOVE,
    WriteTriggers,
    current_revision,
    prune_marks,
    register_tables,
)
from register.rules import cache, compute_flags, compute_level, flags_for_product
from register.rules.flags import collector_paused
from register.rules.level import record_snapshot
from suppliers.models import DataFlow, Product

from ..conftest import attrs, client_for, make_agreement, make_flow, make_product
from .test_flags import in_register

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)
DAY = datetime.timedelta(days=1)


def covered_product(**agreement_fields):
    """A product in a complete activity, sending eckId under a current approved agreement:
    no flags at all."""
    product = make_product()
    make_flow(product, "eckId", "direct")
    in_register(product)
    agreement_fields.setdefault("signed_on", TODAY - 30 * DAY)
    agreement = make_agreement(
        [product], status=AgreementStatus.APPROVED, attributes=("eckId",), **agreement_fields
    )
    return product, agreement


def codes_of(product, today=TODAY) -> set[str]:
    return {f.code for f in compute_flags(today) if f.product is not None and f.product == product}


@pytest.fixture
def product_and_agreement():
    product, agreement = covered_product()
    assert codes_of(product) == set()  # and now it is kept
    return product, agreement


def test_a_repeated_computation_costs_one_query_until_the_register_changes(product_and_agreement):
    product, _agreement = product_and_agreement
    with CaptureQueriesContext(connection) as captured:
        compute_flags(TODAY)
    assert len(captured) == 1
    make_flow(product, "geboortedatum")
    with CaptureQueriesContext(connection) as captured:
        flags = compute_flags(TODAY)
    assert len(captured) > 1
    assert {f.code for f in flags if f.product == product} == {"flow_exceeds_agreement"}


def test_a_queryset_update_ends_the_kept_flags(product_and_agreement):
    product, agreement = product_and_agreement
    Agreement.objects.filter(pk=agreement.pk).update(ends_on=TODAY - DAY)
    assert codes_of(product) == {"approval_outdated"}


def test_a_bulk_insert_ends_the_kept_flags(product_and_agreement):
    product, _agreement = product_and_agreement
    DataFlow.objects.bulk_create(
        [DataFlow(product=product, attribute=attrs("geboortedatum")[0], channel="entree")]
    )
    assert "flow_exceeds_agreement" in codes_of(product)


def test_removing_a_many_to_many_link_ends_the_kept_flags(product_and_agreement):
    product, agreement = product_and_agreement
    agreement.attributes.clear()
    assert "flow_exceeds_agreement" in codes_of(product)
    ProcessingActivity.objects.get().products.clear()
    assert "register_incomplete" in codes_of(product)


def test_a_delete_ends_the_kept_flags(product_and_agreement):
    product, _agreement = product_and_agreement
    DataFlow.objects.filter(product=product).delete()
    assert codes_of(product) == {"flows_unknown"}


def test_raw_sql_ends_the_kept_flags(product_and_agreement):
    product, agreement = product_and_agreement
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Agreement._meta.db_table} SET ends_on = %s WHERE id = %s",
            [TODAY - DAY, agreement.pk],
        )
    assert codes_of(product) == {"approval_outdated"}


def test_renaming_a_covered_product_ends_the_kept_flags(product_and_agreement):
    # The approval covers the product's name, so a write to another table voids it.
    product, _agreement = product_and_agreement
    Product.objects.filter(pk=product.pk).update(name="Hernoemd")
    assert codes_of(product) == {"approval_outdated"}


def test_a_new_review_ends_the_kept_flags_and_a_refused_change_keeps_them(
    product_and_agreement,
):
    product, agreement = product_and_agreement
    Agreement.objects.filter(pk=agreement.pk).update(retention="Anders")
    assert codes_of(product) == {"approval_outdated"}
    revision = current_revision()
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(agreement=agreement).update(fingerprint="vervalst")
    assert current_revision() == revision  # append-only: nothing was written
    Review.objects.create(
        agreement=agreement,
        decision=Decision.APPROVED,
        comment="Opnieuw akkoord",
        fingerprint=Agreement.objects.get(pk=agreement.pk).content_fingerprint(),
    )
    assert codes_of(product) == set()


def test_flags_computed_inside_a_rolled_back_transaction_are_not_shown_after_it(
    product_and_agreement,
):
    product, _agreement = product_and_agreement
    with transaction.atomic():
        Product.objects.filter(pk=product.pk).update(processes_personal_data=False)
        assert codes_of(product) == set()
        DataFlow.objects.filter(product=product).delete()
        Product.objects.filter(pk=product.pk).update(processes_personal_data=True)
        assert codes_of(product) == {"flows_unknown"}  # a later write in the same transaction
        transaction.set_rollback(True)
    assert codes_of(product) == set()
    make_flow(product, "geboortedatum")  # a new write after the rollback
    assert codes_of(product) == {"flow_exceeds_agreement"}


def test_a_savepoint_rolled_back_gives_the_flags_before_it(product_and_agreement):
    product, agreement = product_and_agreement
    make_flow(product, "geboortedatum")
    assert codes_of(product) == {"flow_exceeds_agreement"}
    with transaction.atomic():
        agreement.attributes.add(*attrs("geboortedatum"))
        assert codes_of(product) == {"approval_outdated"}
        transaction.set_rollback(True)
    assert codes_of(product) == {"flow_exceeds_agreement"}


def test_after_the_register_is_emptied_the_flags_are_computed_afresh_without_reading_notes(
    product_and_agreement,
):
    # `generate_register --flush` empties the register and restarts the notes' numbering:
    # no note can chain from the kept state, and the rules know that before any query
    # (the first page after it paid one query more, depending on earlier writes).
    flush_register()
    make_product()  # a noted write, numbered from the start again
    with CaptureQueriesContext(connection) as after_flush:
        flags = compute_flags(TODAY)
    cache.forget()
    with CaptureQueriesContext(connection) as afresh:
        assert compute_flags(TODAY) == flags
    assert len(after_flush) == len(afresh)


def test_the_flags_follow_the_day():
    product, _agreement = covered_product(ends_on=TODAY + 5 * DAY)
    assert codes_of(product, TODAY) == {"expiring"}
    assert codes_of(product, TODAY + 6 * DAY) == {"expired"}


def test_the_product_page_shows_a_change_at_once_when_the_flags_are_kept(
    product_and_agreement, privacy_officer
):
    product, agreement = product_and_agreement
    client = client_for(privacy_officer)
    compute_flags()  # today's flags of the whole register are kept
    assert flags_for_product(product) == []
    Agreement.objects.filter(pk=agreement.pk).update(ends_on=datetime.date(2000, 1, 1))
    page = client.get(product.get_absolute_url()).content.decode()
    assert "Gewijzigd na akkoord FG" in page


def test_the_product_flags_from_the_kept_register_match_the_products_own(privacy_officer):
    product, _agreement = covered_product()
    make_flow(product, "geboortedatum")
    other = make_product()
    make_flow(other, "eckId", "direct")
    computed_alone = sorted(f.code for f in flags_for_product(other))
    compute_flags()
    assert sorted(f.code for f in flags_for_product(other)) == computed_alone
    assert computed_alone == ["no_agreement", "register_incomplete"]


def test_the_level_follows_a_new_level_text():
    first = compute_level(TODAY)
    LevelText.objects.filter(level=first.level).update(text="Een eigen tekst van het bestuur.")
    assert compute_level(TODAY).text(first.level).text == "Een eigen tekst van het bestuur."


def test_a_level_kept_is_the_same_as_one_computed_afresh(product_and_agreement):
    product, agreement = product_and_agreement
    Agreement.objects.filter(pk=agreement.pk).update(ends_on=TODAY - DAY)
    kept = compute_level(TODAY)
    afresh = compute_level(TODAY, flags=compute_flags(TODAY))
    assert kept.as_json() == afresh.as_json()
    assert compute_level(TODAY) is kept


def test_every_register_table_has_the_write_trigger():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = 'register_note_write'"
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'register_note_write_%'"
            )
        covered = {row[0] for row in cursor.fetchall()}
    tables = register_tables()
    assert {"suppliers_dataflow", "agreements_agreement_attributes", "register_organisation"} <= (
        set(tables)
    )
    assert not any("historical" in t for t in tables)
    assert set(tables) <= covered


def test_pruning_the_marks_changes_the_revision_but_not_the_flags(product_and_agreement):
    product, agreement = product_and_agreement
    before = current_revision()
    prune_marks()
    assert current_revision() is not None
    if connection.vendor == "postgresql":
        assert current_revision() != before
    Agreement.objects.filter(pk=agreement.pk).update(ends_on=TODAY - DAY)
    assert codes_of(product) == {"approval_outdated"}


def test_the_daily_snapshot_does_not_set_the_rules_to_work_again(product_and_agreement):
    product, agreement = product_and_agreement
    Agreement.objects.filter(pk=agreement.pk).update(ends_on=TODAY - DAY)
    level = compute_level(TODAY)
    snapshot, created = record_snapshot(today=TODAY)
    assert created and snapshot.high == level.severity_counts["high"] == 1
    with CaptureQueriesContext(connection) as captured:
        assert compute_level(TODAY) is level
    assert len(captured) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps a single mark")
def test_past_the_limit_the_next_write_prunes_the_marks_and_the_flags_stay_right(
    product_and_agreement,
):
    product, agreement = product_and_agreement
    RegisterWrite.objects.bulk_create(
        RegisterWrite(mark=uuid.uuid4().hex) for _ in range(PRUNE_ABOVE + 1)
    )
    marks = RegisterWrite.objects.count()
    assert current_revision() is not None
    assert RegisterWrite.objects.count() == marks  # reading the revision never writes
    with connection.cursor() as cursor:  # as if the next write began a new transaction
        cursor.execute("SELECT set_config('register.mark', '', true)")
    Agreement.objects.filter(pk=agreement.pk).update(ends_on=TODAY - DAY)
    assert RegisterWrite.objects.count() == 1
    assert current_revision().startswith("1:")
    assert codes_of(product) == {"approval_outdated"}


# Outside a transaction (SQLite's schema editor refuses one), and restoring the serialized
# rows afterwards like the backup tests, whose rows would otherwise clash with fresh ones.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sqlmigrate_shows_the_write_triggers():
    # 0005 installs them on the tables of its day; a later table brings its own migration.
    loader = MigrationLoader(None, ignore_no_migrations=True)
    names = sorted(
        name
        for (app, name), migration in loader.disk_migrations.items()
        if app == "register" and any(isinstance(op, WriteTriggers) for op in migration.operations)
    )
    assert names[0].startswith("0005")
    out = io.StringIO()
    for name in names:
        call_command("sqlmigrate", "register", name, stdout=out)
    sql = out.getvalue()
    for table in register_tables():
        assert f'ON "{table}"' in sql, table


def test_a_trigger_function_installed_before_the_rules_notes_writes_no_last_write():
    """On PostgreSQL every WriteTriggers replaces the one trigger function: those of
    migrations before register/0012 (which adds `last_write` to the marks) run before the
    column exists, and data migrations after them write register rows through it."""
    from register.revision import _has_last_write, trigger_sql

    loader = MigrationLoader(None, ignore_no_migrations=True)
    before = loader.project_state(("register", "0011_write_triggers_after_art30_fields"))
    after = loader.project_state(("register", "0012_rules_notes"))
    assert not _has_last_write(before) and _has_last_write(after)
    old = "\n".join(trigger_sql("postgresql", ["register_school"], last_write=False))
    new = "\n".join(trigger_sql("postgresql", ["register_school"]))
    assert "(mark, last_write)" not in old and "ON CONFLICT (mark) DO NOTHING" in old
    assert "DO UPDATE SET last_write" in new


def test_the_flags_engine_leaves_the_garbage_collector_as_it_found_it():
    assert gc.isenabled()
    cache.forget()
    compute_flags(TODAY)
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("a failing computation")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # the caller's choice stands
    finally:
        gc.enable()


def test_garbage_made_while_the_collector_is_paused_is_still_collected():
    """The burst joins the oldest generation rather than being walked at once: a reference
    cycle made in it and dropped is freed by the next full collection, not kept for good."""

    class Node:
        pass

    with collector_paused():
        node = Node()
        node.itself = node
        gone = weakref.ref(node)
        del node
    assert gone() is not None  # a cycle: reference counting alone does not free it
    assert gc.get_freeze_count() == 0  # nothing is left frozen
    gc.collect()
    assert gone() is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has a single writer")
def test_two_transactions_writing_to_the_register_do_not_wait_for_each_other():
    """The triggers share no row between transactions: a writer is never held up by
    another one that is still open (a shared counter row would be locked until commit)."""
    first, second = (
        connections.create_connection("default"),
        connections.create_connection("default"),
    )
    try:
        for wrapper in (first, second):
            wrapper.set_autocommit(False)
        with first.cursor() as cursor:
            cursor.execute("UPDATE register_leveltext SET text = text || '.' WHERE level = 1")
        with second.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
            cursor.execute("UPDATE register_leveltext SET text = text || '.' WHERE level = 2")
            cursor.execute("SELECT count(*) FROM register_registerwrite")
            assert cursor.fetchone()[0] >= 1
    finally:
        for wrapper in (first, second):
            wrapper.rollback()
            wrapper.close()


def test_results_of_an_earlier_revision_are_dropped_when_the_register_changes(
    product_and_agreement,
):
    product, _agreement = product_and_agreement
    compute_level(TODAY)
    assert len(cache._states) == 1
    ((old_revision, _state),) = cache._states.values()
    make_flow(product, "geboortedatum")
    compute_flags(TODAY)
    # One state per day and language: the earlier revision's is replaced, not kept beside.
    assert len(cache._states) == 1
    ((revision, _state),) = cache._states.values()
    assert revision != old_revision
