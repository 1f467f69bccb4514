"""Personal API tokens: a system acts as the user who made the token, with that user's role."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "pr_"


def hash_secret(secret: str) -> str:
    """sha256 of the secret: the database never holds a usable token.

    The secret has 256 random bits, so a plain digest (no salt, no slow hash) is safe and lets
    a request find its token in one indexed lookup.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("gebruiker"),
    )
    name = models.CharField(
        _("naam"),
        max_length=100,
        help_text=_("Waarvoor het token is, bijvoorbeeld “Bestelsysteem Heutink”."),
    )
    # The first characters of the secret, to recognise a token in a list or a log.
    prefix = models.CharField(_("begin"), max_length=12, editable=False)
    key_hash = models.CharField(
        _("sha256 van het token"), max_length=64, unique=True, editable=False
    )
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("laatst gebruikt"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ingetrokken door"),
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API-token")
        verbose_name_plural = _("API-tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
