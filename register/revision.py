"""The register's revision: a value that changes whenever a write to the register becomes
visible, read in one query, so that the rules can keep what they computed until then.

Database triggers, not signals, note the writes: they also see `QuerySet.update()`,
`bulk_create()`, raw SQL, imports, restores and `flush`, which bypass Django's signals. A
stale revision would mean wrong flags, so nothing in the application has to remember to
bump it. The triggers live in migrations (`WriteTriggers`, per-vendor SQL that `sqlmigrate`
shows): every table of the suppliers, agreements and register apps except history tables
has them, and a migration that adds a table adds `WriteTriggers(["<table>"])` too
(tests/rules/test_rules_cache.py fails for a register table without them).

A mark is a random 128-bit value (a UUID on PostgreSQL), so no mark is ever made twice (not by a rolled-back
transaction, another server or a restored copy).

- SQLite (one writer at a time): every written row replaces the single mark by a new one.
- PostgreSQL (concurrent writers): each writing transaction inserts one mark, at its
  first write (no row is shared between transactions, so the triggers add no lock waits).
  The revision is a digest of the visible marks: a commit adds one, a rollback leaves
  none. Inside the writing transaction the number of its latest write (from a sequence,
  kept in a transaction-local setting that a rollback to a savepoint restores with the
  data) completes the revision. Past `PRUNE_ABOVE` marks, the first write of the next
  transaction replaces them by its own mark, so the digest stays cheap; reading the revision
  never writes (a GET never writes).
"""

from __future__ import annotations

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.operations.base import Operation

REGISTER_APPS = ("suppliers", "agreements", "register")
TRIGGER = "register_note_write"
MARK = "register.mark"  # PostgreSQL: the current transaction's mark
WRITES = "register.last_write"  # PostgreSQL: the current transaction's latest write
SEQUENCE = "register_write_seq"
PRUNE_ABOVE = 500  # PostgreSQL: marks (write transactions) kept before they are pruned
PRUNE_LOCK = 0x72656769  # PostgreSQL: the advisory lock of the one transaction that prunes
MARKS = "register_registerwrite"  # RegisterWrite's table (fixed: migrations name it)
# 32 random hex digits: a mark is never made twice, not even by another server or in a
# restored copy of the database.
_SQLITE_RANDOM = "lower(hex(randomblob(16)))"
_POSTGRESQL_RANDOM = "replace(gen_random_uuid()::text, '-', '')"


def marks_table() -> str:
    return MARKS


def register_tables() -> list[str]:
    """The tables whose content the rules read: every model (many-to-many tables included)
    of the register apps, except simple-history's tables, the marks themselves and the
    level snapshots."""
    tables = []
    for label in REGISTER_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            names = {f.name for f in model._meta.get_fields()}
            if "history_id" in names or "m2m_history_id" in names:
                continue
            tables.append(model._meta.db_table)
    # No rule reads the level snapshots, and the level page writes one a day: leaving them
    # out keeps that write from setting the rules to work again.
    # The rules' notes (register/rules/notes.py) are written with the writes they describe.
    # Nor does a rule read which day an FG was reminded (send_reminders writes it daily).
    skipped = {
        marks_table(),
        apps.get_model("register", "LevelSnapshot")._meta.db_table,
        apps.get_model("register", "RulesNote")._meta.db_table,
        apps.get_model("agreements", "ReviewReminderSent")._meta.db_table,
    }
    return sorted(t for t in set(tables) if t not in skipped)


def _sqlite_statements(table: str, marks: str) -> list[str]:
    body = f'DELETE FROM "{marks}"; INSERT INTO "{marks}" (mark) VALUES ({_SQLITE_RANDOM});'
    return [
        f'CREATE TRIGGER IF NOT EXISTS "{TRIGGER}_{table}_{event.lower()}" '
        f'AFTER {event} ON "{table}" FOR EACH ROW BEGIN {body} END'
        for event in ("INSERT", "UPDATE", "DELETE")
    ]


def _postgresql_function(marks: str, *, last_write: bool = True) -> str:
    # The transaction's mark is made at its first write and kept in a transaction-local
    # setting; every write (re)inserts it, so it is there even after a delete of the marks.
    # Each write also draws a number from a sequence into another transaction-local
    # setting: a rollback (to a savepoint) restores the settings with the data, and a
    # number drawn is never drawn again, so inside the writing transaction the revision
    # changes with every write, without a row written twice.
    # The mark's row keeps the number of the transaction's latest write (its own row: no
    # other transaction waits for it), so that the rules can tell after the commit whether
    # every write of the transaction was noted (register/rules/notes.py).
    # Past PRUNE_ABOVE marks, a transaction's first write deletes the marks it sees (never
    # another open transaction's, which it cannot see); only one transaction prunes at a
    # time, and no writer waits for it (pg_try_advisory_xact_lock does not wait).
    # Without `last_write`: the function of a schema whose marks table has no such column yet
    # (a WriteTriggers of a migration before register/0012; see `WriteTriggers`).
    if last_write:
        record = f"""
            last_write := nextval('{SEQUENCE}');
            INSERT INTO "{marks}" (mark, last_write) VALUES (this_mark, last_write)
                ON CONFLICT (mark) DO UPDATE SET last_write = EXCLUDED.last_write;
            PERFORM set_config('{WRITES}', last_write::text, true);"""
    else:
        record = f"""
            INSERT INTO "{marks}" (mark) VALUES (this_mark) ON CONFLICT (mark) DO NOTHING;
            PERFORM set_config('{WRITES}', nextval('{SEQUENCE}')::text, true);"""
    return f"""
        CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            this_mark text := coalesce(current_setting('{MARK}', true), '');
            last_write bigint;
        BEGIN
            IF this_mark = '' THEN
                this_mark := {_POSTGRESQL_RANDOM};
                PERFORM set_config('{MARK}', this_mark, true);
                IF (SELECT count(*) FROM (SELECT 1 FROM "{marks}" LIMIT {PRUNE_ABOVE + 1}) AS kept)
                        > {PRUNE_ABOVE}
                   AND pg_try_advisory_xact_lock({PRUNE_LOCK}) THEN
                    DELETE FROM "{marks}";
                END IF;
            END IF;{record}
            RETURN NULL;
        END $$"""


