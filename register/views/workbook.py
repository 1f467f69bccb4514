"""The register workbook on the web: the Excel download and the import with a preview.

The upload is kept server-side under a generated name in DATA_DIR/imports between the
preview (a dry run) and the confirmation, and only the session that uploaded it may use it.
The dry run runs once, when the file is uploaded; its result is stored beside the upload
(`<token>.preview.json`, with the upload's sha256) and the preview page only shows it, so
reloading the page costs nothing. Confirming imports the same stored file for real.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..exports import SHEETS, export_bundle, export_filename, export_register, write_template
from ..forms import WorkbookUploadForm
from ..workbook import Change, ImportResult, WorkbookUnreadable, import_workbook, unpacked_upload

SESSION_KEY = "workbook_uploads"
UPLOAD_MAX_AGE_SECONDS = 24 * 60 * 60
TOKEN = re.compile(r"^[0-9a-f]{32}$")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@permission_required("register.export_register", raise_exception=True)
def workbook_export(request: HttpRequest) -> FileResponse:
    # A temporary file rather than memory: FileResponse streams it and closes (removes) it.
    workbook = tempfile.TemporaryFile()
    export_register(workbook)
    workbook.seek(0)
    return FileResponse(
        workbook, as_attachment=True, filename=export_filename(), content_type=XLSX_TYPE
    )


@permission_required("register.export_register", raise_exception=True)
def workbook_export_bundle(request: HttpRequest) -> FileResponse:
    bundle = tempfile.TemporaryFile()
    export_bundle(bundle)
    bundle.seek(0)
    return FileResponse(
        bundle,
        as_attachment=True,
        filename=export_filename(suffix="zip"),
        content_type="application/zip",
    )


@permission_required("register.export_register", raise_exception=True)
def workbook_template(request: HttpRequest) -> FileResponse:
    template = tempfile.TemporaryFile()
    write_template(template)
    template.seek(0)
    return FileResponse(
        template, as_attachment=True, filename="register-sjabloon.xlsx", content_type=XLSX_TYPE
    )


def _upload_folder() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _remove_stale_uploads(folder: Path) -> None:
    cutoff = time.time() - UPLOAD_MAX_AGE_SECONDS
    for path in [*folder.glob("*.upload"), *folder.glob("*.preview.json")]:
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _upload_path(request: HttpRequest, token: str) -> Path | None:
    """The stored upload of this session, or None when it is unknown, expired or gone."""
    if not TOKEN.match(token) or token not in request.session.get(SESSION_KEY, {}):
        return None
    path = _upload_folder() / f"{token}.upload"
    if not path.is_file() or path.stat().st_mtime < time.time() - UPLOAD_MAX_AGE_SECONDS:
        return None
    return path


def _forget(request: HttpRequest, token: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads
    (_upload_folder() / f"{token}.upload").unlink(missing_ok=True)
    _preview_path(token).unlink(missing_ok=True)


def _stale(request: HttpRequest) -> HttpResponse:
    messages.error(
        request,
        _(
            "Deze upload is niet meer beschikbaar: hij is al verwerkt, verlopen (na 24 uur) of "
            "hoort bij een andere sessie. Upload de werkmap opnieuw."
        ),
    )
    return redirect("register:workbook_import")


def _preview_path(token: str) -> Path:
    return _upload_folder() / f"{token}.preview.json"


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as upload:
        while chunk := upload.read(1024 * 1024):
            sha.update(chunk)
    return sha.hexdigest()


def _store_preview(token: str, upload: Path, result: ImportResult | str) -> None:
    """Keep the dry run's outcome beside the upload it belongs to."""
    stored: dict = {"upload_sha256": _digest(upload), "checked_at": timezone.now().isoformat()}
    if isinstance(result, str):
        stored["unreadable"] = result
    else:
        stored["result"] = {
            "errors": [str(error) for error in result.errors],
            "changes": [
                {
                    "sheet": str(c.sheet),
                    "row": c.row,
                    "action": c.action,
                    "label": str(c.label),
                    "fields": [str(f) for f in c.fields],
                    "review": c.review,
                }
                for c in result.changes
            ],
            "unchanged": dict(result.unchanged),
            "rows": dict(result.rows),
            "notes": [str(note) for note in result.notes],
            "lapsing": [str(reference) for reference in result.lapsing],
        }
    _preview_path(token).write_text(json.dumps(stored), encoding="utf-8")


