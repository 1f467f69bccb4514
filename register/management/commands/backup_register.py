from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from register.backup import DUMPERS, BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write one archive (.tar.gz) with a consistent dump of the database (SQLite online "
        "backup, pg_dump, or Django's dumpdata with --format json) and every stored document. "
        "Restore it with restore_register."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="the archive to write, e.g. register.tar.gz")
        parser.add_argument(
            "--format",
            choices=sorted(DUMPERS),
            help="database format; default sqlite on SQLite, pg_dump on PostgreSQL when "
            "installed, otherwise json",
        )

    def handle(self, *args, path: Path, format: str | None, **options) -> None:
        try:
            result = create_backup(path, database_format=format)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup geschreven naar {result.path} (database: {result.database_format}, "
                f"{result.documents} documenten, {result.media_files} bestanden)."
            )
        )
