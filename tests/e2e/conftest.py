"""Browser tests: Playwright drives Debian's chromium against a live server with the demo board.

Never download a browser: the tests use /usr/bin/chromium (scripts/install-system-deps.sh).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import Page, Playwright, expect

from .browser import CHROMIUM, CHROMIUM_ARGS, LAPTOP

# Playwright's sync API keeps an asyncio loop running in the test thread; Django would
# otherwise refuse ORM calls from the test (SynchronousOnlyOperation).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium with "
            "`bash scripts/install-system-deps.sh` (never `playwright install`)."
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "timeout": 60_000,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {
        **browser_context_args,
        "viewport": LAPTOP,
        "locale": "nl-NL",
        "timezone_id": "Europe/Amsterdam",
        "accept_downloads": True,
    }


@pytest.fixture(scope="session")
def migrated_data(django_db_setup, django_db_blocker) -> str:
    """The test database as the migrations left it (groups, permissions, attributes)."""
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents is None:
        with django_db_blocker.unblock():
            contents = connection.creation.serialize_db_to_string()
    return contents


@pytest.fixture(scope="session")
def playwright(migrated_data: str, playwright: Playwright) -> Playwright:
    # Once Playwright's event loop runs in this thread, Django keeps its connections in
    # context variables instead of thread locals: a fresh connection object that lacks the
    # data serialized at set-up. So take that data first (see `demo`).
    return playwright


@pytest.fixture
def _serialized_rollback(migrated_data: str) -> None:
    connection._test_serialized_contents = migrated_data


@pytest.fixture
def demo(
    _serialized_rollback, django_db_serialized_rollback, live_server, migrated_data: str
) -> str:
    """The demo board behind a live server; returns the server's base URL.

    The live server needs a transactional database, which is flushed after each test;
    serialized rollback puts back what the data migrations seeded (groups, attributes).
    """
    # Serialized rollback restores the seeded data at set-up, but on the connection of the
    # thread before Playwright's event loop ran; the first browser test after another
    # transactional test can find the tables empty. Put the seeded data back then.
    if not Group.objects.exists():
        connection.creation.deserialize_db_from_string(migrated_data)
    call_command("load_demo", verbosity=0)
    return live_server.url


@pytest.fixture
def page(page: Page) -> Iterator[Page]:
    # Generous: PDFs are rendered on the server, and CI machines are shared.
    page.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)
    yield page
