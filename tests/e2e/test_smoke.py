"""The browser set-up itself: chromium, the live server with static files, login, axe."""

import pytest
from playwright.sync_api import Page, expect

from .browser import assert_styled, check_accessibility, login

pytestmark = pytest.mark.e2e


def test_the_login_page_is_styled_and_accessible(demo: str, page: Page) -> None:
    page.goto(f"{demo}/")
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
    assert_styled(page)
    check_accessibility(page)


def test_a_wrong_password_shows_a_dutch_error(demo: str, page: Page) -> None:
    page.goto(f"{demo}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("lezer")
    page.get_by_label("Wachtwoord").fill("verkeerd")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("alert")).to_contain_text("Gebruikersnaam of wachtwoord onjuist")


def test_a_demo_user_logs_in_and_sees_the_dashboard(demo: str, page: Page) -> None:
    login(page, demo, "lezer")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    check_accessibility(page)
