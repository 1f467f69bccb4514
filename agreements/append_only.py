"""The FG's reviews are append-only in the database itself (AVG art. 5(2), accountability).

Django already refuses to delete a review (signals.py) and the admin offers no change, but
raw SQL would pass both. Database triggers refuse every UPDATE and DELETE of a review row,
and on PostgreSQL also TRUNCATE, whoever sends it; a new decision is a new row. Migration
0004 installs them. Emptying a whole database (`flush`: between tests, before a JSON
restore, `generate_register --flush`) lifts them for that one transaction with `lifted()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

TABLE = "agreements_review"
TRIGGER = "agreements_review_append_only"
MESSAGE = (
    "Een besluit van de FG wordt nooit gewijzigd of verwijderd; "
    "leg een nieuw besluit vast (agreements_review is append-only)."
)


def _postgresql_install() -> list[str]:
    return [
        f"""
        CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE = '{MESSAGE}',
                DETAIL = TG_OP || ' on {TABLE}';
        END $$""",
        f"CREATE OR REPLACE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()",
        f"CREATE OR REPLACE TRIGGER {TRIGGER}_truncate BEFORE TRUNCATE ON {TABLE} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()",
    ]


def _postgresql_remove() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE}",
        f"DROP TRIGGER IF EXISTS {TRIGGER}_truncate ON {TABLE}",
        f"DROP FUNCTION IF EXISTS {TRIGGER}()",
    ]


def _sqlite_install() -> list[str]:
    return [
        f'CREATE TRIGGER IF NOT EXISTS "{TRIGGER}_{event.lower()}" BEFORE {event} ON "{TABLE}" '
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        for event in ("UPDATE", "DELETE")
    ]


def _sqlite_remove() -> list[str]:
    return [f'DROP TRIGGER IF EXISTS "{TRIGGER}_{event}"' for event in ("update", "delete")]


STATEMENTS = {
    "postgresql": (_postgresql_install, _postgresql_remove),
    "sqlite": (_sqlite_install, _sqlite_remove),
}


def _run(connection, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install(connection) -> None:
    """Install the triggers (idempotent)."""
    _run(connection, STATEMENTS[connection.vendor][0]())


def remove(connection) -> None:
    _run(connection, STATEMENTS[connection.vendor][1]())


def is_installed(connection) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname LIKE %s AND NOT tgisinternal",
                [f"{TRIGGER}%"],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"{TRIGGER}%"],
            )
        return cursor.fetchone()[0] > 0


@contextmanager
def lifted(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Without the triggers, inside one transaction: for emptying the whole database only.

    The triggers come back before the transaction commits; if anything fails, the rollback
    restores them with the rows."""
    connection = connections[using]
    if connection.vendor not in STATEMENTS or TABLE not in connection.introspection.table_names():
        yield
        return
    with transaction.atomic(using=using):
        installed = is_installed(connection)
        remove(connection)
        yield
        if installed:
            install(connection)
