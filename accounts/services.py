"""Two-factor enrolment, recovery codes and switching two-factor login off.

Every write to a user's OTP devices goes through here; the views only call these.
"""

from __future__ import annotations

import datetime
import time

import django_otp
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from .two_factor import confirmed_devices, second_factor_required

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator-app"
CODES_DEVICE_NAME = "Herstelcodes"


def normalise_code(code: str) -> str:
    """Codes are typed with spaces or dashes between groups and in any case."""
    return "".join(code.split()).replace("-", "").lower()


def new_app_key() -> str:
    """A fresh secret for an authenticator app (20 random bytes, hex), kept in the session
    until its first code confirms it: showing the set-up page writes nothing."""
    return random_hex(20)


def pending_app_device(*, user: User, key: str) -> TOTPDevice:
    """The app being set up, unsaved: for its QR code and key."""
    return TOTPDevice(user=user, name=APP_DEVICE_NAME, key=key, confirmed=True)


def confirm_app_device(*, user: User, key: str, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Store the authenticator app once it shows a right code, and issue recovery codes.

    Returns the device and the new recovery codes (shown once), or None for a wrong code.
    """
    pending = pending_app_device(user=user, key=key)
    code = normalise_code(code)
    if not code.isdigit():
        return None
    totp = TOTP(pending.bin_key, pending.step, pending.t0, pending.digits)
    totp.time = time.time()
    if not totp.verify(int(code), pending.tolerance):
        return None
    with transaction.atomic():
        if TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).exists():
            raise ValidationError(
                _("Tweestapsverificatie staat al aan voor dit account."), code="enrolled"
            )
        TOTPDevice.objects.filter(user=user).delete()  # unconfirmed leftovers
        pending.last_t = totp.t()  # this code is used: it does not open a session later
        pending.save()
        codes = _replace_recovery_codes(user)
    return pending, codes


@transaction.atomic
def replace_recovery_codes(*, user: User) -> list[str]:
    """New recovery codes for a user with an authenticator app; the old ones stop working."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(
            _("Zet eerst tweestapsverificatie aan; daarna kunt u herstelcodes maken."),
            code="not_enrolled",
        )
    return _replace_recovery_codes(user)


def _replace_recovery_codes(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": CODES_DEVICE_NAME, "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def verify_second_factor(*, user: User, code: str) -> Device | None:
    """The device that accepts `code` (a code of the app, or an unused recovery code, which is
    then used up), or None. Failures count towards the device's throttling."""
    app, recovery = confirmed_devices(user)
    code = normalise_code(code)
    # The app shows six digits; recovery codes are eight letters and digits.
    is_app_code = app is not None and code.isdigit() and len(code) == app.digits
    device = app if is_app_code else recovery
    if device is None or not code:
        return None
    return django_otp.verify_token(user, device.persistent_id, code)


def throttled_until(*, user: User) -> datetime.datetime | None:
    """When the user may try a code again after too many wrong ones; None when now."""
    waits = []
    for device in confirmed_devices(user):
        if device is None:
            continue
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            waits.append(data["locked_until"])
    return max(waits) if waits else None


@transaction.atomic
def remove_second_factor(*, user: User) -> None:
    """Switch two-factor login off; refused for the FG and staff, who must keep it."""
    if second_factor_required(user):
        raise ValidationError(
            _(
                "Voor uw account is tweestapsverificatie verplicht (FG en beheerders). "
                "Zet een nieuwe telefoon over door de beheerder uw oude koppeling te laten "
                "verwijderen; daarna stelt u de app opnieuw in."
            ),
            code="required",
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
