"""Helpers for the browser tests: logging in, the accessibility check, screenshots."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from django.conf import settings
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from register.demo import DEMO_TOTP_SECRET

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "privacy-demo"
# The demo users who must give a second factor (register/demo.py: FG and staff).
DEMO_TWO_FACTOR_USERS = {"fg", "beheer"}
LAPTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}
# axe-core is test-only (tests/e2e/vendor/axe/), never in the product's static files: the
# browser asks for it at this same-origin path, which the test answers (see _serve_axe).
AXE_PATH = "/__e2e__/axe.min.js"
AXE_FILE = Path(__file__).resolve().parent / "vendor" / "axe" / "axe.min.js"
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "docs" / "screenshots"
# axe impacts that fail a test; "moderate" and "minor" are tolerated.
BLOCKING_IMPACTS = {"serious", "critical"}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def login(page: Page, base_url: str, username: str) -> None:
    """Log in through the real login form and land on the dashboard; the demo FG and
    administrator then give the code of the demo authenticator app (`make demo` prints its key)."""
    page.goto(f"{base_url}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    if username in DEMO_TWO_FACTOR_USERS:
        give_code(page, demo_code)
    # Attached rather than visible: on a phone the menu with the logout button is folded.
    expect(
        page.get_by_role("button", name="Uitloggen", exact=True, include_hidden=True)
    ).to_be_attached()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def open_menu(page: Page) -> None:
    """Unfold the menu when it is folded (a phone); on a wider screen it is always open."""
    toggle = page.get_by_role("button", name="Menu", exact=True)
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()


def demo_code(steps_ahead: int) -> str:
    key = base64.b32decode(DEMO_TOTP_SECRET)
    return f"{totp(key, drift=steps_ahead):06d}"


def give_code(page: Page, code_at) -> None:
    """Fill in the code page with `code_at(0)`; a code is accepted once, so when this
    account already used the current one (a second login within 30 seconds), the next."""
    expect(page.get_by_role("heading", name="Code invullen")).to_be_visible()
    for steps_ahead in (0, 1):
        if steps_ahead:
            page.wait_for_timeout(2_000)  # a wrong code slows the next try by a second
        page.get_by_label("Code", exact=True).fill(code_at(steps_ahead))
        page.get_by_role("button", name="Bevestigen").click()
        page.wait_for_load_state()
        if not page.get_by_role("heading", name="Code invullen").is_visible():
            return


def logout(page: Page) -> None:
    open_menu(page)
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()


def assert_styled(page: Page) -> None:
    """The stylesheet loaded: the live server serves static files."""
    # Retried until the stylesheet has arrived: a page can be visible before it is styled.
    expect(page.locator(".site-header")).to_have_css("background-color", "rgb(8, 59, 107)")


def check_accessibility(page: Page) -> list[dict]:
    """Run axe-core (WCAG 2.x A/AA); fail on serious or critical violations, return all."""
    page.wait_for_load_state("load")  # contrast is judged with the stylesheet applied
    # Loaded from our own origin, which the strict CSP (script-src 'self') allows; an
    # inline script tag (add_script_tag(path=...)) would be blocked.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        _serve_axe(page)
        page.add_script_tag(url=AXE_PATH)
    violations = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(
                    n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').replace(/\\s+/g, ' ')
                ),
            }));
        }""",
        AXE_TAGS,
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe violations on {page.url}:\n" + json.dumps(blocking, indent=2)
    return violations


def _serve_axe(page: Page) -> None:
    """Answer the browser's request for AXE_PATH with the vendored file, on this page's
    origin; the server never sees the request."""
    if getattr(page, "_axe_served", False):
        return
    page.route(
        f"**{AXE_PATH}",
        lambda route: route.fulfill(path=AXE_FILE, content_type="application/javascript"),
    )
    page._axe_served = True


def screenshot(page: Page, name: str, *, max_height: int = 1100) -> None:
    """Save docs/screenshots/<name>.png, only when E2E_SCREENSHOTS=1 (CI leaves the tree alone).

    The top of the page, at most `max_height` pixels, at the page's width (1280 in the tests).
    """
    if os.environ.get("E2E_SCREENSHOTS") != "1":
        return
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    height = min(max_height, page.evaluate("document.documentElement.scrollHeight"))
    page.screenshot(
        path=str(SCREENSHOT_DIR / f"{name}.png"),
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": height},
        animations="disabled",
        caret="hide",
    )
