"""An uploaded workbook on its way in: its check and its import run as background tasks.

The upload is kept under a generated token in DATA_DIR/imports (only the session that
uploaded it may use it, views/workbook.py). Beside it, files that the task writes and the
pages read: the step under way (`<token>.job.json`), how far it got (`<token>.progress.json`)
and its outcome (`<token>.preview.json` for the check, a dry run; `<token>.result.json` for
the import), each outcome with the upload's sha256 so that it never belongs to other
content. Files rather than database rows: a task's progress must not count as a change of
the register (register/revision.py), and a long import on SQLite holds the write lock.

The check and the import are `import_workbook()`, all-or-nothing as on the command line:
a check never writes, and the import writes nothing when it finds an error.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import time
from collections.abc import Collection
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .importer import import_workbook
from .reading import WorkbookUnreadable, unpacked_upload
from .result import ImportResult

CHECK, APPLY = "check", "apply"
UPLOAD_MAX_AGE_SECONDS = 24 * 60 * 60
TOKEN = re.compile(r"^[0-9a-f]{32}$")
# A row as the preview's checkbox names it (Change.key): "Sheet:row".
ROW_KEY = re.compile(r"^[^:\n]{1,64}:\d{1,7}$")
_OUTCOME = {CHECK: "preview", APPLY: "result"}


def upload_folder() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_path(token: str) -> Path:
    return upload_folder() / f"{token}.upload"


def _file(token: str, name: str) -> Path:
    return upload_folder() / f"{token}.{name}.json"


def remove_stale_uploads() -> None:
    cutoff = time.time() - UPLOAD_MAX_AGE_SECONDS
    folder = upload_folder()
    for path in [*folder.glob("*.upload"), *folder.glob("*.json"), *folder.glob("*.part")]:
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def forget(token: str) -> None:
    upload_path(token).unlink(missing_ok=True)
    for name in ("job", "progress", *_OUTCOME.values()):
        _file(token, name).unlink(missing_ok=True)


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as upload:
        while chunk := upload.read(1024 * 1024):
            sha.update(chunk)
    return sha.hexdigest()


def _write(path: Path, data: dict) -> None:
    # Written whole and renamed: a page polling meanwhile never reads half a file.
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(data), encoding="utf-8")
    partial.replace(path)


def _read(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# --- the step under way ---------------------------------------------------------------------


def start_job(token: str, kind: str) -> None:
    """Before the task is enqueued: what runs now; the earlier outcome of this step is gone."""
    _file(token, _OUTCOME[kind]).unlink(missing_ok=True)
    _write(_file(token, "progress"), {"kind": kind, "state": "queued"})
    _write(_file(token, "job"), {"kind": kind, "enqueued_at": timezone.now().isoformat()})


def job_enqueued(token: str, task_id: str) -> None:
    job = current_job(token) or {}
    _write(_file(token, "job"), {**job, "task_id": str(task_id)})


def current_job(token: str) -> dict | None:
    job = _read(_file(token, "job"))
    return job if job and job.get("kind") in _OUTCOME else None


def progress_of(token: str) -> dict:
    return _read(_file(token, "progress")) or {"state": "queued"}


# A step that reported no progress for this long has lost its worker (killed, the machine
# restarted): its transaction was rolled back, and nothing picks the task up again. Far above
# the longest sheet (docs/performance.md: the import of 20,000 rows takes about 9 s).
STALLED_AFTER_SECONDS = 15 * 60


def stalled(token: str) -> bool:
    """The step under way stopped reporting: its worker is gone."""
    path = _file(token, "progress")
    progress = _read(path)
    if progress is None or progress.get("state") != "running":
        return False
    try:
        return time.time() - path.stat().st_mtime > STALLED_AFTER_SECONDS
    except OSError:
        return False


def mark_failed(token: str, kind: str) -> None:
    _progress(token, kind, state="failed")


def _progress(token: str, kind: str, **state) -> None:
    _write(_file(token, "progress"), {"kind": kind, **state})


# --- outcomes -------------------------------------------------------------------------------


def store_outcome(token: str, kind: str, result: ImportResult | str) -> None:
    stored: dict = {
        "upload_sha256": digest(upload_path(token)),
        "finished_at": timezone.now().isoformat(),
    }
    if isinstance(result, str):
        stored["unreadable"] = result
    else:
        stored["result"] = result.as_json()
    _write(_file(token, _OUTCOME[kind]), stored)


def stored_outcome(token: str, kind: str) -> tuple[ImportResult | str, datetime.datetime] | None:
    """The outcome of a step and when it finished; None while it runs, or when it is
    missing, unreadable or belongs to other content than the upload now holds."""
    stored = _read(_file(token, _OUTCOME[kind]))
    try:
        if stored is None or stored["upload_sha256"] != digest(upload_path(token)):
            return None
        finished_at = datetime.datetime.fromisoformat(stored["finished_at"])
        if "unreadable" in stored:
            return str(stored["unreadable"]), finished_at
        return ImportResult.from_json(stored["result"]), finished_at
    except (OSError, ValueError, KeyError, TypeError):
        return None


# --- the work itself (in the task) ----------------------------------------------------------


def run_job(token: str, kind: str, *, user=None, overwrite: Collection[str] = ()) -> None:
    """Check (a dry run) or import the upload, reporting progress per sheet, and store the
    outcome. `overwrite` names the rows the user confirmed although the register changed
    them after the export (Change.key)."""
    path = upload_path(token)
    if not path.is_file():
        return  # expired or cleaned up meanwhile: the page asks for a new upload
    state = {"done": 0, "total": 0}
    _progress(token, kind, state="running", step="reading", **state)

    def found(names: list[str]) -> None:
        state["total"] = len(names)
        _progress(token, kind, state="running", step="sheets", **state)

    def progress(sheet: str, rows: int) -> None:
        state["done"] += 1
        _progress(token, kind, state="running", step="sheets", sheet=sheet, **state)

    result: ImportResult | str
    try:
        with unpacked_upload(path) as (workbook, folder):
            result = import_workbook(
                workbook,
                folder=folder,
                dry_run=kind == CHECK,
                user=user,
                progress=progress,
                sheets_found=found,
                overwrite=[key for key in overwrite if ROW_KEY.match(key)],
            )
    except WorkbookUnreadable as exc:
        result = str(exc)
    store_outcome(token, kind, result)
    _progress(token, kind, state="finished", **state)
