from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ..reports import level_context, render_condition_report, report_filename
from . import pdf_download


@permission_required("register.view_leveltext", raise_exception=True)
def level_page(request: HttpRequest) -> HttpResponse:
    """The board's level on "Verwerking van gegevens", what blocks the next one, and history."""
    return render(request, "register/level.html", level_context(annex=False))


@permission_required("register.view_leveltext", raise_exception=True)
def level_report(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return pdf_download(render_condition_report(today=today), report_filename(today))
