"""Backup and restore: an archive restored into an empty database gives back every record,
every history row and every document byte for byte."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from agreements.models import (
    Agreement,
    AgreementStatus,
    Document,
    DocumentKind,
    PrivacyNotice,
    Review,
    Subprocessor,
)
from agreements.services import add_document
from register import backup
from register.demo import load_demo
from register.models import ProcessingActivity
from suppliers.models import Supplier

from ..agreements.test_fingerprint_upgrade import old_fingerprint

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def every_model():
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and model._meta.app_label != "sessions"
        # Bookkeeping of the rules' cache: every restore leaves new marks, by design.
        and model._meta.label not in {"register.RegisterWrite", "register.RulesNote"}
    ]


def snapshot(media_root: Path) -> dict:
    """Row count and a checksum of all column values of every table, plus every file's hash."""
    tables = {}
    for model in every_model():
        rows = list(
            model._base_manager.order_by("pk").values_list(
                *[f.attname for f in model._meta.concrete_fields]
            )
        )
        tables[model._meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    files = {
        path.relative_to(media_root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in media_root.rglob("*")
        if path.is_file()
    }
    return {"tables": tables, "files": files}


def fill_register(media_root: Path) -> None:
    load_demo()
    # History beyond the initial rows: an edit and a new document version.
    supplier = Supplier.objects.order_by("pk").first()
    supplier.name = f"{supplier.name} (hernoemd)"
    supplier.save()
    agreement = Agreement.objects.order_by("pk").first()
    add_document(
        agreement=agreement,
        kind=DocumentKind.AGREEMENT,
        content=MINIMAL_PDF + b"% versie 2\n",
        original_name="../../etc/verwerkersovereenkomst v2.pdf",
    )


def empty_the_database(media_root: Path) -> None:
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(media_root, ignore_errors=True)
    assert backup.existing_records() == {}


@pytest.mark.parametrize("database_format", [None, "json"])
def test_a_restore_into_an_empty_database_gives_back_every_record_and_document(
    media, tmp_path, database_format
):
    fill_register(media)
    before = snapshot(media)
    assert before["tables"]["agreements.HistoricalAgreement"][0] > 0
    assert before["tables"]["suppliers.HistoricalSupplier"][0] > Supplier.objects.count()
    assert len(before["files"]) == Document.objects.count() >= 2

    archive = tmp_path / "register.tar.gz"
    args = [str(archive)] + (["--format", database_format] if database_format else [])
    call_command("backup_register", *args, stdout=io.StringIO())
    empty_the_database(media)
    assert snapshot(media)["files"] == {}

    out = io.StringIO()
    call_command("restore_register", str(archive), stdout=out)

    after = snapshot(media)
    assert after["files"] == before["files"]
    differing = {
        label: (before["tables"][label], after["tables"].get(label))
        for label in before["tables"]
        if before["tables"][label] != after["tables"].get(label)
    }
    assert differing == {}
    for document in Document.objects.all():
        assert after["files"][document.file.name] == document.sha256
    assert "alle sha256-waarden kloppen" in out.getvalue()


def test_the_native_format_follows_the_database_engine(media, tmp_path):
    load_demo()
    result = backup.create_backup(tmp_path / "b.tar.gz")
    expected = {"sqlite": "sqlite", "postgresql": "pg_dump"}[connection.vendor]
    if connection.vendor == "postgresql" and backup.find_pg_tool("pg_dump") is None:
        expected = "json"
    assert result.database_format == expected
    with tarfile.open(result.path) as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile("manifest.json"))
    assert manifest["database_member"] in names
    assert sorted(n for n in names if n.startswith("media/")) == sorted(
        f"media/{name}" for name in manifest["media"]
    )
    assert {d["sha256"] for d in manifest["documents"]} == set(
        Document.objects.values_list("sha256", flat=True)
    )


def test_a_restore_refuses_a_database_that_already_holds_a_register(media, tmp_path):
    load_demo()
    archive = tmp_path / "b.tar.gz"
    call_command("backup_register", str(archive), stdout=io.StringIO())
    Supplier.objects.create(name="Na de backup toegevoegd")

    with pytest.raises(CommandError, match="bevat al registergegevens"):
        call_command("restore_register", str(archive), stdout=io.StringIO())
    assert Supplier.objects.filter(name="Na de backup toegevoegd").exists()

    call_command("restore_register", str(archive), "--force", stdout=io.StringIO())
    assert not Supplier.objects.filter(name="Na de backup toegevoegd").exists()
    assert Agreement.objects.count() > 0


@pytest.mark.parametrize("database_format", [None, "json"])
def test_a_forced_restore_replaces_the_reviews_and_keeps_them_append_only(
    media, tmp_path, database_format
):
    load_demo()
    reviews = sorted(Review.objects.values_list("pk", "fingerprint"))
    archive = tmp_path / "b.tar.gz"
    args = [str(archive)] + (["--format", database_format] if database_format else [])
    call_command("backup_register", *args, stdout=io.StringIO())
    # Decided after the backup: the restore must replace it, append-only or not.
    agreement = Agreement.objects.filter(status=AgreementStatus.SUBMITTED).first()
    Review.objects.create(agreement=agreement, decision="afgekeurd", comment="Na de backup")

    call_command("restore_register", str(archive), "--force", stdout=io.StringIO())

    assert sorted(Review.objects.values_list("pk", "fingerprint")) == reviews
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM agreements_review")
    assert Review.objects.count() == len(reviews)


def current_agreements() -> list[str]:
    agreements = Agreement.objects.with_fingerprint_content().order_by("reference")
    return [a.reference for a in agreements if a.approval_matches_content()]


def copy_archive(source: Path, target: Path, change: Callable[[str, bytes], bytes]) -> None:
    """Copy a backup archive, each member's bytes passed through `change(name, data)`."""
    with tarfile.open(source) as original, tarfile.open(target, "w:gz") as copy:
        for member in original.getmembers():
            data = original.extractfile(member).read()
            data = change(member.name, data)
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))


