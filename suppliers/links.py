"""Links to a record's page, made without running the URL resolver for every row.

A list of a hundred flags or agreements links each row to its record; Django's `reverse()`
costs some 25 µs a call, a fifth of such a page's time. The address of a detail page differs
only in its pk, so the pattern is reversed once and the pk put in.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

_PLACEHOLDER = "2147483647"  # an int no pk of these pages has in the address's other parts
_patterns: dict[tuple[str, str, str], tuple[str, str]] = {}


def detail_url(view_name: str, pk: int) -> str:
    """`reverse(view_name, args=[pk])` for a view whose only argument is `<int:pk>`."""
    if pk is None:
        return reverse(view_name, args=[pk])  # refused as reverse() refuses it
    key = (view_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    parts = _patterns.get(key)
    if parts is None:
        before, after = reverse(view_name, args=[int(_PLACEHOLDER)]).rsplit(_PLACEHOLDER, 1)
        parts = _patterns[key] = (before, after)
    return f"{parts[0]}{int(pk)}{parts[1]}"
