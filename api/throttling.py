"""Throttling per token (and per user for the browser session)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """Each token has its own budget (`API_THROTTLE_RATE`); a session uses its user's budget.

    The rate is read per request, not at import, so that it follows the settings.
    """

    scope = "token"

    @property
    def cache(self):
        # The cache the rules share between gunicorn workers when DJANGO_RULES_CACHE sets one
        # (README): a token's count is then one across workers, not one per worker.
        return caches[settings.RULES_CACHE]

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
