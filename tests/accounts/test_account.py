"""The account page: two-factor login on or off, new recovery codes."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services

from ..conftest import client_for, pass_second_factor
from .helpers import app_for

pytestmark = pytest.mark.django_db


def test_the_name_in_the_header_leads_to_the_account_page(reader):
    page = client_for(reader).get(reverse("dashboard")).text
    assert f'href="{reverse("accounts:account")}"' in page


def test_the_account_page_shows_who_is_logged_in(reader):
    page = client_for(reader).get(reverse("accounts:account")).text
    assert "reader@example.nl" in page
    assert "Staat uit: u logt in met alleen uw wachtwoord" in page


def test_a_reader_can_turn_it_off_again(reader):
    app_for(reader)
    services.replace_recovery_codes(user=reader)
    client = client_for(reader)
    pass_second_factor(client, reader)
    response = client.post(reverse("accounts:two_factor_disable"), follow=True)
    assert "Tweestapsverificatie staat uit" in response.text
    assert not TOTPDevice.objects.filter(user=reader).exists()
    assert not StaticDevice.objects.filter(user=reader).exists()


def test_the_fg_cannot_turn_it_off(fg):
    client = client_for(fg)
    page = client.get(reverse("accounts:account")).text
    assert "Tweestapsverificatie uitzetten" not in page
    assert "verplicht (FG en beheerders)" in page
    response = client.post(reverse("accounts:two_factor_disable"), follow=True)
    assert "Voor uw account is tweestapsverificatie verplicht" in response.text
    assert TOTPDevice.objects.filter(user=fg, confirmed=True).exists()


def test_new_recovery_codes_replace_the_old_ones(fg):
    client = client_for(fg)
    old = services.replace_recovery_codes(user=fg)
    response = client.post(reverse("accounts:recovery_codes"))
    new = response.context["codes"]
    assert len(new) == 10 and not set(old) & set(new)
    assert "Deze codes worden maar één keer getoond" in response.text
    tokens = set(StaticDevice.objects.get(user=fg).token_set.values_list("token", flat=True))
    assert tokens == set(new)


def test_without_an_app_there_are_no_recovery_codes_to_make(reader):
    response = client_for(reader).post(reverse("accounts:recovery_codes"), follow=True)
    assert "Zet eerst tweestapsverificatie aan" in response.text
    assert not StaticDevice.objects.filter(user=reader).exists()


def test_turning_it_off_needs_the_code_first(reader):
    app_for(reader)
    client = client_for(reader)  # password only
    response = client.post(reverse("accounts:two_factor_disable"))
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert TOTPDevice.objects.filter(user=reader).exists()


def test_the_admin_can_remove_a_lost_phone_without_seeing_its_key(admin_user, fg):
    device = app_for(fg)
    client = client_for(admin_user)
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).text
    assert device.key not in page
    response = client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=fg).exists()
