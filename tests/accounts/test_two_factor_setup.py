"""Setting up an authenticator app: the QR code or key, the first code, the recovery codes."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .helpers import code_for_secret, password_login

pytestmark = pytest.mark.django_db

SETUP = reverse("accounts:two_factor_setup")


def test_an_fg_without_an_app_is_sent_to_set_one_up(fg):
    client = Client()
    password_login(client, "fg")
    response = client.get(reverse("agreements:review_queue"))
    assert response["Location"].startswith(SETUP)
    page = client.get(response["Location"])
    assert "Voor uw account is tweestapsverificatie verplicht" in page.text
    assert "<svg" in page.text and "QR-code voor de app" in page.text
    assert re.search(
        r'<code class="secret" id="secret">([A-Z2-7]{4} ){7}[A-Z2-7]{4}</code>', page.text
    )
    assert "Leveranciers" not in page.text  # no menu until it is set up


def test_the_key_stays_the_same_until_it_is_confirmed(fg):
    client = Client()
    password_login(client, "fg")
    first = client.get(SETUP).context["secret"]
    assert client.get(SETUP).context["secret"] == first
    assert not TOTPDevice.objects.filter(user=fg, confirmed=True).exists()


def test_the_first_code_turns_it_on_and_shows_the_recovery_codes_once(fg):
    client = Client()
    password_login(client, "fg")
    asked = client.get(reverse("agreements:review_queue"))["Location"]
    page = client.get(asked)
    response = client.post(
        SETUP, {"code": code_for_secret(page.context["secret"]), "next": page.context["next"]}
    )
    assert response.status_code == 200
    assert "Tweestapsverificatie staat aan." in response.text
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert f"<code>{code}</code>" in response.text
    assert set(StaticDevice.objects.get(user=fg).token_set.values_list("token", flat=True)) == set(
        codes
    )
    assert TOTPDevice.objects.get(user=fg).confirmed
    assert f'href="{reverse("agreements:review_queue")}"' in response.text
    # The session gave its code: the register is open now.
    assert client.get(reverse("agreements:review_queue")).status_code == 200
    # The codes are not shown again.
    account = client.get(reverse("accounts:account")).text
    assert codes[0] not in account
    assert "nog 10 ongebruikte herstelcodes" in account


def test_a_wrong_first_code_turns_nothing_on(fg):
    client = Client()
    password_login(client, "fg")
    secret = client.get(SETUP).context["secret"]
    wrong = f"{(int(code_for_secret(secret)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 200
    assert "Deze code klopt niet. Controleer of de tijd op uw telefoon goed staat" in response.text
    assert not TOTPDevice.objects.filter(user=fg, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=fg).exists()
    assert client.get(reverse("dashboard"))["Location"].startswith(SETUP)


def test_an_empty_code_says_what_to_fill_in(fg):
    client = Client()
    password_login(client, "fg")
    assert "Vul de code in." in client.post(SETUP, {"code": ""}).text


def test_the_page_needs_no_inline_script_or_style(fg):
    client = Client()
    password_login(client, "fg")
    html = client.get(SETUP).text
    # Only our own script files (the menu toggle); no inline script.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html


def test_a_reader_may_set_it_up_from_the_account_page(reader):
    client = Client()
    password_login(client, "reader")
    account = client.get(reverse("accounts:account")).text
    assert "Staat uit" in account and f'href="{SETUP}"' in account
    page = client.get(SETUP)
    assert "Met tweestapsverificatie heeft iemand die uw wachtwoord kent" in page.text
    assert "Leveranciers" in page.text  # the reader keeps the menu meanwhile
    response = client.post(SETUP, {"code": code_for_secret(page.context["secret"])})
    assert len(response.context["codes"]) == 10
    # From now on the reader too gives a code after the password.
    client.post(reverse("logout"))
    password_login(client, "reader")
    location = client.get(reverse("dashboard"))["Location"]
    assert location.startswith(reverse("accounts:two_factor_verify"))


def test_a_code_without_a_key_shown_asks_to_scan_again(fg):
    client = Client()
    password_login(client, "fg")
    response = client.post(SETUP, {"code": "123456"})
    assert "De sleutel is verlopen. Scan de nieuwe QR-code" in response.text
    assert response.context["secret"]  # a new key to scan
    assert not TOTPDevice.objects.filter(user=fg).exists()
