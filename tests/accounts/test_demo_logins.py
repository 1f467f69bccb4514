"""`make demo`: the demo FG and administrator log in with the published demo key."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from register.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, current_demo_code

pytestmark = pytest.mark.django_db


def test_load_demo_prints_what_is_needed_to_log_in_as_the_fg(capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    assert DEMO_TOTP_SECRET in out and "make demo-code" in out


@pytest.mark.parametrize(
    # Not `page`: that is Playwright's fixture, and would make this a browser test.
    ("username", "page_name"),
    [("fg", "agreements:review_queue"), ("beheer", "admin:index")],
)
def test_the_demo_fg_and_administrator_log_in_with_the_demo_code(username, page_name):
    call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))
    call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))  # safe to run twice
    client = Client()
    client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    location = client.get(reverse(page_name))["Location"]
    assert location.startswith(reverse("accounts:two_factor_verify"))
    response = client.post(location, {"code": current_demo_code()})
    assert response["Location"] == reverse(page_name)
    assert client.get(reverse(page_name)).status_code == 200


def test_the_other_demo_users_log_in_with_the_password_alone():
    call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))
    for username in ("privacy", "inkoop", "lezer"):
        client = Client()
        client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
        assert client.get(reverse("dashboard")).status_code == 200, username
