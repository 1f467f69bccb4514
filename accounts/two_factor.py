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


def second_factor_due(user: User) -> Due | None:
    """What `user` must do before reaching any page, in one query; None when nothing.

    A user with a device always gives its code, required or not: turning two-factor login on
    is a promise that the password alone no longer opens the account.
    """
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            in_required_group=Exists(
                User.groups.through.objects.filter(
                    user_id=OuterRef("pk"), group__name__in=settings.TWO_FACTOR_REQUIRED_GROUPS
                )
            ),
            has_app=Exists(TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)),
            has_codes=Exists(StaticDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)),
        )
        .values("in_required_group", "has_app", "has_codes")
        .first()
    )
    if row is None:
        return None
    if row["has_app"] or row["has_codes"]:
        return Due.VERIFY
    if user.is_staff or user.is_superuser or row["in_required_group"]:
        return Due.ENROL
    return None
