"""The register's revision: a value that changes whenever a write to the register becomes
visible, read in one query, so that the rules can keep what they computed until then.

Database triggers, not signals, note the writes: they also see `QuerySet.update()`,
`bulk_create()`, raw SQL, imports, restores and `flush`, which bypass Django's signals. A
stale revision would mean wrong flags, so nothing in the application has to remember to
bump it. The triggers are (re)installed after every `migrate` on every table of the
suppliers, agreements and register apps except history tables, so a new model gets them
without a migration of its own.

A mark is a random 128-bit value (a UUID on PostgreSQL), so no mark is ever made twice (not by a rolled-back
transaction, another server or a restored copy).

- SQLite (one writer at a time): every written row replaces the single mark by a new one.
- PostgreSQL (concurrent writers): each writing transaction inserts one mark, at its
  first write (no row is shared between transactions, so the triggers add no lock waits).
  The revision is a digest of the visible marks: a commit adds one, a rollback leaves
  none. Inside the writing transaction the number of its latest write (from a sequence,
  kept in a transaction-local setting that a rollback to a savepoint restores with the
  data) completes the revision. Past `PRUNE_ABOVE` marks, the next reader replaces them
  by one fresh mark (`prune_marks()`), so the digest stays cheap.
"""

from __future__ import annotations

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction

REGISTER_APPS = ("suppliers", "agreements", "register")
TRIGGER = "register_note_write"
MARK = "register.mark"  # PostgreSQL: the current transaction's mark
WRITES = "register.last_write"  # PostgreSQL: the current transaction's latest write
SEQUENCE = "register_write_seq"
PRUNE_ABOVE = 500  # PostgreSQL: marks (write transactions) kept before they are pruned
# 32 random hex digits: a mark is never made twice, not even by another server or in a
# restored copy of the database.
_SQLITE_RANDOM = "lower(hex(randomblob(16)))"
_POSTGRESQL_RANDOM = "replace(gen_random_uuid()::text, '-', '')"


def marks_table() -> str:
    return apps.get_model("register", "RegisterWrite")._meta.db_table


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
    skipped = {marks_table(), apps.get_model("register", "LevelSnapshot")._meta.db_table}
    return sorted(t for t in set(tables) if t not in skipped)


def _sqlite_statements(table: str, marks: str) -> list[str]:
    body = f'DELETE FROM "{marks}"; INSERT INTO "{marks}" (mark) VALUES ({_SQLITE_RANDOM});'
    return [
        f'CREATE TRIGGER IF NOT EXISTS "{TRIGGER}_{table}_{event.lower()}" '
        f'AFTER {event} ON "{table}" FOR EACH ROW BEGIN {body} END'
        for event in ("INSERT", "UPDATE", "DELETE")
    ]


def _postgresql_function(marks: str) -> str:
    # The transaction's mark is made at its first write and kept in a transaction-local
    # setting; every write (re)inserts it, so it is there even after a delete of the marks.
    # Each write also draws a number from a sequence into another transaction-local
    # setting: a rollback (to a savepoint) restores the settings with the data, and a
    # number drawn is never drawn again, so inside the writing transaction the revision
    # changes with every write, without a row written twice.
    return f"""
        CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            this_mark text := coalesce(current_setting('{MARK}', true), '');
        BEGIN
            IF this_mark = '' THEN
                this_mark := {_POSTGRESQL_RANDOM};
                PERFORM set_config('{MARK}', this_mark, true);
            END IF;
            INSERT INTO "{marks}" (mark) VALUES (this_mark) ON CONFLICT (mark) DO NOTHING;
            PERFORM set_config('{WRITES}', nextval('{SEQUENCE}')::text, true);
            RETURN NULL;
        END $$"""


def _postgresql_trigger(table: str) -> str:
    return (
        f"CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()'
    )


def install_triggers(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Install the write triggers on every register table that exists; idempotent.
    Returns the tables covered."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    marks = marks_table()
    if marks not in existing:
        return []  # before register's migration 0004: nothing to note into yet
    tables = [t for t in register_tables() if t in existing]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")
            cursor.execute(_postgresql_function(marks))
            for table in tables:
                cursor.execute(_postgresql_trigger(table))
            cursor.execute(f'INSERT INTO "{marks}" (mark) VALUES ({_POSTGRESQL_RANDOM})')
        elif connection.vendor == "sqlite":
            for table in tables:
                for statement in _sqlite_statements(table, marks):
                    cursor.execute(statement)
            # A first mark, so the rules can cache from the first request on.
            cursor.execute(
                f'INSERT INTO "{marks}" (mark) SELECT {_SQLITE_RANDOM} '
                f'WHERE NOT EXISTS (SELECT 1 FROM "{marks}")'
            )
        else:  # pragma: no cover - settings only allow SQLite and PostgreSQL
            return []
    return tables


def install_triggers_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    install_triggers(using)


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
    if count > PRUNE_ABOVE:
        prune_marks(using)
        return current_revision(using)
    return f"{count}:{digest}:{last_write}" if count else None


def prune_marks(using: str = DEFAULT_DB_ALIAS) -> None:
    """Replace the visible marks by one fresh mark (PostgreSQL; SQLite keeps one anyway).

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
