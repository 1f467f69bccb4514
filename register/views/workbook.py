"""The register workbook on the web: the Excel download and the import with a preview.

The upload is kept server-side under a generated name in DATA_DIR/imports between the
preview (a dry run) and the confirmation, and only the session that uploaded it may use it.
The dry run runs once, as a background task, when the file is uploaded; the progress page
follows it, its result is stored beside the upload (`<token>.preview.json`, with the
upload's sha256) and the preview page only shows it, so reloading the page costs nothing.
Confirming imports the same stored file for real, in a background task too
(register/workbook/jobs.py, register/tasks.py).
"""

from __future__ import annotations

import datetime
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tasks import TaskResultStatus, default_task_backend
from django_tasks.exceptions import TaskResultDoesNotExist

from ..forms import WorkbookUploadForm
from ..tasks import process_workbook
from ..workbook import ImportResult, jobs
from ..workbook.export import export_bundle, export_filename, export_register, write_template
from ..workbook.sheets import SHEETS

SESSION_KEY = "workbook_uploads"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(
    write: Callable[[IO[bytes]], object], filename: str, content_type: str
) -> FileResponse:
    # A temporary file rather than memory: FileResponse streams it and closes (removes) it.
    download = tempfile.TemporaryFile()
    write(download)
    download.seek(0)
    return FileResponse(download, as_attachment=True, filename=filename, content_type=content_type)


@permission_required("register.export_register", raise_exception=True)
def workbook_export(request: HttpRequest) -> FileResponse:
    return _download(export_register, export_filename(), XLSX_TYPE)


@permission_required("register.export_register", raise_exception=True)
def workbook_export_bundle(request: HttpRequest) -> FileResponse:
    return _download(export_bundle, export_filename(suffix="zip"), "application/zip")


@permission_required("register.export_register", raise_exception=True)
def workbook_template(request: HttpRequest) -> FileResponse:
    return _download(write_template, "register-sjabloon.xlsx", XLSX_TYPE)


def _upload_path(request: HttpRequest, token: str) -> Path | None:
    """The stored upload of this session, or None when it is unknown, expired or gone."""
    if not jobs.TOKEN.match(token) or token not in request.session.get(SESSION_KEY, {}):
        return None
    path = jobs.upload_path(token)
    if not path.is_file() or path.stat().st_mtime < time.time() - jobs.UPLOAD_MAX_AGE_SECONDS:
        return None
    return path


