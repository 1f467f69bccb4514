"""Who must log in with a second factor, and what a session still owes before it may go on."""

from __future__ import annotations

import enum

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


class Due(enum.Enum):
    """What an authenticated session that has not given a second factor must do first."""

    ENROL = "enrol"  # required, but no authenticator app set up yet
    VERIFY = "verify"  # a device is set up: enter its code


def second_factor_required(user: User) -> bool:
    """The FG's account guards the most sensitive record of the board (AVG art. 38: the FG
    approves agreements), and staff reach the admin: both must use two-factor login."""
    return (
        user.is_staff
        or user.is_superuser
        or user.groups.filter(name__in=settings.TWO_FACTOR_REQUIRED_GROUPS).exists()
    )


def confirmed_devices(user: User) -> tuple[TOTPDevice | None, StaticDevice | None]:
    """The user's authenticator app and recovery codes, each None when not set up."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).first(),
        StaticDevice.objects.filter(user=user, confirmed=True).first(),
    )


SECOND_FACTOR_FACTS = ("second_factor_group", "second_factor_app", "second_factor_codes")


def second_factor_facts() -> dict:
    """Annotations of a User queryset with what `second_factor_due()` reads: the backend
    loads them with the user on every request (accounts/backends.py), saving a query."""
    return {
        "second_factor_group": Exists(
            User.groups.through.objects.filter(
                user_id=OuterRef("pk"), group__name__in=settings.TWO_FACTOR_REQUIRED_GROUPS
            )
        ),
        "second_factor_app": Exists(
            TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
        ),
        "second_factor_codes": Exists(
            StaticDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
        ),
    }


def second_factor_due(user: User) -> Due | None:
    """What `user` must do before reaching any page, in one query (none when the user was
    loaded with `second_factor_facts()`); None when nothing.

    A user with a device always gives its code, required or not: turning two-factor login on
    is a promise that the password alone no longer opens the account.
    """
    if all(hasattr(user, name) for name in SECOND_FACTOR_FACTS):
        row = {name: getattr(user, name) for name in SECOND_FACTOR_FACTS}
    else:
        facts = second_factor_facts()
        row = User.objects.filter(pk=user.pk).annotate(**facts).values(*facts).first()
        if row is None:
            return None
    if row["second_factor_app"] or row["second_factor_codes"]:
        return Due.VERIFY
    if user.is_staff or user.is_superuser or row["second_factor_group"]:
        return Due.ENROL
    return None
