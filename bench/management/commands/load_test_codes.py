"""Recovery codes for the load test's simulated FGs (bench/load/run.sh, docs/load.md)."""

import secrets

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken


class Command(BaseCommand):
    help = (
        "Give USER COUNT fresh recovery codes and print them, one a line: the load test's "
        "simulated FGs log in with the password and one of these (an app's code is accepted "
        "once per 30 seconds, and twenty FGs log in within seconds). Development only."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("count", type=int)

    def handle(self, *args, username: str, count: int, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}; run load_demo first.")
        # The login checks the first confirmed set of recovery codes (accounts/two_factor.py).
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = StaticDevice.objects.create(user=user, name="Belastingtest", confirmed=True)
        codes = [secrets.token_hex(4) for _ in range(count)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        self.stdout.write("\n".join(codes))
