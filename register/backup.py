"""Backup and restore of the whole register: one archive with the database and the documents.

The archive (a .tar.gz) holds:

- `manifest.json`: format, database engine, creation time, the sha256 of the database dump,
  of every media file, and the sha256 each document row records;
- the database, in one of three formats: `sqlite` (a consistent copy made with SQLite's online
  backup API while the app keeps running), `pg_dump` (PostgreSQL's own custom-format dump,
  one consistent snapshot) or `json` (Django's `dumpdata` of every app, history included, for
  any engine, used when `pg_dump` is not installed);
- `media/`: the uploaded documents, byte for byte.

Restoring refuses a database that already holds register records (unless forced), checks every
file against the manifest before it touches anything, and afterwards checks that each document
row finds its file with the recorded hash: the legal record must come back complete and unaltered.
"""

from __future__ import annotations

import datetime
import glob
import hashlib
import importlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction

from agreements import append_only

from .staging import recover_abandoned

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
DATABASE_MEMBERS = {
    "sqlite": "database.sqlite3",
    "pg_dump": "database.pgdump",
    "json": "database.json",
}
# Rows that mean "this database already holds a register"; migrations seed the attribute
# vocabulary, the level texts and the groups, so those do not count.
RECORD_MODELS = [
    "suppliers.Supplier",
    "suppliers.Product",
    "suppliers.DataFlow",
    "agreements.Agreement",
    "agreements.Document",
    "agreements.Review",
    "register.Organisation",
    "register.School",
    "register.ProcessingActivity",
]
# Sessions are transient and would only log people back in; everything else is kept.
JSON_EXCLUDE = ["sessions"]
SESSION_TABLE = "django_session"
# The manifest keys a restore reads.
MANIFEST_KEYS = ("database_format", "database_member", "media", "documents")


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass
class BackupResult:
    path: Path
    database_format: str
    media_files: int
    documents: int


@dataclass
class RestoreResult:
    database_format: str
    media_files: int
    documents: int
    problems: list[str] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _media_files(root: Path) -> Iterator[tuple[str, Path]]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            continue  # never follow links out of the media folder
        if path.is_file():
            yield path.relative_to(root).as_posix(), path


def _engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else connection.vendor


def find_pg_tool(name: str) -> str | None:
    """The pg_dump/pg_restore matching the server's major version, else any on the PATH."""
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        major = connection.pg_version // 10000
        candidate = f"/usr/lib/postgresql/{major}/bin/{name}"
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return versions[-1] if versions else None


def _pg_env() -> tuple[dict[str, str], str]:
    params = connection.settings_dict
    env = dict(os.environ)
    for key, variable in [
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ]:
        if params.get(key):
            env[variable] = str(params[key])
    return env, params["NAME"]


def default_format() -> str:
    if connection.vendor == "sqlite":
        return "sqlite"
    if connection.vendor == "postgresql" and find_pg_tool("pg_dump") and find_pg_tool("pg_restore"):
        return "pg_dump"
    return "json"


# --- backup -------------------------------------------------------------------------------


def _dump_sqlite(target: Path) -> list[tuple[str, str]]:
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        # The online backup API copies a consistent snapshot, page by page, while the app
        # keeps serving requests.
        connection.connection.backup(destination)
        destination.execute("PRAGMA journal_mode=DELETE")
        # Sessions are transient and would log people back in (JSON_EXCLUDE): not kept.
        destination.execute(f'DELETE FROM "{SESSION_TABLE}"')
        destination.commit()
        destination.execute("VACUUM")  # their pages too
        rows = destination.execute("SELECT file, sha256 FROM agreements_document").fetchall()
    finally:
        destination.close()
    return [(str(name), str(digest)) for name, digest in rows]


def _document_rows() -> list[tuple[str, str]]:
    Document = apps.get_model("agreements", "Document")
    return [(name, digest) for name, digest in Document.objects.values_list("file", "sha256")]


