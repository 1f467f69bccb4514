"""The code page after the password: who is asked, right and wrong codes, recovery codes,
throttling and the lockout rules."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice

from ..conftest import PASSWORD
from .helpers import app_for, code_of, password_login

pytestmark = pytest.mark.django_db

VERIFY = reverse("accounts:two_factor_verify")


def test_the_fg_is_asked_for_a_code_before_any_page(fg):
    app_for(fg)
    client = Client()
    assert password_login(client, "fg").status_code == 302
    for url in (reverse("dashboard"), reverse("suppliers:supplier_list"), reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(VERIFY), url
    page = client.get(VERIFY)
    assert "Vul de code van zes cijfers in" in page.text
    assert "Leveranciers" not in page.text  # no menu before the code


def test_the_right_code_opens_the_page_asked_for(fg):
    device = app_for(fg)
    client = Client()
    password_login(client, "fg")
    asked = client.get(reverse("suppliers:supplier_list"))["Location"]
    page = client.get(asked)
    assert page.context["next"] == reverse("suppliers:supplier_list")
    response = client.post(VERIFY, {"code": code_of(device), "next": page.context["next"]})
    assert response["Location"] == reverse("suppliers:supplier_list")
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_wrong_code_is_refused_with_a_message_that_says_what_to_do(fg):
    device = app_for(fg)
    client = Client()
    password_login(client, "fg")
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert "Deze code klopt niet. Gebruik de code die de app nu toont" in response.text
    assert client.get(reverse("dashboard"))["Location"].startswith(VERIFY)


def test_a_code_is_accepted_once(fg):
    device = app_for(fg)
    code = code_of(device)
    first, second = Client(), Client()
    password_login(first, "fg")
    password_login(second, "fg")
    assert first.post(VERIFY, {"code": code}).status_code == 302
    response = second.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert "Deze code klopt niet" in response.text


def test_a_recovery_code_opens_the_account_once(fg):
    app_for(fg)
    codes = StaticDevice.objects.create(user=fg, name="Herstelcodes")
    codes.token_set.create(token="abcd2345")
    codes.token_set.create(token="efgh6723")
    client = Client()
    password_login(client, "fg")
    response = client.post(VERIFY, {"code": "ABCD-2345"}, follow=True)
    assert response.redirect_chain[0][0] == reverse("dashboard")
    assert "U bent ingelogd met een herstelcode; er zijn er nog 1 over" in response.text

    again = Client()
    password_login(again, "fg")
    assert "Deze code klopt niet" in again.post(VERIFY, {"code": "abcd2345"}).text


def test_wrong_codes_slow_down_the_next_try(fg):
    device = app_for(fg)
    start = datetime.datetime(2026, 3, 2, 8, 0, 10, tzinfo=datetime.UTC)
    client = Client()
    with time_machine.travel(start, tick=False):
        password_login(client, "fg")
        client.post(VERIFY, {"code": "000000" if code_of(device) != "000000" else "111111"})
        response = client.post(VERIFY, {"code": code_of(device)})
        assert "Te veel onjuiste codes. Probeer het opnieuw na" in response.text
    with time_machine.travel(start + datetime.timedelta(seconds=3), tick=False):
        assert client.post(VERIFY, {"code": code_of(device)}).status_code == 302


def test_five_wrong_codes_lock_the_account_like_wrong_passwords(fg):
    device = app_for(fg)
    client = Client()
    password_login(client, "fg")
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"
    for _attempt in range(4):
        assert client.post(VERIFY, {"code": wrong}).status_code == 200
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 429
    assert "Te veel mislukte inlogpogingen" in response.text
    # The half-finished login has ended, and the password alone is refused for now.
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("login"))
    response = client.post(reverse("login"), {"username": "fg", "password": PASSWORD})
    assert response.status_code == 429


def test_staff_without_an_app_must_set_one_up_first(admin_user):
    client = Client()
    client.post(reverse("login"), {"username": "admin", "password": "password"})
    for url in (reverse("dashboard"), reverse("admin:index")):
        response = client.get(url)
        assert response["Location"].startswith(reverse("accounts:two_factor_setup")), url


def test_a_reader_logs_in_with_the_password_alone(reader):
    client = Client()
    password_login(client, "reader")
    assert client.get(reverse("dashboard")).status_code == 200
    # The code page has nothing to ask and sends the reader on.
    assert client.get(VERIFY)["Location"] == reverse("dashboard")


def test_a_reader_who_turned_it_on_is_asked_too(reader):
    device = app_for(reader)
    client = Client()
    password_login(client, "reader")
    assert client.get(reverse("dashboard"))["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_of(device)})
    assert client.get(reverse("dashboard")).status_code == 200


def test_the_password_alone_cannot_replace_the_app(fg):
    app_for(fg)
    client = Client()
    password_login(client, "fg")
    response = client.get(reverse("accounts:two_factor_setup"))
    assert response["Location"].startswith(VERIFY)
    response = client.post(reverse("accounts:two_factor_setup"), {"code": "123456"})
    assert response["Location"].startswith(VERIFY)


def test_the_password_alone_cannot_set_up_a_new_app_while_recovery_codes_exist(fg):
    """The administrator removed the app of a lost phone; the recovery codes remain. Whoever
    knows only the password must give one of them before setting up a new app."""
    codes = StaticDevice.objects.create(user=fg, name="Herstelcodes")
    codes.token_set.create(token="abcd2345")
    client = Client()
    password_login(client, "fg")
    setup = reverse("accounts:two_factor_setup")
    assert client.get(setup)["Location"].startswith(VERIFY)
    assert client.post(setup, {"code": "123456"})["Location"].startswith(VERIFY)

    client.post(VERIFY, {"code": "abcd2345"})
    page = client.get(setup)
    assert page.status_code == 200
    assert "QR-code" in page.text


def test_with_every_recovery_code_used_the_owner_is_not_locked_out_of_setting_up(fg):
    StaticDevice.objects.create(user=fg, name="Herstelcodes")  # all its codes used
    client = Client()
    password_login(client, "fg")
    page = client.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200 and "QR-code" in page.text


def test_the_session_gets_a_new_key_when_the_code_is_given(fg):
    """A key known while only the password was given is worthless once the code is in."""
    device = app_for(fg)
    client = Client()
    password_login(client, "fg")
    half = client.session.session_key
    client.post(VERIFY, {"code": code_of(device)})
    assert client.session.session_key != half
    assert client.get(reverse("dashboard")).status_code == 200
    stale = Client()
    stale.cookies["sessionid"] = half
    assert stale.get(reverse("dashboard")).status_code == 302


def test_before_the_code_the_api_answers_in_json_not_with_the_code_page(fg):
    device = app_for(fg)
    client = Client()
    password_login(client, "fg")
    response = client.get("/api/v1/flags/")
    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"
    client.post(VERIFY, {"code": code_of(device)})
    assert client.get("/api/v1/flags/").status_code == 200


def test_one_can_log_out_from_the_code_page(fg):
    app_for(fg)
    client = Client()
    password_login(client, "fg")
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("login"))


def test_an_address_outside_the_register_is_not_followed(fg):
    device = app_for(fg)
    client = Client()
    password_login(client, "fg")
    response = client.post(VERIFY, {"code": code_of(device), "next": "https://elders.example/"})
    assert response["Location"] == reverse("dashboard")


def test_an_app_added_after_the_login_is_asked_for_at_the_next_page(reader):
    client = Client()
    password_login(client, "reader")
    assert client.get(reverse("dashboard")).status_code == 200
    app_for(reader)
    assert client.get(reverse("dashboard"))["Location"].startswith(VERIFY)


def test_the_second_factor_is_read_with_the_user_in_one_query(reader):
    client = Client()
    password_login(client, "reader")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("dashboard")).status_code == 200
    reading_devices = [q for q in captured.captured_queries if "otp_totp_totpdevice" in q["sql"]]
    assert len(reading_devices) == 1
    assert '"auth_user"."username"' in reading_devices[0]["sql"]  # the user's own query
