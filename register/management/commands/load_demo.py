from django.core.management.base import BaseCommand

from register.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_USERS, load_demo


class Command(BaseCommand):
    help = (
        "Load a realistic demo school board (schools, suppliers, products, agreements in every "
        "status, data flows, processing activities) and one demo user per role. Safe to run twice."
    )

    def handle(self, *args, **options) -> None:
        counts = load_demo()
        summary = ", ".join(f"{name}: {count}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo board loaded ({summary})."))
        self.stdout.write("")
        self.stdout.write("Demo logins (password for all: %s)" % DEMO_PASSWORD)
        for username, group, full_name, _superuser in DEMO_USERS:
            role = group or "superuser (beheer/admin)"
            self.stdout.write(f"  {username:<10} {role:<26} {full_name}")
        self.stdout.write("")
        self.stdout.write(
            "fg and beheer log in with a second factor (two-factor login is required for the FG\n"
            "and staff). After the password the register asks for a code: add the demo key\n"
            f"  {DEMO_TOTP_SECRET}\n"
            "to an authenticator app (time-based, 6 digits), or print the current code with\n"
            "  make demo-code"
        )
