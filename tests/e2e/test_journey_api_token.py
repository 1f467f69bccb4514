"""A system gets a token: procurement makes one on the API-tokens page, an ordering system asks
the procurement check with it, procurement revokes it; the API documentation works in the
browser under the strict CSP."""

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from .browser import TABLET, check_accessibility, login

pytestmark = pytest.mark.e2e


def ask(base_url: str, secret: str, product: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base_url}/api/v1/procurement-check/?product={product}",
        headers={"Authorization": f"Bearer {secret}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (live server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_procurement_gives_a_system_a_token_and_takes_it_back(demo: str, page: Page) -> None:
    page.set_viewport_size(TABLET)
    login(page, demo, "inkoop")
    page.get_by_role("link", name="API-tokens").click()
    expect(page.get_by_role("heading", name="API-tokens", level=1)).to_be_visible()
    check_accessibility(page)

    page.get_by_label("Naam").fill("Bestelsysteem")
    page.get_by_role("button", name="Token aanmaken").click()
    secret = page.get_by_label("Uw nieuwe token").input_value()
    assert secret.startswith("pr_")
    check_accessibility(page)

    status, verdict = ask(demo, secret, "Spellingsterk")
    assert status == 200
    assert verdict["verdict"] == "conditional" and verdict["agreement"] == "VWO-2024-002"

    page.goto(f"{demo}/api-tokens/")  # the secret is never shown again
    expect(page.get_by_text(secret)).to_have_count(0)
    page.get_by_role("button", name="Intrekken token Bestelsysteem").click()
    expect(page.get_by_text("is ingetrokken")).to_be_visible()

    status, error = ask(demo, secret, "Spellingsterk")
    assert status == 401 and error["code"] == "authentication_failed"


def test_the_api_documentation_runs_in_the_browser_under_the_csp(demo: str, page: Page) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    login(page, demo, "inkoop")
    page.goto(f"{demo}/api/docs/")
    expect(page.get_by_text("/api/v1/procurement-check/")).to_be_visible()
    page.get_by_text("/api/v1/procurement-check/").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_placeholder("product").fill("Spellingsterk")
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".live-responses-table")).to_contain_text("VWO-2024-002")
    assert violations == []
