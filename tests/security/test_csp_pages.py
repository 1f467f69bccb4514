"""Every page works under the strict Content Security Policy: no inline script, no inline
event handler, no style attribute, and only our own static files."""

from __future__ import annotations

import re

import pytest

from ..conftest import client_for
from .urlmap import app_patterns, build_world, url_for

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
EXTERNAL = re.compile(r"""<(?:script|link|img|iframe)[^>]+(?:src|href)=["'](?:https?:)?//""", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)=["']\s*javascript:""", re.IGNORECASE)


@pytest.mark.parametrize("persona", ["privacy_officer", "fg", "procurement"])
def test_no_page_needs_what_the_policy_forbids(
    persona, request, privacy_officer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world(submitted_by=privacy_officer)
    client = client_for(request.getfixturevalue(persona))
    problems = []
    pages = 0
    for name, pattern in app_patterns():
        if name in {"logout"}:
            continue
        response = client.get(url_for(name, pattern, world))
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        pages += 1
        html = response.text
        for label, pattern_ in [
            ("inline <script>", INLINE_SCRIPT),
            ("inline event handler", EVENT_HANDLER),
            ("style attribute", STYLE_ATTRIBUTE),
            ("<style> element", STYLE_ELEMENT),
            ("resource from another site", EXTERNAL),
            ("javascript: URL", JAVASCRIPT_URL),
        ]:
            found = pattern_.search(html)
            if found:
                problems.append(f"{name}: {label}: {found.group(0)[:80]}")
    assert problems == []
    assert pages >= 12