def _postgresql_trigger(table: str) -> str:
    return (
        f"CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()'
    )


def _first_mark_sql(vendor: str) -> str:
    random = _POSTGRESQL_RANDOM if vendor == "postgresql" else _SQLITE_RANDOM
    return (
        f'INSERT INTO "{MARKS}" (mark) SELECT {random} WHERE NOT EXISTS (SELECT 1 FROM "{MARKS}")'
    )


def trigger_sql(vendor: str, tables: list[str], *, last_write: bool = True) -> list[str]:
    """The statements that install the write triggers on `tables` (idempotent), and a first
    mark so that the rules can keep results from the first request on. `last_write`: the
    marks table has that column (register/0012)."""
    if vendor == "postgresql":
        statements = [
            f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}",
            _postgresql_function(MARKS, last_write=last_write),
        ]
        statements += [_postgresql_trigger(table) for table in tables]
    elif vendor == "sqlite":
        statements = [sql for table in tables for sql in _sqlite_statements(table, MARKS)]
    else:  # pragma: no cover - settings only allow SQLite and PostgreSQL
        return []
    return [*statements, _first_mark_sql(vendor)]


def drop_trigger_sql(vendor: str, tables: list[str]) -> list[str]:
    if vendor == "postgresql":
        return [f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"' for table in tables]
    return [
        f'DROP TRIGGER IF EXISTS "{TRIGGER}_{table}_{event}"'
        for table in tables
        for event in ("insert", "update", "delete")
    ]


class WriteTriggers(Operation):
    """Migration operation: install the write triggers on `tables`, as SQL for the
    database's vendor (shown by `sqlmigrate`)."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, tables: list[str]) -> None:
        self.tables = list(tables)

    def deconstruct(self):
        return (f"{__name__}.{self.__class__.__qualname__}", [], {"tables": self.tables})

    def state_forwards(self, app_label, state) -> None:
        pass  # the schema Django models does not change

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        # The trigger function is replaced by every WriteTriggers; it must match the schema
        # of the migration it runs in: one run before register/0012 adds `last_write` to the
        # marks (the later ones' data migrations write register rows) writes no such column.
        vendor = schema_editor.connection.vendor
        for statement in trigger_sql(vendor, self.tables, last_write=_has_last_write(to_state)):
            schema_editor.execute(statement, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        vendor = schema_editor.connection.vendor
        for statement in drop_trigger_sql(vendor, self.tables):
            schema_editor.execute(statement, params=None)
        if vendor == "postgresql" and _has_marks(to_state):
            # The function the remaining triggers call must match the schema migrated back
            # to (register/0012 reversed drops `last_write`).
            function = _postgresql_function(MARKS, last_write=_has_last_write(to_state))
            schema_editor.execute(function, params=None)

    def describe(self) -> str:
        return f"Install the register's write triggers on {len(self.tables)} tables"


def _has_marks(state) -> bool:
    try:
        state.apps.get_model("register", "RegisterWrite")
    except LookupError:
        return False
    return True


def _has_last_write(state) -> bool:
    try:
        model = state.apps.get_model("register", "RegisterWrite")
    except LookupError:
        return False
    return any(f.name == "last_write" for f in model._meta.get_fields())


def first_mark_after_flush(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """After `flush` (and `migrate`): a mark, if there is none, so that the rules can keep
    results from the first request on. The triggers themselves come with the migrations."""
    connection = connections[using]
    if MARKS not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        cursor.execute(_first_mark_sql(connection.vendor))


def current_revision(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """The register's revision as this connection sees it, in one query; None when it
    cannot be known (e.g. the marks were flushed), in which case nothing may be cached."""
    connection = connections[using]
    marks = marks_table()
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT mark FROM "{marks}"')
            rows = cursor.fetchall()
        return str(rows[0][0]) if len(rows) == 1 else None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), md5(coalesce(string_agg(mark, ',' ORDER BY mark), '')), "
            f"coalesce(current_setting('{WRITES}', true), '') "
            f'FROM "{marks}"'
        )
        count, digest, last_write = cursor.fetchone()
    return f"{count}:{digest}:{last_write}" if count else None


def prune_marks(using: str = DEFAULT_DB_ALIAS) -> None:
    """Replace the visible marks by one fresh mark (PostgreSQL; SQLite keeps one anyway).
    Not needed in normal use: the triggers prune past PRUNE_ABOVE marks.

    The fresh mark was never seen before, so the revision after the prune differs from
    every earlier one even though no register table changed.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    marks = marks_table()
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{marks}"')
        cursor.execute(f'INSERT INTO "{marks}" (mark) VALUES ({_POSTGRESQL_RANDOM})')
