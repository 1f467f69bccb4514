"""An import killed with SIGKILL half-way leaves the database exactly as it was.

A real `manage.py import_workbook` runs in a subprocess against a file-based SQLite database
in its own DATA_DIR. Once it reports that the first sheet has been written (inside its
transaction), it is killed with `kill -9`: no Python cleanup, no rollback code runs. Every
table must then hold exactly the rows it held before, and the database must still be usable.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import Workbook

BASE_DIR = Path(settings.BASE_DIR)
SUPPLIERS = 300  # enough rows that the import is still writing when it is killed


def command_env(data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "DATA_DIR"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="register.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DATA_DIR=str(data_dir),
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=command_env(data_dir),
        capture_output=True,
        text=True,
        timeout=300,
    )


def big_workbook(path: Path, suppliers: int) -> Path:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Leveranciers")
    sheet.append(["Naam", "Convenant"])
    for i in range(suppliers):
        sheet.append([f"Onderbroken Leverancier {i}", "geen"])
    sheet = workbook.create_sheet("Producten")
    sheet.append(["Naam", "Leverancier", "Status", "Toegang"])
    for i in range(suppliers):
        for j in range(2):
            sheet.append(
                [f"Product {i}-{j}", f"Onderbroken Leverancier {i}", "in_gebruik", "entree"]
            )
    sheet = workbook.create_sheet("Gegevensstromen")
    sheet.append(["Product", "Leverancier", "Attribuut", "Kanaal"])
    for i in range(suppliers):
        for j in range(2):
            for code in ("eckId", "givenName", "sn"):
                sheet.append([f"Product {i}-{j}", f"Onderbroken Leverancier {i}", code, "entree"])
    workbook.save(path)
    return path


def database_state(database: Path) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row of every table."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        state = {}
        for table in tables:
            rows = conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
            state[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        return state
    finally:
        conn.close()


def wait_for(path: Path, marker: str, process: subprocess.Popen, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if marker in path.read_text(encoding="utf-8", errors="ignore"):
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.02)
    return False


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX kill -9")
def test_an_import_killed_half_way_leaves_the_database_exactly_as_before(tmp_path):
    data_dir = tmp_path / "data"
    assert manage(data_dir, "migrate", "--noinput").returncode == 0
    loaded = manage(data_dir, "load_demo")
    assert loaded.returncode == 0, loaded.stderr
    database = data_dir / "register.sqlite3"
    workbook = big_workbook(tmp_path / "groot.xlsx", SUPPLIERS)
    before = database_state(database)

    progress = tmp_path / "progress.log"
    with progress.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "import_workbook", str(workbook)],
            cwd=BASE_DIR,
            env=command_env(data_dir),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            # The command reports each sheet once its rows are written in the transaction.
            written = wait_for(progress, "Leveranciers:", process, seconds=120)
            still_running = process.poll() is None
            os.kill(process.pid, signal.SIGKILL)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
    assert written, progress.read_text()
    assert still_running, "the import finished before it could be killed; make it bigger"
    assert process.returncode == -signal.SIGKILL

    after = database_state(database)
    changed = {
        table: (before[table], after.get(table))
        for table in before
        if before[table] != after.get(table)
    }
    assert changed == {}
    assert set(after) == set(before)

    conn = sqlite3.connect(database)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute(
            "SELECT COUNT(*) FROM suppliers_supplier WHERE name LIKE 'Onderbroken%'"
        ).fetchone() == (0,)
    finally:
        conn.close()

    # The database is not left locked: the next import of a small workbook goes through.
    small = big_workbook(tmp_path / "klein.xlsx", 2)
    result = manage(data_dir, "import_workbook", str(small))
    assert result.returncode == 0, result.stdout + result.stderr
    assert database_state(database)["suppliers_supplier"][0] == before["suppliers_supplier"][0] + 2
