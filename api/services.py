"""Creating and revoking API tokens."""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .models import TOKEN_PREFIX, ApiToken, hash_secret

PREFIX_SHOWN = 8  # characters of the secret kept in clear, after TOKEN_PREFIX


@transaction.atomic
def create_token(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with its secret, which is never stored or shown again."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=secret[: len(TOKEN_PREFIX) + PREFIX_SHOWN],
        key_hash=hash_secret(secret),
    )
    token.full_clean()
    token.save()
    return token, secret


@transaction.atomic
def revoke_token(*, token: ApiToken, by) -> ApiToken:
    """Revoke `token` at once. Its owner may, and so may a superuser; the row stays as a record."""
    if token.user_id != by.pk and not by.is_superuser:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token
