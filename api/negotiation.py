"""Content negotiation: JSON only, and a format asked for in the address that the API does not
have (`?format=yaml`) is 406 `not_acceptable`, like such an Accept header, not DRF's 404 (which
the API would explain as a wrong number in the address)."""

from __future__ import annotations

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation


class JsonOnlyNegotiation(DefaultContentNegotiation):
    def filter_renderers(self, renderers, format):
        found = [renderer for renderer in renderers if renderer.format == format]
        if not found:
            raise NotAcceptable(available_renderers=renderers)
        return found
