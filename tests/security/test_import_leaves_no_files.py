"""An import that does not finish leaves no PDF in the media folder.

The documents of an import are staged beside the media folder and moved in only after the
commit (`register/staging.py`). Proven here with the real ways an import ends early: a
refused workbook, an interrupt (Ctrl-C) after the documents, gunicorn's worker timeout on
the web import, and `kill -9` of `manage.py import_workbook` after its documents were
stored. The processes use this test's own database (SQLite file or PostgreSQL).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from http.cookiejar import Cookie, CookieJar
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from openpyxl import Workbook

from agreements.models import Agreement, Document
from register import backup
from register.staging import recover_abandoned, staged_documents, staging_root
from register.workbook import ImportResult, import_workbook, unpacked_upload
from suppliers.models import Supplier

from ..concurrency import InBackground
from ..conftest import client_for, make_agreement, make_product

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BASE_DIR = Path(settings.BASE_DIR)
DOCUMENTS = 3
CODES = [
    "uid", "givenName", "sn", "eduPersonAffiliation", "nlEduPersonHomeOrganizationId",
    "eckId", "mail", "leerlingnummer", "geboortedatum", "geslacht", "adres", "groep_klas",
    "leerjaar", "vakken", "resultaten", "ouder_contact", "ip_adres", "gebruiksgegevens",
]  # fmt: skip
CHANNELS = ["entree", "basispoort", "eduv", "direct", "handmatig"]


def pdf(number: int) -> bytes:
    return f"%PDF-1.4\n% document {number}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()


def workbook_zip(path: Path, *, products: int = 1, broken_activity: bool = False) -> Path:
    """A zip with a workbook and its PDFs: one supplier, an agreement with DOCUMENTS documents,
    then (after the documents) a data flow for every attribute and channel of `products`
    products, and optionally an activity with an error, so that the import fails late."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Leveranciers")
    sheet.append(["Naam"])
    sheet.append(["Stille Uitgever"])
    sheet = workbook.create_sheet("Producten")
    sheet.append(["Naam", "Leverancier", "Status"])
    for i in range(products):
        sheet.append([f"Stil product {i}", "Stille Uitgever", "in_gebruik"])
    sheet = workbook.create_sheet("Overeenkomsten")
    sheet.append(["Kenmerk", "Leverancier", "Producten", "Status"])
    sheet.append(["VO-STIL", "Stille Uitgever", "Stil product 0", "concept"])
    sheet = workbook.create_sheet("Documenten")
    sheet.append(["Overeenkomst", "Soort", "Bestand"])
    for i in range(DOCUMENTS):
        sheet.append(["VO-STIL", "overeenkomst", f"pdf/document-{i}.pdf"])
    sheet = workbook.create_sheet("Gegevensstromen")
    sheet.append(["Product", "Leverancier", "Attribuut", "Kanaal"])
    for i in range(products):
        for code in CODES:
            for channel in CHANNELS:
                sheet.append([f"Stil product {i}", "Stille Uitgever", code, channel])
    if broken_activity:
        sheet = workbook.create_sheet("Verwerkingen")
        sheet.append(["Naam", "Grondslag"])
        sheet.append(["Leerlingvolg", "geen grondslag die bestaat"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("register.xlsx", buffer.getvalue())
        for i in range(DOCUMENTS):
            archive.writestr(f"pdf/document-{i}.pdf", pdf(i))
    return path


def files_under(folder: Path) -> list[Path]:
    # os.walk skips what disappears while it looks (an import may be moving files).
    return sorted(Path(root, name) for root, _dirs, names in os.walk(folder) for name in names)


def pdfs_under(folder: Path) -> list[Path]:
    return [p for p in files_under(folder) if p.suffix == ".pdf"]


def run_import(archive: Path, **options) -> ImportResult:
    """As the web import does: the zip unpacked, then imported."""
    with unpacked_upload(archive) as (workbook, folder):
        return import_workbook(workbook, folder=folder, **options)


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    return Path(settings.MEDIA_ROOT)


def assert_nothing_imported(media: Path) -> None:
    assert pdfs_under(media) == []
    assert not Document.objects.exists()
    assert not Agreement.objects.filter(reference="VO-STIL").exists()
    assert not Supplier.objects.filter(name="Stille Uitgever").exists()


# --- in this process --------------------------------------------------------------------------


def test_a_complete_import_moves_its_documents_into_media(media, tmp_path):
    result = run_import(workbook_zip(tmp_path / "goed.zip"))
    assert result.errors == []
    stored = sorted(Path(media, d.file.name) for d in Document.objects.all())
    assert len(stored) == DOCUMENTS
    assert pdfs_under(media) == stored
    assert {p.read_bytes() for p in stored} == {pdf(i) for i in range(DOCUMENTS)}
    assert files_under(staging_root()) == []


def test_an_import_refused_after_its_documents_leaves_no_file(media, tmp_path):
    result = run_import(workbook_zip(tmp_path / "fout.zip", broken_activity=True))
    assert any(error.startswith("Verwerkingen!") for error in result.errors)
    assert_nothing_imported(media)
    assert files_under(staging_root()) == []


def test_an_import_interrupted_after_its_documents_leaves_no_file(media, tmp_path):
    """Ctrl-C (or gunicorn's SystemExit) is no Exception; the files still go."""

    def interrupt(sheet: str, rows: int) -> None:
        if sheet == "Documenten":
            assert len(pdfs_under(media.parent)) == DOCUMENTS  # stored in the data folder
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_import(workbook_zip(tmp_path / "goed.zip"), progress=interrupt)
    assert_nothing_imported(media)
    assert files_under(staging_root()) == []


def abandoned_staging(files: dict[str, bytes]) -> Path:
    """The staging folder of an import that died: its lock file is there, but nobody holds it."""
    folder = staging_root() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    (folder / ".lock").touch()
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    return folder


def test_the_next_import_finishes_or_removes_what_a_killed_import_staged(media):
    """Killed after its commit but before the move: the committed files are moved in;
    files without a row are removed; the folder of an import still running is left alone."""
    agreement = make_agreement([make_product()])
    dead = abandoned_staging({"documents/bewaard.pdf": pdf(1), "documents/wees.pdf": pdf(2)})
    Document.objects.create(
        agreement=agreement, file="documents/bewaard.pdf", sha256="0" * 64, size=10
    )
    with staged_documents() as running:  # what the next import does first
        assert pdfs_under(media) == [media / "documents" / "bewaard.pdf"]
        assert not dead.exists()
        busy = running.folder / "documents" / "bezig.pdf"
        busy.parent.mkdir()
        busy.write_bytes(pdf(3))
        assert recover_abandoned() == []  # a third import leaves the running one alone
        assert busy.exists()
    assert pdfs_under(media) == [media / "documents" / "bewaard.pdf"]
    assert files_under(staging_root()) == []


def test_a_backup_first_moves_in_the_documents_of_an_import_killed_after_its_commit(
    media, tmp_path
):
    agreement = make_agreement([make_product()])
    abandoned_staging({"documents/bewaard.pdf": pdf(1)})
    Document.objects.create(
        agreement=agreement, file="documents/bewaard.pdf", sha256="0" * 64, size=10
    )
    archive = tmp_path / "backup.tar.gz"
    backup.create_backup(archive, database_format="json")
    with tarfile.open(archive) as tar:
        assert tar.extractfile("media/documents/bewaard.pdf").read() == pdf(1)
    assert files_under(staging_root()) == []


# --- a real process, stopped the hard way ----------------------------------------------------


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = urllib.parse.quote(db["USER"] or "")
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def process_env(data_dir: Path) -> dict[str, str]:
    """The test settings (production ones, static files without a manifest) on this test's
    database, with the media folder in `data_dir`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "DATA_DIR"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DJANGO_SECRET_KEY=settings.SECRET_KEY,  # the sessions this test logs in are signed with it
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DATA_DIR=str(data_dir),
        DATABASE_URL=database_url(),
        PYTHONUNBUFFERED="1",
    )
    return env


def wait_for(log: Path, marker: str, process: subprocess.Popen, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if marker in log.read_text(encoding="utf-8", errors="ignore"):
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.02)
    return False


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX kill -9")
def test_an_import_killed_with_kill_9_after_its_documents_leaves_no_file_in_media(media, tmp_path):
    archive = workbook_zip(tmp_path / "groot.zip", products=60)
    log = tmp_path / "import.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "import_workbook", str(archive)],
            cwd=BASE_DIR,
            env=process_env(media.parent),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            # Reported once the documents are stored (inside the import's transaction).
            stored = wait_for(log, "Documenten:", process, seconds=120)
            still_running = process.poll() is None
            os.kill(process.pid, signal.SIGKILL)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
    assert stored, log.read_text()
    assert still_running, "the import finished before it could be killed; make it bigger"

    assert_nothing_imported(media)
    # What it staged is outside media, and the next import clears it.
    assert len(pdfs_under(staging_root())) == DOCUMENTS
    assert recover_abandoned() == []
    assert files_under(staging_root()) == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """Just enough of a browser for gunicorn: cookies, CSRF, no redirects followed."""

    class _NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str, session: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.jar.set_cookie(_cookie(settings.SESSION_COOKIE_NAME, session))
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirects
        )

    def csrf_token(self, path: str) -> str:
        response = self.open(path)
        page = response.read().decode()
        assert response.status == 200, (response.status, page[:3000])
        return page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]

    def open(self, path: str, body: bytes | None = None, content_type: str = ""):
        request = urllib.request.Request(self.base + path, data=body)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            return self.opener.open(request, timeout=120)
        except urllib.error.HTTPError as response:  # 3xx, 4xx, 5xx: the answer itself
            return response

    def post_file(self, path: str, token: str, filename: str, content: bytes):
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"'
                f"\r\n\r\n{token}\r\n--{boundary}\r\nContent-Disposition: form-data; "
                f'name="file"; filename="{filename}"\r\nContent-Type: application/zip\r\n\r\n'
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.open(path, body, f"multipart/form-data; boundary={boundary}")

    def post_form(self, path: str, fields: dict[str, str]):
        body = urllib.parse.urlencode(fields).encode()
        return self.open(path, body, "application/x-www-form-urlencoded")


def _cookie(name: str, value: str) -> Cookie:
    return Cookie(
        0, name, value, None, False, "127.0.0.1", False, False, "/", True,
        False, None, False, None, None, {},
    )  # fmt: skip


def worker_timeout(archive: Path) -> int:
    """A gunicorn --timeout (whole seconds) that ends the import after its documents are
    stored and well before it would finish, measured on this machine with a dry run."""
    started = time.monotonic()
    stored_after: list[float] = []

    def progress(sheet: str, rows: int) -> None:
        if sheet == "Documenten":
            stored_after.append(time.monotonic() - started)

    run_import(archive, dry_run=True, progress=progress)
    total = time.monotonic() - started
    # gunicorn kills within a second after the timeout.
    timeout = math.ceil(stored_after[0] + 0.5)
    assert timeout + 1.5 < total, "the import is too quick to be killed half-way; make it bigger"
    return timeout


@contextlib.contextmanager
def gunicorn(data_dir: Path, log: Path, *, timeout: int) -> Iterator[str]:
    """A real gunicorn (one sync worker) with this `--timeout`; yields its base URL."""
    port = free_port()
    with log.open("a") as stderr:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "register.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                str(timeout),
                "--graceful-timeout",
                "1",
            ],  # fmt: skip
            cwd=BASE_DIR,
            env=process_env(data_dir),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            assert wait_for(log, f"Listening at: http://127.0.0.1:{port}", server, 60)
            assert wait_for(log, "Booting worker", server, seconds=60), log.read_text()
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_a_web_import_killed_by_gunicorns_worker_timeout_leaves_no_file_in_media(
    media, tmp_path, privacy_officer
):
    archive = workbook_zip(tmp_path / "groot.zip", products=400)
    timeout = worker_timeout(archive)
    session = client_for(privacy_officer).cookies[settings.SESSION_COOKIE_NAME].value
    start = reverse("register:workbook_import")

    # The upload runs the check (a dry run) in its request: give it all the time it needs.
    with gunicorn(media.parent, tmp_path / "upload.log", timeout=300) as base:
        browser = Browser(base, session)
        token = browser.csrf_token(start)
        upload = browser.post_file(start, token, "groot.zip", archive.read_bytes())
        assert upload.status == 302, upload.read()[:2000]
    upload_token = upload.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    confirm = reverse("register:workbook_import_confirm", args=[upload_token])

    # The confirm runs the import in its request, on a server whose worker timeout ends it
    # after the documents were stored.
    log = tmp_path / "import.log"
    seen_stored: list[Path] = []
    with gunicorn(media.parent, log, timeout=timeout) as base:
        browser.base = base  # the same browser: its session and CSRF cookies
        request = InBackground(lambda: browser.post_form(confirm, {"csrfmiddlewaretoken": token}))
        while not request.done():
            seen_stored.extend(pdfs_under(media.parent))
            time.sleep(0.02)
        answer = request.outcome()
        assert "WORKER TIMEOUT" in log.read_text(), log.read_text()
    assert seen_stored, "the worker was killed before it stored the documents; make it bigger"
    # The browser got no answer (or an error), never the redirect of a finished import.
    assert isinstance(answer, Exception) or answer.status != 302
    assert_nothing_imported(media)
    # gunicorn aborts the worker (its `finally` removes the staging folder); a worker too busy
    # to stop within a second is killed outright and leaves it to the next import.
    recover_abandoned()
    assert files_under(staging_root()) == []