def _stored_preview(token: str, upload: Path) -> tuple[ImportResult | str, str] | None:
    """The stored dry run of this upload and when it ran; None when it is missing,
    unreadable or belongs to other content than the upload now holds."""
    try:
        stored = json.loads(_preview_path(token).read_text(encoding="utf-8"))
        if stored["upload_sha256"] != _digest(upload):
            return None
        checked_at = stored["checked_at"]
        if "unreadable" in stored:
            return str(stored["unreadable"]), checked_at
        data = stored["result"]
        result = ImportResult(
            dry_run=True,
            errors=list(data["errors"]),
            changes=[Change(**change) for change in data["changes"]],
            unchanged=Counter(data["unchanged"]),
            rows=Counter(data["rows"]),
            notes=list(data["notes"]),
            lapsing=list(data["lapsing"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return result, checked_at


def _run(request: HttpRequest, path: Path, *, dry_run: bool) -> ImportResult | str:
    """The import of an upload, or a friendly message when the file cannot be read."""
    try:
        with unpacked_upload(path) as (workbook, folder):
            return import_workbook(workbook, folder=folder, dry_run=dry_run, user=request.user)
    except WorkbookUnreadable as exc:
        return str(exc)


@permission_required("register.import_workbook", raise_exception=True)
def workbook_import(request: HttpRequest) -> HttpResponse:
    form = WorkbookUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        folder = _upload_folder()
        _remove_stale_uploads(folder)
        token = uuid.uuid4().hex
        path = folder / f"{token}.upload"
        with open(path, "wb") as out:
            for chunk in form.cleaned_data["file"].chunks():
                out.write(chunk)
        # The dry run runs here, once; the preview page shows its stored result.
        _store_preview(token, path, _run(request, path, dry_run=True))
        uploads = request.session.get(SESSION_KEY, {})
        uploads[token] = form.cleaned_data["file"].name[:200]
        request.session[SESSION_KEY] = uploads
        return redirect("register:workbook_import_preview", token=token)
    sheets = [spec for spec in SHEETS if not spec.export_only]
    return render(request, "register/workbook_import.html", {"form": form, "sheets": sheets})


@permission_required("register.import_workbook", raise_exception=True)
def workbook_import_preview(request: HttpRequest, token: str) -> HttpResponse:
    path = _upload_path(request, token)
    if path is None:
        return _stale(request)
    stored = _stored_preview(token, path)
    if stored is None:
        _forget(request, token)
        messages.error(
            request,
            _(
                "Het resultaat van de controle van deze upload ontbreekt of hoort niet bij het "
                "bestand. Upload de werkmap opnieuw; er is niets opgeslagen."
            ),
        )
        return redirect("register:workbook_import")
    result, checked_at = stored
    ctx = {
        "token": token,
        "filename": request.session[SESSION_KEY][token],
        "result": result if isinstance(result, ImportResult) else None,
        "unreadable": result if isinstance(result, str) else None,
        "checked_at": timezone.localtime(datetime.datetime.fromisoformat(checked_at)),
    }
    return render(request, "register/workbook_preview.html", ctx)


@require_POST
@permission_required("register.import_workbook", raise_exception=True)
def workbook_import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    if not TOKEN.match(token):
        raise Http404
    path = _upload_path(request, token)
    if path is None:
        return _stale(request)
    result = _run(request, path, dry_run=False)
    if isinstance(result, ImportResult) and result.applied:
        _forget(request, token)
        messages.success(
            request,
            _("Werkmap geïmporteerd: %(created)s nieuw, %(changed)s gewijzigd.")
            % {"created": len(result.created), "changed": len(result.changed)},
        )
        return redirect("register:activity_list")
    # The register changed since the preview, or the file became unreadable: show why.
    ctx = {
        "token": token,
        "filename": request.session[SESSION_KEY][token],
        "result": result if isinstance(result, ImportResult) else None,
        "unreadable": result if isinstance(result, str) else None,
        "after_confirm": True,
    }
    return render(request, "register/workbook_preview.html", ctx, status=400)
