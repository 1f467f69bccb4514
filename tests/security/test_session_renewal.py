"""The idle timeout: each request renews the session, writing it at most once a minute
(accounts/sessions.py)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.sessions import RENEW_AFTER

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
EIGHT_HOURS = datetime.timedelta(hours=8)


def at(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


def logged_in(username: str) -> Client:
    client = Client()
    with at(START):
        response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def session_writes(client: Client, moment: datetime.datetime) -> list[str]:
    with at(moment), CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("dashboard")).status_code == 200
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith(("INSERT", "UPDATE", "DELETE")) and "django_session" in q["sql"]
    ]


def expiry(client: Client) -> datetime.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_pages_opened_within_a_minute_do_not_write_the_session(reader):
    client = logged_in("reader")
    assert session_writes(client, START + datetime.timedelta(seconds=20)) == []
    assert session_writes(client, START + datetime.timedelta(seconds=59)) == []
    assert expiry(client) == START + EIGHT_HOURS


def test_a_page_opened_a_minute_after_the_last_renewal_renews_the_session(reader):
    client = logged_in("reader")
    later = START + datetime.timedelta(minutes=1, seconds=1)
    assert session_writes(client, later) != []
    assert expiry(client) == later + EIGHT_HOURS


def pages_at(client: Client, *moments: datetime.datetime) -> int:
    """The status of the dashboard at the last of `moments`, opened at each of them."""
    for moment in moments:
        with at(moment):
            status = client.get(reverse("dashboard")).status_code
    return status


# Renewed three hours after the login; the last page 50 seconds later, which writes nothing.
RENEWED = START + datetime.timedelta(hours=3)
LAST_PAGE = RENEWED + datetime.timedelta(seconds=50)


def test_a_session_lasts_eight_hours_after_the_last_page_less_at_most_a_minute(reader):
    client = logged_in("reader")
    assert pages_at(client, RENEWED, LAST_PAGE, LAST_PAGE + EIGHT_HOURS - RENEW_AFTER) == 200


def test_a_session_never_lasts_longer_than_eight_hours_after_the_last_page(reader):
    client = logged_in("reader")
    assert pages_at(client, RENEWED, LAST_PAGE, LAST_PAGE + EIGHT_HOURS) == 302


def test_an_idle_session_ends_eight_hours_after_the_last_page(reader):
    client = logged_in("reader")
    last_page = START + datetime.timedelta(hours=2)
    with at(last_page):
        assert client.get(reverse("dashboard")).status_code == 200
    with at(last_page + EIGHT_HOURS + datetime.timedelta(seconds=1)):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logging_out_within_the_minute_still_ends_the_session(reader):
    client = logged_in("reader")
    with at(START + datetime.timedelta(seconds=10)):
        client.post(reverse("logout"))
    assert not Session.objects.exists()
