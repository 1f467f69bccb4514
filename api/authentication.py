"""`Authorization: Bearer <token>`: the request acts as the token's user, with that user's role."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from .models import TOKEN_PREFIX, ApiToken, hash_secret

KEYWORD = "Bearer"
# `last_used_at` is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class TokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Geef het token zo mee: “Authorization: Bearer <token>”.")
            )
        try:
            secret = header[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed(_("Het token bevat ongeldige tekens.")) from error
        if not secret.startswith(TOKEN_PREFIX):
            raise exceptions.AuthenticationFailed(_("Dit is geen token van het privacyregister."))
        token = (
            ApiToken.objects.active()
            .select_related("user")
            .filter(key_hash=hash_secret(secret))
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                _("Onbekend of ingetrokken token. Maak een nieuw token aan onder API-tokens.")
            )
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes an unauthenticated request a 401 with WWW-Authenticate, not a 403.
        return f'{KEYWORD} realm="api"'
