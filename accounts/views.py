"""Login (with single sign-on), the second factor, and the account page."""

from __future__ import annotations

import base64

import django_otp
import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import CodeForm
from .two_factor import confirmed_devices, second_factor_required

# The key of the authenticator app being set up, until its first code confirms it.
PENDING_KEY_SESSION_KEY = "two_factor_pending_key"


class LoginView(auth_views.LoginView):
    """Django's login page, with a button for single sign-on when it is configured."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = settings.OIDC_ENABLED
        context["sso_provider"] = settings.OIDC_PROVIDER_NAME
        return context


def _next_url(request: HttpRequest) -> str:
    """Where to go after the second factor: the page asked for, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Ask for the code of the authenticator app (or a recovery code) after the password.

    Wrong codes count, like wrong passwords, towards the lockout per user name and address
    (django-axes), and slow the device down (django-otp's throttling, 1, 2, 4, ... seconds).
    """
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    app, recovery = confirmed_devices(user)
    if app is None and recovery is None:
        if second_factor_required(user):
            return redirect_to_login(_next_url(request), resolve_url("accounts:two_factor_setup"))
        return redirect(_next_url(request))
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        return _locked_out(request, credentials)

    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        waiting = services.throttled_until(user=user)
        device = (
            None
            if waiting
            else services.verify_second_factor(user=user, code=form.cleaned_data["code"])
        )
        if device is not None:
            # A new session key at the step that gives the session its full rights: one
            # that was known while only the password was given is of no use after.
            request.session.cycle_key()
            django_otp.login(request, device)
            if device == recovery:
                left = device.token_set.count()
                messages.warning(
                    request,
                    _(
                        "U bent ingelogd met een herstelcode; er zijn er nog %(left)s over. "
                        "Maak nieuwe herstelcodes op uw accountpagina als u uw telefoon kwijt bent."
                    )
                    % {"left": left},
                )
            return redirect(_next_url(request))
        if waiting:
            message = _("Te veel onjuiste codes. Probeer het opnieuw na %(time)s.") % {
                "time": formats.time_format(timezone.localtime(waiting), "H:i:s")
            }
        else:
            message = _(
                "Deze code klopt niet. Gebruik de code die de app nu toont, "
                "of een herstelcode die u nog niet gebruikt heeft."
            )
        form.add_error("code", message)
        # Counted like a wrong password: the lockout rules (django-axes) apply.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if AxesProxyHandler.is_locked(request, credentials):
            return _locked_out(request, credentials)
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": _next_url(request), "has_recovery_codes": recovery is not None},
    )


def _locked_out(request: HttpRequest, credentials: dict) -> HttpResponse:
    """The lockout page; the half-finished login (password only) ends here too."""
    logout(request)
    return get_lockout_response(request, None, credentials)


def _qr_svg(data: str) -> str:
    """The QR code as inline SVG markup: no script, no style attribute (strict CSP)."""
    return segno.make(data, error="m").svg_inline(
        scale=4, border=2, dark="#000000", light="#ffffff", title=_("QR-code voor de app")
    )


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), confirm with a code;
    then the recovery codes are shown, once."""
    user = request.user
    app, recovery = confirmed_devices(user)
    codes_left = recovery is not None and recovery.token_set.exists()
    if (app is not None or codes_left) and not user.is_verified():
        # Someone who knows only the password may not replace the owner's app: with an app
        # or recovery codes, the owner gives a code first (a recovery code, after the
        # administrator removed the app of a lost phone).
        return redirect_to_login(_next_url(request), resolve_url("accounts:two_factor_verify"))
    if app is not None:
        messages.info(request, _("Tweestapsverificatie staat al aan voor uw account."))
        return redirect("accounts:account")

    key = request.session.get(PENDING_KEY_SESSION_KEY)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and key is None:
        form.add_error(
            None,
            _("De sleutel is verlopen. Scan de nieuwe QR-code en vul de code opnieuw in."),
        )
    elif request.method == "POST" and form.is_valid():
        try:
            result = services.confirm_app_device(user=user, key=key, code=form.cleaned_data["code"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:account")
        if result is not None:
            device, codes = result
            del request.session[PENDING_KEY_SESSION_KEY]
            django_otp.login(request, device)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next_url(request), "first_time": True},
            )
        form.add_error(
            "code",
            _(
                "Deze code klopt niet. Controleer of de tijd op uw telefoon goed staat en "
                "vul de code in die de app nu toont."
            ),
        )
    if key is None:
        key = request.session[PENDING_KEY_SESSION_KEY] = services.new_app_key()
    device = services.pending_app_device(user=user, key=key)
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": _grouped(secret),
            "required": second_factor_required(user),
            "next": _next_url(request),
        },
    )


def account(request: HttpRequest) -> HttpResponse:
    """The user's own account: how they log in, and two-factor login on or off."""
    user = request.user
    app, recovery = confirmed_devices(user)
    return render(
        request,
        "accounts/account.html",
        {
            "app": app,
            "recovery_left": recovery.token_set.count() if recovery is not None else 0,
            "required": second_factor_required(user),
        },
    )


@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once; the old ones stop working."""
    try:
        codes = services.replace_recovery_codes(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("accounts:account")
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": resolve_url("accounts:account"), "first_time": False},
    )


@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Switch two-factor login off (not for the FG and staff)."""
    try:
        services.remove_second_factor(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Tweestapsverificatie staat uit. U logt voortaan in met alleen uw wachtwoord."),
        )
    return redirect("accounts:account")
