from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from register.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore an archive made by backup_register into an empty database and media folder, "
        "then check every document against its recorded sha256. Refuses a database that "
        "already holds register records unless --force is given."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="the archive written by backup_register")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the register records already in this database",
        )

    def handle(self, *args, path: Path, force: bool, **options) -> None:
        try:
            result = restore_backup(path, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if result.problems:
            raise CommandError(
                "Teruggezet, maar niet alle documenten kloppen:\n  " + "\n  ".join(result.problems)
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup teruggezet (database: {result.database_format}); "
                f"{result.documents} documenten gecontroleerd, alle sha256-waarden kloppen."
            )
        )
