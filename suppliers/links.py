"""Links to pages, made without running the URL resolver again and again.

A list of a hundred flags or agreements links each row to its record, and every page links
the menu's pages; Django's `reverse()` costs some 25 µs a call, a fifth of such a page's
time. The address of a detail page differs only in its pk, so the pattern is reversed once
and the pk put in; a page without arguments is reversed once.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

_PLACEHOLDER = "2147483647"  # an int no pk of these pages has in the address's other parts
_patterns: dict[tuple[str, str, str], tuple[str, str]] = {}
_pages: dict[tuple[str, str, str], str] = {}


def _key(view_name: str) -> tuple[str, str, str]:
    # What else reverse() depends on: the prefix the site is served under and the URLconf.
    return (view_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


def page_url(view_name: str) -> str:
    """`reverse(view_name)` for a view without arguments."""
    key = _key(view_name)
    url = _pages.get(key)
    if url is None:
        url = _pages[key] = reverse(view_name)
    return url


def detail_url(view_name: str, pk: int) -> str:
    """`reverse(view_name, args=[pk])` for a view whose only argument is `<int:pk>`."""
    if pk is None:
        return reverse(view_name, args=[pk])  # refused as reverse() refuses it
    key = _key(view_name)
    parts = _patterns.get(key)
    if parts is None:
        before, after = reverse(view_name, args=[int(_PLACEHOLDER)]).rsplit(_PLACEHOLDER, 1)
        parts = _patterns[key] = (before, after)
    return f"{parts[0]}{int(pk)}{parts[1]}"