def _forget(request: HttpRequest, token: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads
    jobs.forget(token)


def _stale(request: HttpRequest) -> HttpResponse:
    messages.error(
        request,
        _(
            "Deze upload is niet meer beschikbaar: hij is al verwerkt, verlopen (na 24 uur) of "
            "hoort bij een andere sessie. Upload de werkmap opnieuw."
        ),
    )
    return redirect("register:workbook_import")


def _preview_context(request: HttpRequest, token: str, result: ImportResult | str) -> dict:
    return {
        "token": token,
        "filename": request.session[SESSION_KEY][token],
        "result": result if isinstance(result, ImportResult) else None,
        "errors": result.readable_errors() if isinstance(result, ImportResult) else [],
        "unreadable": result if isinstance(result, str) else None,
    }


def _start(request: HttpRequest, token: str, kind: str, overwrite: list[str]) -> HttpResponse:
    """Run the check or the import in the background and follow it on the progress page
    (straight to its outcome when the task backend ran it at once, as in the tests)."""
    jobs.start_job(token, kind)
    task_result = process_workbook.enqueue(
        token=token, kind=kind, user_id=request.user.pk, overwrite=overwrite
    )
    jobs.job_enqueued(token, task_result.id)
    return _finished(request, token, kind) or redirect(
        "register:workbook_import_progress", token=token
    )


def _failed(task_id: str | None) -> bool:
    """Whether the worker recorded the task as failed (a crash before the task could say so)."""
    if not task_id or not default_task_backend.supports_get_result:
        return False
    try:
        return default_task_backend.get_result(task_id).status == TaskResultStatus.FAILED
    except TaskResultDoesNotExist:
        return False


def _finished(request: HttpRequest, token: str, kind: str) -> HttpResponse | None:
    """The page for a finished step; None while it runs."""
    stored = jobs.stored_outcome(token, kind)
    if stored is None:
        return None
    if kind == jobs.CHECK:
        return redirect("register:workbook_import_preview", token=token)
    result, _finished_at = stored
    if isinstance(result, ImportResult) and result.applied:
        _forget(request, token)
        messages.success(
            request,
            _("Werkmap geïmporteerd: %(created)s nieuw, %(changed)s gewijzigd.")
            % {"created": len(result.created), "changed": len(result.changed)},
        )
        if result.skipped:
            messages.warning(
                request,
                _(
                    "Niet overgenomen, omdat het register deze rijen na de export van de "
                    "werkmap heeft gewijzigd: %(rows)s. Exporteer opnieuw om ze te bewerken."
                )
                % {"rows": "; ".join(f"{c.sheet}, rij {c.row}: {c.label}" for c in result.skipped)},
            )
        return redirect("register:activity_list")
    # The register changed since the check, or the file became unreadable: show why.
    ctx = {**_preview_context(request, token, result), "after_confirm": True}
    return render(request, "register/workbook_preview.html", ctx, status=400)


@permission_required("register.import_workbook", raise_exception=True)
def workbook_import(request: HttpRequest) -> HttpResponse:
    form = WorkbookUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        jobs.remove_stale_uploads()
        token = uuid.uuid4().hex
        with open(jobs.upload_path(token), "wb") as out:
            for chunk in form.cleaned_data["file"].chunks():
                out.write(chunk)
        uploads = request.session.get(SESSION_KEY, {})
        uploads[token] = form.cleaned_data["file"].name[:200]
        request.session[SESSION_KEY] = uploads
        # The check (a dry run) runs once, in the background; the preview shows its result.
        return _start(request, token, jobs.CHECK, [])
    sheets = [spec for spec in SHEETS if not spec.export_only]
    return render(request, "register/workbook_import.html", {"form": form, "sheets": sheets})


@permission_required("register.import_workbook", raise_exception=True)
def workbook_import_progress(request: HttpRequest, token: str) -> HttpResponse:
    """The check or the import under way: the page, or its state as JSON for the page's
    script (static/js/import-progress.js); when the step has finished, its outcome."""
    if _upload_path(request, token) is None:
        return _stale(request)
    job = jobs.current_job(token)
    if job is None:
        return redirect("register:workbook_import_preview", token=token)
    kind = job["kind"]
    progress = jobs.progress_of(token)
    failed = progress.get("state") == "failed" or _failed(job.get("task_id")) or jobs.stalled(token)
    finished = failed or progress.get("state") == "finished"
    finished = finished or jobs.stored_outcome(token, kind) is not None
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "state": "finished" if finished else progress.get("state", "queued"),
                "done": progress.get("done", 0),
                "total": progress.get("total", 0),
                "message": _progress_message(kind, progress),
            }
        )
    if failed:
        _forget(request, token)
        messages.error(
            request,
            _(
                "De controle of de import van de werkmap is onderbroken door een fout op de "
                "server; er is niets opgeslagen. Upload de werkmap opnieuw; lukt het weer niet, "
                "neem dan contact op met de beheerder."
            ),
        )
        return redirect("register:workbook_import")
    response = _finished(request, token, kind)
    if response is not None:
        return response
    if finished:  # but its outcome is gone or spoilt: the preview asks for a new upload
        return redirect("register:workbook_import_preview", token=token)
    ctx = {
        "token": token,
        "filename": request.session[SESSION_KEY][token],
        "kind": kind,
        "progress": progress,
        "message": _progress_message(kind, progress),
        "queued_since": timezone.localtime(datetime.datetime.fromisoformat(job["enqueued_at"])),
    }
    return render(request, "register/workbook_progress.html", ctx)


def _progress_message(kind: str, progress: dict) -> str:
    state = progress.get("state", "queued")
    if state == "queued":
        return _("In de wachtrij: de verwerking begint zo.")
    if state != "running":
        return _("Klaar.")
    if progress.get("step") == "reading":
        return _("De werkmap wordt gelezen…")
    what = _("Gecontroleerd") if kind == jobs.CHECK else _("Verwerkt")
    if progress.get("sheet"):
        return _("%(what)s: tabblad %(sheet)s (%(done)s van %(total)s).") % {
            "what": what,
            "sheet": progress["sheet"],
            "done": progress.get("done", 0),
            "total": progress.get("total", 0),
        }
    return _("De tabbladen worden verwerkt…")


@permission_required("register.import_workbook", raise_exception=True)
def workbook_import_preview(request: HttpRequest, token: str) -> HttpResponse:
    path = _upload_path(request, token)
    if path is None:
        return _stale(request)
    job = jobs.current_job(token)
    if job is not None and jobs.progress_of(token).get("state") in ("queued", "running"):
        # Still checking (or already importing, or stopped: the progress page says so).
        return redirect("register:workbook_import_progress", token=token)
    stored = jobs.stored_outcome(token, jobs.CHECK)
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
        **_preview_context(request, token, result),
        "checked_at": timezone.localtime(checked_at),
    }
    return render(request, "register/workbook_preview.html", ctx)


@require_POST
@permission_required("register.import_workbook", raise_exception=True)
def workbook_import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    if not jobs.TOKEN.match(token):
        raise Http404
    path = _upload_path(request, token)
    if path is None:
        return _stale(request)
    job = jobs.current_job(token)
    running = jobs.progress_of(token).get("state") in ("queued", "running")
    if job and job["kind"] == jobs.APPLY and running:
        # Confirmed twice (a double click, a reload): the import under way is the one.
        return redirect("register:workbook_import_progress", token=token)
    # The rows the register changed after the export that the user ticked to overwrite.
    overwrite = [key for key in request.POST.getlist("overwrite") if jobs.ROW_KEY.match(key)]
    return _start(request, token, jobs.APPLY, overwrite)
