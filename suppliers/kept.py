"""Parts of pages kept until the register changes: the dashboard's flags, the agreement list.

Some parts of a page show register data only, the same for whoever asks, and cost most of
the page's time to render (some hundred flags, fifty agreements with their approvals). They
are rendered once and kept in this process's cache (Django's default cache, local memory)
under the register's revision, the day, the language and the page's query string: any write
to a register table changes the revision (register/revision.py, database triggers), so a
kept part is never shown after the register changed.

The register app knows the revision and installs it here in its `AppConfig.ready()`
(layering: suppliers <- agreements <- register); without it, or when the revision cannot be
known, nothing is kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language

# The parts of a revision that is no longer current are never asked for again.
KEPT_S = 24 * 3600

Revision = Callable[[], str | None]
_revision: list[Revision] = []


def set_revision(revision: Revision) -> None:
    """Install the function that gives the register's current revision (None: unknown)."""
    _revision[:] = [revision]


def kept_parts(
    name: str, request: HttpRequest, render: Callable[[], dict[str, str]], vary: tuple = ()
) -> dict[str, str]:
    """The parts `render()` makes (HTML by name), kept per register revision, day, language,
    query string and `vary`. `render` must read nothing but the register, the request's query
    string and `vary`: whoever asks next gets the same parts."""
    revision = _revision[0]() if _revision else None
    if revision is None:
        return render()
    identity = (
        name,
        revision,
        timezone.localdate().isoformat(),
        get_language(),
        sorted(request.GET.lists()),
        vary,
    )
    key = "kept-parts:" + hashlib.sha256(repr(identity).encode()).hexdigest()
    parts = cache.get(key)
    if parts is None:
        parts = render()
        cache.set(key, parts, KEPT_S)
    return parts
