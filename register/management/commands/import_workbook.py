"""`import_workbook PATH [--dry-run] [--user NAME]`: the register workbook of DESIGN.md section 9."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import ngettext

from agreements.services import is_fg
from register.workbook import WorkbookUnreadable, import_workbook, unpacked_upload


class Command(BaseCommand):
    help = (
        "Importeert een register-werkmap (DESIGN.md sectie 9). Alles of niets: bij een fout "
        "worden alle fouten getoond als 'Tabblad!row N: melding', wordt niets opgeslagen en is "
        "de exitcode 1. Documenten worden gelezen relatief aan de map van de werkmap. Zonder "
        "--user werkt de opdracht als de beheerder die het register installeert (de "
        "geschiedenis noemt de gebruikersnaam op deze computer)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "path",
            help="Pad van de .xlsx-werkmap, of van een .zip met de werkmap en de PDF's.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Alleen controleren en tonen wat er zou veranderen; niets opslaan.",
        )
        parser.add_argument(
            "--overwrite-newer",
            action="store_true",
            help=(
                "Neem ook rijen over waarvan het register de gegevens na de export van de "
                "werkmap heeft gewijzigd; zonder deze optie blijven die rijen ongemoeid."
            ),
        )
        parser.add_argument(
            "--user",
            metavar="NAAM",
            help=(
                "Importeer als deze gebruiker (gebruikersnaam): de geschiedenis noemt hem, en "
                "besluiten van de FG bij nieuwe overeenkomsten mag alleen een FG importeren."
            ),
        )

    def handle(
        self,
        *args,
        path: str,
        dry_run: bool,
        user: str | None,
        overwrite_newer: bool = False,
        **options,
    ) -> None:
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"Bestand niet gevonden: {source}")
        acting = {"user": self.find_user(user)} if user else {"operator": operator_name()}
        acting["overwrite"] = overwrite_newer

        def progress(sheet: str, rows: int) -> None:
            self.stderr.write(f"{sheet}: {rows} rijen gelezen")

        try:
            if source.suffix.lower() == ".zip":
                with unpacked_upload(source) as (workbook, folder):
                    result = import_workbook(
                        workbook, folder=folder, dry_run=dry_run, progress=progress, **acting
                    )
            else:
                result = import_workbook(source, dry_run=dry_run, progress=progress, **acting)
        except WorkbookUnreadable as exc:
            raise CommandError(str(exc)) from exc

        for note in result.notes:
            self.stderr.write(note)
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        if result.errors:
            for error in result.errors:
                self.stdout.write(error)
            self.stderr.write(
                ngettext(
                    "%(count)d fout gevonden; er is niets opgeslagen.",
                    "%(count)d fouten gevonden; er is niets opgeslagen.",
                    len(result.errors),
                )
                % {"count": len(result.errors)}
            )
            sys.exit(1)
        if result.exported_at:
            self.stdout.write(f"Werkmap geëxporteerd op {_moment(result.exported_moment)}.")
        for line in result.summary():
            text = f"{line['sheet']}: {line['created']} nieuw, {line['changed']} gewijzigd"
            if line["unchanged"] is not None:
                text += f", {line['unchanged']} ongewijzigd"
            if line["skipped"]:
                text += f", {line['skipped']} overgeslagen (nieuwer in het register)"
            self.stdout.write(text)
        self.report_newer(result, overwrite_newer)
        for reference in result.lapsing:
            self.stderr.write(
                f"Let op: de inhoud van {reference} wijzigt na het akkoord van de FG; het "
                "akkoord vervalt tot een nieuwe beoordeling."
            )
        if dry_run:
            self.stdout.write("Proefimport (--dry-run): er is niets opgeslagen.")
        else:
            self.stdout.write(
                f"Import voltooid: {len(result.created)} nieuw, {len(result.changed)} gewijzigd."
            )

    def report_newer(self, result, overwrite_newer: bool) -> None:
        """Rows whose record the register changed after the export: left alone (say how to
        take them anyway) or, with --overwrite-newer, overwritten (say so)."""
        for change in result.newer:
            who = f" door {change.newer['by']}" if change.newer.get("by") else ""
            diffs = "; ".join(f"{d['column']}: {d['old']!r} -> {d['new']!r}" for d in change.diffs)
            if change.skipped:
                verdict = "overgeslagen"
            else:
                verdict = "toch overgenomen (--overwrite-newer)"
            self.stderr.write(
                self.style.WARNING(
                    f"{change.sheet}!row {change.row}: {change.label} is in het register "
                    f"gewijzigd na de export ({_moment(change.newer_at)}{who}); {verdict}. "
                    f"{diffs}"
                )
            )
        if result.skipped and not overwrite_newer:
            self.stderr.write(
                ngettext(
                    "%(count)d rij overgeslagen omdat het register haar na de export van de "
                    "werkmap heeft gewijzigd; de rest is verwerkt.",
                    "%(count)d rijen overgeslagen omdat het register ze na de export van de "
                    "werkmap heeft gewijzigd; de rest is verwerkt.",
                    len(result.skipped),
                )
                % {"count": len(result.skipped)}
                + " Exporteer opnieuw, of geef --overwrite-newer om de werkmap toch over te nemen."
            )

    @staticmethod
    def find_user(username: str):
        found = get_user_model().objects.filter(username=username, is_active=True).first()
        if found is None:
            raise CommandError(
                f"Gebruiker {username!r} bestaat niet of is niet actief; geef de gebruikersnaam "
                "waarmee hij inlogt, of laat --user weg om als beheerder te importeren."
            )
        # As on the web (the FG besides, for the decisions of DESIGN.md 11.4): the history
        # names this user as the one who made every change.
        if not (found.has_perm("register.import_workbook") or is_fg(found)):
            raise CommandError(
                f"Gebruiker {username!r} mag geen werkmap importeren (dat mogen de "
                "privacyfunctionaris en de FG); geef een gebruiker met die rol, of laat --user "
                "weg om als beheerder te importeren."
            )
        return found


def _moment(moment) -> str:
    return timezone.localtime(moment).strftime("%d-%m-%Y %H:%M")


def operator_name() -> str:
    """The operator's login name on this machine, for the history of what they import."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return "onbekend"
