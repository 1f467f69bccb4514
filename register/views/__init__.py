"""Views of the top app, one module per page family (dashboard, procurement, activities, ...)."""

from django.http import HttpResponse


def pdf_download(pdf: bytes, filename: str) -> HttpResponse:
    """A rendered PDF report, offered as a download under `filename`."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
