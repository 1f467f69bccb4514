"""Errors of the API: `{"code": "<stable machine code>", "detail": "<Dutch message>"}`.

The codes are DRF's own (`not_authenticated`, `permission_denied`, `not_found`, `invalid`, ...)
and never change; the Dutch text may be improved. A validation error adds `errors`, the
messages per field.
"""

from __future__ import annotations

import math

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

MESSAGES = {
    "not_authenticated": _(
        "Log in of geef een API-token mee in de header “Authorization: Bearer <token>”."
    ),
    "permission_denied": _("Uw rol geeft geen toegang tot deze gegevens of deze handeling."),
    "not_found": _("Niet gevonden. Controleer het nummer in het adres."),
    "method_not_allowed": _("Deze methode is hier niet toegestaan."),
    "not_acceptable": _("Deze API antwoordt alleen in JSON (Accept: application/json)."),
    "unsupported_media_type": _("Stuur de gegevens als JSON (Content-Type: application/json)."),
    "parse_error": _("De gegevens zijn geen geldige JSON."),
    "invalid": _("De invoer is niet geldig; zie “errors” voor wat er per veld mis is."),
}
CSRF_MESSAGE = _(
    "De CSRF-controle van de browsersessie is mislukt: stuur de header X-CSRFToken mee, of "
    "gebruik een API-token."
)


class PageNotFound(exceptions.NotFound):
    """A page number beyond the list (pagination), with its own Dutch explanation."""


def _code(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: a real server error, Django reports it
    if not isinstance(exc, exceptions.APIException):
        # Django's Http404 and PermissionDenied, which DRF converted above.
        exc = (
            exceptions.NotFound() if response.status_code == 404 else exceptions.PermissionDenied()
        )
    code = _code(exc)
    if isinstance(exc, exceptions.AuthenticationFailed | PageNotFound):
        detail = str(exc.detail)  # our own Dutch text: what is wrong with the token or page
    elif code == "permission_denied" and str(exc.detail).startswith("CSRF Failed"):
        detail = CSRF_MESSAGE
    elif isinstance(exc, exceptions.Throttled):
        wait = math.ceil(exc.wait or 1)
        detail = _(
            "Te veel verzoeken met dit token. Probeer het over %(seconds)s seconden opnieuw."
        ) % {"seconds": wait}
    else:
        detail = str(MESSAGES.get(code, exc.detail))
    body = {"code": code, "detail": str(detail)}
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body["errors"] = errors
    response.data = body
    return response
