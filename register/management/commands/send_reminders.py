from django.core.management.base import BaseCommand

from agreements.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "E-mail each FG about agreements waiting for their review (never their own "
        "submissions; once a day), and the privacy officers about approved agreements ending within "
        "90, 30 and 7 days (once per threshold and end date). Run daily from cron."
    )

    def handle(self, *args, **options) -> None:
        counts = send_reminders()
        self.stdout.write(
            self.style.SUCCESS(
                f"Reminders sent: {counts['fg']} to FGs, "
                f"{counts['privacy_officers']} to privacy officers."
            )
        )
