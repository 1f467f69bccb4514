"""Requests that really run at the same time, for the tests of concurrent writers.

Tests using `at_once` need `pytest.mark.django_db(transaction=True, serialized_rollback=True)`:
each request runs in its own thread with its own database connection, so it only sees rows
that the test committed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import F, Model

# SQLite cannot tell who waits for its lock: give the requests this long to get there.
SQLITE_HEAD_START = 1.5


class InBackground:
    """One request running in its own thread, with its own database connection."""

    def __init__(self, request: Callable[[], Any]) -> None:
        self._request = request
        self._outcome: Any = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._outcome = self._request()
        except BaseException as exc:  # noqa: BLE001 - handed to the test as the outcome
            self._outcome = exc
        finally:
            connections.close_all()

    def done(self) -> bool:
        return not self._thread.is_alive()

    def outcome(self, timeout: float = 120) -> Any:
        """The request's result, or the exception it raised (a 500 raises in the test client)."""
        self._thread.join(timeout=timeout)
        assert not self._thread.is_alive(), "the request did not finish"
        return self._outcome

    def result(self, timeout: float = 120) -> Any:
        outcome = self.outcome(timeout)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def at_once(row: Model, *requests: Callable[[], Any]) -> list[Any]:
    """Run the requests in parallel threads so that they all read before any of them writes.

    This test's own transaction writes `row` (changing nothing) and holds it while the requests
    start: on PostgreSQL they wait for the row lock, on SQLite for the database's write lock.
    Then the test rolls back and the requests race for real. Returns each request's outcome:
    its result, or the exception it raised.
    """
    running: list[InBackground] = []
    try:
        with transaction.atomic():
            hold(row)
            running = [InBackground(request) for request in requests]
            _until_waiting(len(requests))
            transaction.set_rollback(True)
    finally:
        # Even when the test fails: no request may still run when the database is flushed.
        outcomes = [request.outcome() for request in running]
    return outcomes


def hold(row: Model) -> None:
    """Write `row` without changing it, so that this transaction holds it until it ends."""
    type(row)._base_manager.filter(pk=row.pk).update(updated_at=F("updated_at"))


def _until_waiting(count: int) -> None:
    if connection.vendor != "postgresql":
        time.sleep(SQLITE_HEAD_START)
        return
    deadline = time.monotonic() + 30
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Statistics are a snapshot per transaction, and this runs inside one.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.02)
    raise AssertionError("the requests never reached the held row")