def copy_with_other_rows(source: Path, target: Path, change_row: Callable[[dict], None]) -> None:
    """Copy a JSON backup archive, each row of its `database.json` passed to `change_row`,
    which changes it in place (as an older version of the register would have written it)."""

    def change(name: str, data: bytes) -> bytes:
        if name == "manifest.json":
            # An older version recorded no sha256 of its database dump.
            manifest = json.loads(data)
            manifest.pop("database_sha256", None)
            return json.dumps(manifest).encode()
        if name != "database.json":
            return data
        rows = json.loads(data)
        for row in rows:
            change_row(row)
        return json.dumps(rows).encode()

    copy_archive(source, target, change)


def test_a_json_backup_from_before_the_fingerprint_upgrade_keeps_its_approvals(media, tmp_path):
    load_demo()
    # A register from before 0003 held none of issue 15's content (agreements 0006).
    Agreement.objects.update(dvo_reference="")
    PrivacyNotice.objects.update(
        purposes="", data_subjects="", retention="", processing_locations=""
    )
    PrivacyNotice.subprocessors.through.objects.all().delete()
    Subprocessor.objects.update(headquarters="", safeguard_kind="")
    current = current_agreements()
    assert current
    archive = tmp_path / "b.tar.gz"
    call_command("backup_register", str(archive), "--format", "json", stdout=io.StringIO())
    # The same archive as the previous version wrote it: fingerprints of the older definition.
    older = {a.pk: old_fingerprint(a) for a in Agreement.objects.all()}
    matching = {a.pk: a.content_fingerprint() for a in Agreement.objects.all()}
    before_upgrade = tmp_path / "older.tar.gz"

    def with_older_fingerprint(row: dict) -> None:
        fields = row["fields"]
        if row["model"] in ("agreements.review", "agreements.historicalreview"):
            if fields["fingerprint"] == matching[fields["agreement"]]:
                fields["fingerprint"] = older[fields["agreement"]]

    copy_with_other_rows(archive, before_upgrade, with_older_fingerprint)
    empty_the_database(media)

    call_command("restore_register", str(before_upgrade), stdout=io.StringIO())

    assert current_agreements() == current
    # A backup of this version comes back exactly as it was (the upgrade does nothing).
    empty_the_database(media)
    call_command("restore_register", str(archive), stdout=io.StringIO())
    assert current_agreements() == current
    assert not Review.history.filter(history_change_reason__startswith="Vingerafdruk").exists()


def test_a_tampered_document_in_the_archive_is_refused_before_anything_is_written(media, tmp_path):
    load_demo()
    archive = tmp_path / "b.tar.gz"
    call_command("backup_register", str(archive), stdout=io.StringIO())
    tampered = tmp_path / "tampered.tar.gz"

    def tamper(name: str, data: bytes) -> bytes:
        if name.startswith("media/documents/") and b"tampered" not in data:
            return data.replace(b"%%EOF", b"% tampered\n%%EOF")
        return data

    copy_archive(archive, tampered, tamper)
    empty_the_database(media)

    with pytest.raises(CommandError, match="beschadigd"):
        call_command("restore_register", str(tampered), stdout=io.StringIO())
    assert backup.existing_records() == {}
    assert not media.exists() or not any(media.rglob("*.pdf"))


