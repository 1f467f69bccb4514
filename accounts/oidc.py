"""Single sign-on through OpenID Connect: the school's Entra ID, Google Workspace or SURFconext.

A user is matched by e-mail address; someone new gets an account without a role (the
dashboard tells them to ask the administrator). FG and staff still give the register's own
second factor afterwards: the provider's MFA cannot be verified reliably from here.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import User
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend, default_username_algo
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

logger = logging.getLogger(__name__)


class EmailMatchingOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, matching users by e-mail address (case-insensitively).

    Two accounts with the same address are refused rather than guessed between. The ID
    token must be meant for this register (`aud`) and, when OIDC_OP_ISSUER is set, come
    from that issuer; the user info must describe the same person (`sub`).
    """

    def _refuse(self, message: str, reason: str) -> None:
        request = getattr(self, "request", None)
        if request is not None:
            messages.error(request, message)
            request.oidc_refusal_told = True
        raise SuspiciousOperation(reason)

    def verify_token(self, token, **kwargs) -> dict:
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token is meant for another client")
        issuer = settings.OIDC_OP_ISSUER
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token comes from another issuer")
        return payload

    def get_userinfo(self, access_token, id_token, payload) -> dict:
        claims = super().get_userinfo(access_token, id_token, payload)
        if "sub" in payload and claims.get("sub") != payload["sub"]:
            raise SuspiciousOperation("user info describes another subject than the ID token")
        return claims

    def verify_claims(self, claims: dict) -> bool:
        email = (claims.get("email") or "").strip()
        if not email or "@" not in email:
            self._refuse(
                _(
                    "Uw schoolaccount gaf geen e-mailadres door. Vraag de beheerder van het "
                    "register om de scope 'email' toe te staan."
                ),
                "no e-mail claim",
            )
        if claims.get("email_verified") is False:
            self._refuse(
                _("Uw e-mailadres is bij uw schoolaccount niet bevestigd."),
                "e-mail address not verified",
            )
        domain = email.rsplit("@", 1)[1].lower()
        allowed = settings.OIDC_ALLOWED_EMAIL_DOMAINS
        if allowed and domain not in allowed:
            self._refuse(
                _("Met een e-mailadres van %(domain)s kunt u hier niet inloggen.")
                % {"domain": domain},
                "e-mail domain not allowed",
            )
        return True

    def filter_users_by_claims(self, claims: dict) -> QuerySet[User]:
        email = (claims.get("email") or "").strip()
        if not email:
            return User.objects.none()
        users = User.objects.filter(email__iexact=email)
        if users.count() > 1:
            self._refuse(
                _(
                    "Er zijn meerdere accounts met het e-mailadres %(email)s. Vraag de beheerder "
                    "om dat op te lossen; tot dan kunt u met uw wachtwoord inloggen."
                )
                % {"email": email},
                "several accounts share the e-mail address",
            )
        return users

    def create_user(self, claims: dict) -> User:
        """A new account without a role: an administrator gives one (DESIGN.md section 1)."""
        email = claims["email"].strip()
        username = email.lower()[:150]
        if User.objects.filter(username__iexact=username).exists():
            username = default_username_algo(email, claims)
        user = User(
            username=username,
            email=email,
            first_name=(claims.get("given_name") or "")[:150],
            last_name=(claims.get("family_name") or "")[:150],
        )
        user.set_unusable_password()
        user.save()
        logger.info("created account %s through single sign-on", username)
        return user


class CallbackView(OIDCAuthenticationCallbackView):
    @property
    def failure_url(self) -> str:
        return reverse("login")

    def login_failure(self) -> HttpResponse:
        if not getattr(self.request, "oidc_refusal_told", False):
            messages.error(
                self.request,
                _("Inloggen met uw schoolaccount is niet gelukt. Probeer het opnieuw."),
            )
        return super().login_failure()


def _enabled() -> None:
    if not settings.OIDC_ENABLED:
        raise Http404(_("Inloggen met een schoolaccount is hier niet ingesteld."))


@login_not_required
def oidc_login(request: HttpRequest) -> HttpResponse:
    """Send the browser to the provider (authorization code flow with PKCE)."""
    _enabled()
    return OIDCAuthenticationRequestView.as_view()(request)


@login_not_required
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the browser back here with a code; log the matching user in."""
    _enabled()
    return CallbackView.as_view()(request)
