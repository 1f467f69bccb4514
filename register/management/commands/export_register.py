"""`export_register PATH`: the register workbook of DESIGN.md section 9."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from register.workbook.export import copy_documents, export_register


class Command(BaseCommand):
    help = (
        "Schrijft het register als Excel-werkmap (DESIGN.md sectie 9), met de tabbladen "
        "Signaleringen en Niveau. Met --with-documents komen de PDF's naast de werkmap, "
        "zodat de werkmap met import_workbook in een leeg register terug kan."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="Pad van het .xlsx-bestand dat geschreven wordt.")
        parser.add_argument(
            "--with-documents",
            action="store_true",
            help="Kopieer ook de opgeslagen PDF's naast de werkmap (map documents/).",
        )

    def handle(self, *args, path: str, with_documents: bool, **options) -> None:
        target = Path(path)
        if target.suffix.lower() != ".xlsx":
            raise CommandError("Geef een pad dat eindigt op .xlsx.")
        if not target.parent.is_dir():
            raise CommandError(f"De map {target.parent} bestaat niet.")

        def progress(sheet: str, rows: int) -> None:
            self.stderr.write(f"{sheet}: {rows} rijen")

        export = export_register(target, progress=progress)
        self.stdout.write(f"Werkmap geschreven: {target}")
        if with_documents:
            count = copy_documents(export, target.parent)
            self.stdout.write(f"{count} documenten gekopieerd naar {target.parent}")
