"""Django's `flush`, with the reviews' append-only triggers lifted while it empties the
tables (agreements/append_only.py): the tests between cases and the JSON restore use it.
Emptying every table at once is the one delete of reviews the register allows."""

from django.core.management.commands import flush

from agreements.append_only import lifted


class Command(flush.Command):
    def handle(self, **options) -> None:
        with lifted(options["database"]):
            super().handle(**options)