def _dump_pg(target: Path) -> list[tuple[str, str]]:
    tool = find_pg_tool("pg_dump")
    if tool is None:
        raise BackupError("pg_dump is niet gevonden; gebruik --format json.")
    env, name = _pg_env()
    result = subprocess.run(
        [
            tool,
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--exclude-table-data={SESSION_TABLE}",
            "--file",
            str(target),
            name,
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump is mislukt: {result.stderr.strip()}")
    # Documents are only ever added, so rows read after the dump cover every row in it.
    return _document_rows()


class _PreciseJSONEncoder(DjangoJSONEncoder):
    """Django's encoder cuts datetimes to milliseconds; a restore must give back every digit."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def _dumped_models() -> list:
    # Many-to-many tables are dumped as rows of their own (with their own keys) rather than
    # through the owning model: loading them that way fires m2m_changed, which would write
    # extra history rows.
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.app_label not in JSON_EXCLUDE
        # The marks and notes of the rules' cache are bookkeeping: loading the rows leaves
        # fresh ones.
        and model._meta.label not in {"register.RegisterWrite", "register.RulesNote"}
    ]


def _serialized_rows(model) -> list[dict]:
    fields = [field.name for field in model._meta.concrete_fields]
    rows = model._base_manager.order_by("pk").iterator()
    return serializers.serialize("python", rows, fields=fields)


def _dump_json(target: Path) -> list[tuple[str, str]]:
    """Every row of every app (history included) as Django serialized JSON, for `loaddata`."""
    # One transaction: with REPEATABLE READ (PostgreSQL) or SQLite's single writer the dump
    # sees one consistent state of all tables.
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        dump = [row for model in _dumped_models() for row in _serialized_rows(model)]
    with target.open("w", encoding="utf-8") as handle:
        json.dump(dump, handle, cls=_PreciseJSONEncoder)
    rows = json.loads(target.read_text(encoding="utf-8"))
    return [
        (row["fields"]["file"], row["fields"]["sha256"])
        for row in rows
        if row["model"] == "agreements.document"
    ]


DUMPERS = {"sqlite": _dump_sqlite, "pg_dump": _dump_pg, "json": _dump_json}


def create_backup(path: Path, *, database_format: str | None = None) -> BackupResult:
    """Write one archive with a consistent database dump and the media folder to `path`."""
    database_format = database_format or default_format()
    if database_format not in DUMPERS:
        raise BackupError(f"Onbekend formaat {database_format!r}; kies sqlite, pg_dump of json.")
    if database_format == "sqlite" and connection.vendor != "sqlite":
        raise BackupError("Het formaat sqlite kan alleen bij een SQLite-database.")
    if database_format == "pg_dump" and connection.vendor != "postgresql":
        raise BackupError("Het formaat pg_dump kan alleen bij een PostgreSQL-database.")

    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    root = media_root()
    # An import killed between its commit and moving its documents into media: move them now.
    recover_abandoned()
    with tempfile.TemporaryDirectory(prefix="register-backup-") as scratch:
        dump = Path(scratch) / DATABASE_MEMBERS[database_format]
        documents = DUMPERS[database_format](dump)
        # Media after the database: documents are never overwritten or removed, so every
        # file a dumped row refers to is already on disk (an import moves its files in right
        # after its commit; a backup in that instant stops with the names and can be rerun).
        media = {name: sha256_of(file) for name, file in _media_files(root)}
        missing = sorted(name for name, _digest in documents if name not in media)
        if missing:
            raise BackupError(
                "Deze documenten staan in de database maar ontbreken in de mediamap "
                f"{root}: {', '.join(missing)}. Zet ze terug uit een eerdere backup."
            )
        manifest = {
            "format_version": FORMAT_VERSION,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "engine": _engine(),
            "database_format": database_format,
            "database_member": DATABASE_MEMBERS[database_format],
            "database_sha256": sha256_of(dump),
            "media": media,
            "documents": [{"file": name, "sha256": digest} for name, digest in documents],
        }
        # Write beside the target and rename, so PATH is never a half-written archive.
        partial = path.with_name(f".{path.name}.partial")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                payload = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(payload)
                info.mtime = int(datetime.datetime.now().timestamp())
                archive.addfile(info, io.BytesIO(payload))
                archive.add(dump, arcname=DATABASE_MEMBERS[database_format], recursive=False)
                for name, file in _media_files(root):
                    if name in media:
                        archive.add(file, arcname=f"media/{name}", recursive=False)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return BackupResult(
        path=path,
        database_format=database_format,
        media_files=len(media),
        documents=len(documents),
    )


# --- restore ------------------------------------------------------------------------------


def _safe_member_name(name: str) -> str | None:
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or "\\" in name:
        return None
    return pure.as_posix()


def _extract(archive_path: Path, scratch: Path) -> dict:
    """Unpack into `scratch`, refusing links and paths that leave it; return the manifest."""
    try:
        archive = tarfile.open(archive_path, "r:*")
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{archive_path} is geen leesbare backup: {error}") from error
    try:
        with archive:
            _unpack(archive, scratch)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise BackupError(
            f"De backup {archive_path} is beschadigd of onvolledig ({error}); er is niets "
            "teruggezet. Neem een andere backup, of kopieer deze opnieuw."
        ) from error
    manifest_path = scratch / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(
            f"{archive_path} bevat geen {MANIFEST}; is dit een backup_register-archief?"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(
            f"{MANIFEST} in {archive_path} is onleesbaar; is dit een backup_register-archief?"
        ) from error
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        version = manifest.get("format_version") if isinstance(manifest, dict) else None
        raise BackupError(
            f"Onbekende backupversie {version!r}; "
            "gebruik de versie van het register waarmee de backup is gemaakt."
        )
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    if missing:
        raise BackupError(
            f"{MANIFEST} in {archive_path} mist {', '.join(missing)}; is dit een "
            "backup_register-archief?"
        )
    return manifest


def _unpack(archive: tarfile.TarFile, scratch: Path) -> None:
    """Every member into `scratch`, refusing links and paths that leave it."""
    for member in archive.getmembers():
        name = _safe_member_name(member.name)
        if name is None or not (member.isfile() or member.isdir()):
            raise BackupError(
                f"De backup bevat een ongeldig pad of een link ({member.name!r}); "
                "hij is niet met backup_register gemaakt en wordt niet teruggezet."
            )
        if member.isdir():
            continue
        target = scratch / name
        target.parent.mkdir(parents=True, exist_ok=True)
        source = archive.extractfile(member)
        assert source is not None
        with source, target.open("wb") as out:
            shutil.copyfileobj(source, out)


def _verify_archive(manifest: dict, scratch: Path) -> None:
    problems = []
    for name, digest in manifest["media"].items():
        file = scratch / "media" / name
        if not file.is_file():
            problems.append(f"{name}: ontbreekt in de backup")
        elif sha256_of(file) != digest:
            problems.append(f"{name}: sha256 wijkt af van het manifest")
    for document in manifest["documents"]:
        if manifest["media"].get(document["file"]) != document["sha256"]:
            problems.append(f"{document['file']}: hash van het document klopt niet")
    dump = scratch / manifest["database_member"]
    if not dump.is_file():
        problems.append(f"{manifest['database_member']}: ontbreekt in de backup")
    else:
        problems += _database_problems(manifest, dump)
    if problems:
        raise BackupError(
            "De backup is beschadigd; er is niets teruggezet:\n  " + "\n  ".join(problems)
        )


def _database_problems(manifest: dict, dump: Path) -> list[str]:
    """The dump against the manifest: its sha256 (archives made before it was recorded have
    none), and for a SQLite copy SQLite's own integrity check and the document rows."""
    name = manifest["database_member"]
    expected = manifest.get("database_sha256")
    if expected is not None and sha256_of(dump) != expected:
        return [f"{name}: sha256 wijkt af van het manifest"]
    if manifest["database_format"] != "sqlite":
        return []
    try:
        database = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        try:
            check = database.execute("PRAGMA integrity_check").fetchall()
            rows = database.execute("SELECT file, sha256 FROM agreements_document").fetchall()
        finally:
            database.close()
    except sqlite3.DatabaseError as error:
        return [f"{name}: geen leesbare SQLite-database ({error})"]
    if check != [("ok",)]:
        return [f"{name}: de database is beschadigd ({check[0][0]})"]
    listed = sorted((d["file"], d["sha256"]) for d in manifest["documents"])
    if sorted((str(f), str(h)) for f, h in rows) != listed:
        return [f"{name}: de documenten in de database wijken af van het manifest"]
    return []


def existing_records() -> dict[str, int]:
    """Register records already in the database (empty dict: safe to restore into)."""
    found = {}
    User = get_user_model()
    for label in [*RECORD_MODELS, User._meta.label]:
        model = apps.get_model(label)
        try:
            count = model._base_manager.count()
        except DatabaseError:
            # No tables yet (a database that was never migrated) is an empty database.
            if connection.in_atomic_block:
                raise
            count = 0
        if count:
            found[label] = count
    return found


def _restore_sqlite(dump: Path) -> None:
    if connection.vendor != "sqlite":
        raise BackupError(
            "Deze backup bevat een SQLite-database; zet hem terug met DATABASE_URL naar SQLite, "
            "of maak de backup opnieuw met --format json."
        )
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError("Terugzetten kan niet binnen een lopende transactie.")
    source = sqlite3.connect(dump)
    try:
        # Replaces the whole database (schema, rows, migration state) in one step.
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_pg(dump: Path) -> None:
    if connection.vendor != "postgresql":
        raise BackupError(
            "Deze backup bevat een PostgreSQL-dump; zet hem terug in PostgreSQL (DATABASE_URL)."
        )
    tool = find_pg_tool("pg_restore")
    if tool is None:
        raise BackupError(
            "pg_restore is niet gevonden; installeer de PostgreSQL-clientprogramma's."
        )
    connection.close()  # hold no locks on the tables pg_restore replaces
    env, name = _pg_env()
    result = subprocess.run(
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            name,
            str(dump),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore is mislukt; er is niets teruggezet: {result.stderr.strip()}")


def _one_basis_as_list(value: str) -> list[str]:
    return [value] if value else []


# Fields a migration replaced since the first JSON backups, with the conversion that migration
# applied to the rows (agreements/0006: one country became a list of locations stored as
# "NL, BE", a single country unchanged; register/0010: one legal basis became a list).
# Serialized rows carry no migration state, so without this `loaddata` would refuse a
# backup made before them.
REPLACED_FIELDS: dict[str, tuple[str, str, Callable[[Any], Any]]] = {
    "agreements.subprocessor": ("country", "countries", str),
    "agreements.historicalsubprocessor": ("country", "countries", str),
    "register.processingactivity": ("legal_basis", "legal_bases", _one_basis_as_list),
    "register.historicalprocessingactivity": ("legal_basis", "legal_bases", _one_basis_as_list),
}


def upgrade_serialized_rows(rows: list[dict]) -> bool:
    """Bring rows serialized by an older version to the current fields, as the migrations
    did (REPLACED_FIELDS; a subprocessor listed twice under one agreement with the same name
    and service gets "(2)" after its service, as agreements/0006 does). Returns whether any
    row changed."""
    changed = False
    seen: dict[tuple, int] = {}
    for row in rows:
        fields = row.get("fields", {})
        replaced = REPLACED_FIELDS.get(row.get("model", ""))
        if replaced is not None and replaced[0] in fields:
            old, new, convert = replaced
            value = fields.pop(old)
            fields.setdefault(new, convert(value or ""))
            changed = True
    subprocessors = [row for row in rows if row.get("model") == "agreements.subprocessor"]
    for row in sorted(subprocessors, key=lambda row: row.get("pk") or 0):
        fields = row["fields"]
        key = (fields.get("agreement"), fields.get("name"), fields.get("service", ""))
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            fields["service"] = f"{fields.get('service', '')} ({seen[key]})".strip()
            changed = True
    return changed


def _restore_json(dump: Path) -> None:
    rows = json.loads(dump.read_bytes())
    if upgrade_serialized_rows(rows):
        dump.write_text(json.dumps(rows), encoding="utf-8")
    call_command("migrate", interactive=False, verbosity=0)
    # All or nothing: empty every table (also the seeded vocabulary, groups and content
    # types, so the backup's own rows come back with their own keys), then load.
    with transaction.atomic():
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        call_command("loaddata", str(dump), verbosity=0)
        _upgrade_older_fingerprints()


def _upgrade_older_fingerprints() -> None:
    """Serialized rows carry no migration state, so `migrate` cannot tell that a JSON backup
    was made before agreements.0003: its approvals would all read as outdated. Give them the
    same upgrade; it rewrites only reviews that match the older definition of the
    fingerprint, so for a newer backup it changes nothing."""
    upgrade = importlib.import_module(
        "agreements.migrations.0003_fingerprint_covers_what_the_fg_saw"
    )
    with append_only.lifted():
        upgrade.upgrade_fingerprints(apps)


RESTORERS = {"sqlite": _restore_sqlite, "pg_dump": _restore_pg, "json": _restore_json}


def verify_documents() -> list[str]:
    """Every document row must find its file in the media folder with the recorded sha256."""
    Document = apps.get_model("agreements", "Document")
    root = media_root()
    problems = []
    for pk, name, digest in Document.objects.values_list("pk", "file", "sha256").order_by("pk"):
        file = root / name
        if not file.is_file():
            problems.append(f"document {pk}: bestand {name} ontbreekt")
        elif sha256_of(file) != digest:
            problems.append(f"document {pk}: bestand {name} heeft een andere sha256 dan vastgelegd")
    return problems


def restore_backup(path: Path, *, force: bool = False) -> RestoreResult:
    """Put a backup made by `create_backup` back into this (empty) database and media folder."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} bestaat niet.")
    root = media_root()
    with tempfile.TemporaryDirectory(prefix="register-restore-") as scratch_name:
        scratch = Path(scratch_name)
        manifest = _extract(path, scratch)
        _verify_archive(manifest, scratch)
        database_format = manifest["database_format"]
        if database_format not in RESTORERS:
            raise BackupError(f"Onbekend databaseformaat {database_format!r} in de backup.")

        if not force:
            found = existing_records()
            if found:
                summary = ", ".join(f"{label}: {count}" for label, count in sorted(found.items()))
                raise BackupError(
                    "De database bevat al registergegevens (" + summary + "). Zet een backup "
                    "terug in een lege database, of gebruik --force om alles te vervangen."
                )
            clashes = [
                name
                for name, digest in manifest["media"].items()
                if (root / name).is_file() and sha256_of(root / name) != digest
            ]
            if clashes:
                raise BackupError(
                    f"De mediamap {root} bevat al andere bestanden met dezelfde naam "
                    f"({', '.join(sorted(clashes))}); gebruik --force om ze te vervangen."
                )

        RESTORERS[database_format](scratch / manifest["database_member"])
        connection.close()  # the next query sees the restored database afresh
        # Bring a backup made by an older version of the register up to the current schema.
        call_command("migrate", interactive=False, verbosity=0)
        # An archive made before sessions were left out holds them: nobody is logged back in.
        with connection.cursor() as cursor:
            cursor.execute(f'DELETE FROM "{SESSION_TABLE}"')

        for name in manifest["media"]:
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(scratch / "media" / name, target)
            os.chmod(target, settings.FILE_UPLOAD_PERMISSIONS or 0o640)

    problems = verify_documents()
    Document = apps.get_model("agreements", "Document")
    return RestoreResult(
        database_format=database_format,
        media_files=len(manifest["media"]),
        documents=Document.objects.count(),
        problems=problems,
    )
