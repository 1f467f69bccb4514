"""HTTP hardening: request size limits, no caching of register data, the client's address."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

# Where register/urls.py mounts the API, whose errors are JSON (api/exceptions.py).
API_PATH = "/api/"


def _refusal(request: HttpRequest, message: str, status: int, code: str) -> HttpResponse:
    if request.path.startswith(API_PATH):
        return JsonResponse({"code": code, "detail": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class RequestSizeLimitMiddleware:
    """Refuse a request body above the limit from its Content-Length, before anything reads it.

    Django streams a multipart body to a temporary file as soon as a view, or the CSRF check,
    touches `request.POST`; without this, anyone could fill the disk through the login page.
    Nothing in the middleware above this one reads the body.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "HTTP_TRANSFER_ENCODING" in request.META:
            # A body without a declared length cannot be measured before it is read.
            return _refusal(
                request,
                _("Dit verzoek heeft geen Content-Length en wordt daarom niet aangenomen."),
                411,
                "length_required",
            )
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            return _refusal(request, _("Ongeldige Content-Length."), 400, "invalid_length")
        if length > settings.ANONYMOUS_REQUEST_MAX_BYTES:
            if not request.user.is_authenticated:
                limit = filesizeformat(settings.ANONYMOUS_REQUEST_MAX_BYTES)
                if "HTTP_AUTHORIZATION" in request.META:
                    # An API token: nothing the API takes is this large (no uploads).
                    message = _("Dit verzoek is te groot (meer dan %(limit)s).") % {"limit": limit}
                else:
                    message = _(
                        "Dit verzoek is te groot (meer dan %(limit)s). Log eerst in; "
                        "bestanden uploaden kan alleen na inloggen."
                    ) % {"limit": limit}
                return _refusal(request, message, 413, "too_large")
            if length > settings.REQUEST_MAX_BYTES:
                return _refusal(
                    request,
                    _(
                        "Dit verzoek is te groot (meer dan %(limit)s). Maak het bestand kleiner "
                        "of splits het op."
                    )
                    % {"limit": filesizeformat(settings.REQUEST_MAX_BYTES)},
                    413,
                    "too_large",
                )
        return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response to a logged-in user and on every download.

    Register pages, exports and documents hold personal data; no browser or proxy cache may
    keep them after the session ends. Static files are served (cacheable) before this runs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        is_download = response.get("Content-Disposition", "").startswith("attachment")
        if is_download or request.user.is_authenticated:
            add_never_cache_headers(response)
        return response


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the
    outermost trusted proxy appended to X-Forwarded-For.

    Entries left of that one come from the client and can be forged, so they are never used;
    a request that did not pass the proxies (too few entries) falls back to REMOTE_ADDR.
    Used by django-axes (AXES_CLIENT_IP_CALLABLE) for the lockout per user name and address.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
