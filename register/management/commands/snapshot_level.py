from django.core.management.base import BaseCommand

from register.rules.level import record_snapshot


class Command(BaseCommand):
    help = (
        "Record today's condition level and open flag counts (high/medium/low) for the chart "
        "on the Niveau page. Meant for a daily cron job; one snapshot per day, a second run on "
        "the same day leaves the first one alone."
    )

    def handle(self, *args, **options) -> None:
        snapshot, created = record_snapshot()
        counts = f"{snapshot.high} hoog, {snapshot.medium} middel, {snapshot.low} laag"
        if created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Meting vastgelegd voor {snapshot.day}: niveau {snapshot.level}; {counts}."
                )
            )
        else:
            self.stdout.write(
                f"Er was al een meting voor {snapshot.day}: niveau {snapshot.level}; {counts}."
            )