def test_a_damaged_database_in_the_archive_is_refused_before_anything_is_written(media, tmp_path):
    """A byte flipped in the database dump: the manifest's sha256 of the dump catches it
    (it held only the documents' hashes, and a damaged database came back 'verified')."""
    load_demo()
    archive = tmp_path / "b.tar.gz"
    call_command("backup_register", str(archive), stdout=io.StringIO())
    damaged = tmp_path / "damaged.tar.gz"

    def flip(name: str, data: bytes) -> bytes:
        if name.startswith("database."):
            middle = len(data) // 2
            return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]
        return data

    copy_archive(archive, damaged, flip)
    empty_the_database(media)

    with pytest.raises(CommandError, match=r"(?s)beschadigd.*sha256 wijkt af"):
        call_command("restore_register", str(damaged), stdout=io.StringIO())
    assert backup.existing_records() == {}


def test_a_truncated_or_foreign_archive_is_refused_in_dutch(media, tmp_path):
    load_demo()
    archive = tmp_path / "b.tar.gz"
    call_command("backup_register", str(archive), stdout=io.StringIO())
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as out:
        data = b"{niet: json"
        member = tarfile.TarInfo("manifest.json")
        member.size = len(data)
        out.addfile(member, io.BytesIO(data))
    empty_the_database(media)

    with pytest.raises(CommandError, match="beschadigd of onvolledig"):
        call_command("restore_register", str(truncated), stdout=io.StringIO())
    with pytest.raises(CommandError, match="manifest.json .* is onleesbaar"):
        call_command("restore_register", str(foreign), stdout=io.StringIO())
    assert backup.existing_records() == {}


def test_sessions_are_neither_kept_nor_brought_back(media, tmp_path):
    """A restored archive logs nobody back in, whatever archive it is."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    load_demo()
    session = SessionStore()
    session["kept"] = True
    session.create()
    archive = tmp_path / "b.tar.gz"
    call_command("backup_register", str(archive), stdout=io.StringIO())
    with tarfile.open(archive) as opened:
        names = opened.getnames()
    assert any(name.startswith("database.") for name in names)
    empty_the_database(media)

    call_command("restore_register", str(archive), stdout=io.StringIO())

    assert not Session.objects.exists()


def test_an_archive_with_paths_leaving_the_folder_is_refused(media, tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as archive:
        data = b"owned"
        member = tarfile.TarInfo("media/../../outside.txt")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    with pytest.raises(CommandError, match="ongeldig pad"):
        call_command("restore_register", str(evil), stdout=io.StringIO())
    assert not (tmp_path / "outside.txt").exists()
    assert not (media.parent.parent / "outside.txt").exists()


def test_a_document_missing_from_the_media_folder_stops_the_backup(media, tmp_path):
    load_demo()
    document = Document.objects.order_by("pk").first()
    Path(document.file.path).unlink()
    with pytest.raises(CommandError, match="ontbreken in de mediamap"):
        call_command("backup_register", str(tmp_path / "b.tar.gz"), stdout=io.StringIO())
    assert not (tmp_path / "b.tar.gz").exists()


def test_a_json_backup_from_before_the_list_fields_comes_back_with_its_locations_and_bases(
    media, tmp_path
):
    """A JSON backup made before agreements/0006 and register/0010 holds one `country` per
    subprocessor and one `legal_basis` per activity; it restores as the migrations converted
    them, instead of being refused by `loaddata`."""
    load_demo()
    sub = Subprocessor.objects.filter(countries="US").first() or Subprocessor.objects.first()
    sub.countries = "US"
    sub.save()
    activity = ProcessingActivity.objects.exclude(legal_bases=[]).first()
    activity.legal_bases = ["wettelijke_plicht"]
    activity.save()
    current = current_agreements()
    archive = tmp_path / "b.tar.gz"
    call_command("backup_register", str(archive), "--format", "json", stdout=io.StringIO())
    older = tmp_path / "older.tar.gz"

    def as_before_the_list_fields(row: dict) -> None:
        fields = row["fields"]
        if row["model"].endswith("subprocessor") and "countries" in fields:
            fields["country"] = fields.pop("countries")
        if row["model"].endswith("processingactivity"):
            bases = fields.pop("legal_bases")
            fields["legal_basis"] = bases[0] if bases else ""

    copy_with_other_rows(archive, older, as_before_the_list_fields)
    empty_the_database(media)

    call_command("restore_register", str(older), stdout=io.StringIO())

    assert Subprocessor.objects.get(pk=sub.pk).countries == "US"
    assert ProcessingActivity.objects.get(pk=activity.pk).legal_bases == ["wettelijke_plicht"]
    assert current_agreements() == current  # the approvals still hold
