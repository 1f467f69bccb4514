from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from register.reports import render_condition_report
from register.rules.level import CONDITION_NAME


class Command(BaseCommand):
    help = (
        f'Write the PDF report (Dutch, A4) on the ict-voorwaarde "{CONDITION_NAME}" to PATH: '
        "current and advised level, growth perspective, every criterion with its evidence, "
        "the level over time and an annex of open flags. Records today's snapshot if missing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="Where to write the PDF, e.g. niveau.pdf.")

    def handle(self, *args, **options) -> None:
        path = Path(options["path"])
        if path.is_dir():
            raise CommandError(
                f"{path} is een map; geef een bestandsnaam, bijv. {path}/niveau.pdf."
            )
        if not path.parent.exists():
            raise CommandError(f"De map {path.parent} bestaat niet.")
        path.write_bytes(render_condition_report())
        self.stdout.write(self.style.SUCCESS(f"Rapport geschreven naar {path}."))
