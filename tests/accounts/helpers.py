"""Helpers for the two-factor tests: codes of an authenticator app, logging in by password."""

from __future__ import annotations

import base64

from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..conftest import PASSWORD


def code_of(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """What the app shows now (or `steps_ahead` periods of 30 seconds later)."""
    return f"{totp(device.bin_key, t0=device.t0, step=device.step, drift=steps_ahead):06d}"


def code_for_secret(secret: str, *, steps_ahead: int = 0) -> str:
    """The code for a key as the set-up page shows it (base32, in groups of four)."""
    key = base64.b32decode("".join(secret.split()))
    return f"{totp(key, drift=steps_ahead):06d}"


def password_login(client: Client, username: str):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


def app_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Telefoon", confirmed=True)
