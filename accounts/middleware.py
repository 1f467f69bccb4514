"""Two-factor login: a session that owes a second factor reaches no page until it gives it."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from .two_factor import Due, second_factor_due

# The pages a session may use before its second factor: giving it, setting it up, leaving,
# and single sign-on (which only ever starts a new login).
OPEN_BEFORE_SECOND_FACTOR = {
    "logout",
    "accounts:two_factor_verify",
    "accounts:two_factor_setup",
    "accounts:oidc_login",
    "accounts:oidc_callback",
}


class SecondFactorMiddleware:
    """After the password (or single sign-on), send a user who must give a code to the code
    page, and an FG or staff member without an authenticator app to set one up.

    Installed after django_otp's OTPMiddleware (which knows whether this session gave a code)
    and Django's LoginRequiredMiddleware (which sends anonymous visitors to the login page).
    Applies to every view, the admin's included; the redirect keeps the address asked for.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_BEFORE_SECOND_FACTOR:
            return None
        due = second_factor_due(user)
        if due is None:
            return None
        if match is not None and match.namespace == "api" and match.url_name != "docs":
            # The API answers in JSON, never with a login page (README, Security).
            return JsonResponse(
                {
                    "code": "second_factor_required",
                    "detail": _(
                        "Geef eerst de code van uw tweestapsverificatie in de browser; tot dan "
                        "geeft de API deze sessie geen toegang."
                    ),
                },
                status=403,
            )
        target = "accounts:two_factor_verify" if due is Due.VERIFY else "accounts:two_factor_setup"
        return redirect_to_login(request.get_full_path(), reverse(target))
