"""Two-factor login in the browser: an FG sets up an authenticator app, keeps the recovery
codes, and logs in with a code, then with a recovery code."""

import base64

import pytest
from django.contrib.auth.models import Group, User
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from .browser import DEMO_PASSWORD, check_accessibility, give_code, logout, screenshot

pytestmark = pytest.mark.e2e


def password_login(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def test_a_new_fg_sets_up_the_app_and_logs_in_with_a_code(demo: str, page: Page) -> None:
    fg = User.objects.create_user("nieuwe-fg", password=DEMO_PASSWORD, first_name="Noor")
    fg.groups.add(Group.objects.get(name="fg"))

    # After the password the register asks for an authenticator app before anything else.
    password_login(page, demo, "nieuwe-fg")
    expect(page.get_by_role("heading", name="Tweestapsverificatie instellen")).to_be_visible()
    expect(page.get_by_text("Voor uw account is tweestapsverificatie verplicht")).to_be_visible()
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_have_count(0)
    expect(page.locator(".qr-code svg")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "two-factor-setup")

    # The key shown beside the QR code goes into the app; the app's code confirms it.
    key = base64.b32decode(page.locator("#secret").inner_text().replace(" ", ""))
    page.get_by_label("Code uit de app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Tweestapsverificatie aanzetten").click()

    expect(page.get_by_role("heading", name="Uw herstelcodes")).to_be_visible()
    expect(page.get_by_text("Tweestapsverificatie staat aan.")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    check_accessibility(page)
    page.get_by_role("link", name="Ik heb de codes bewaard, ga verder").click()
    expect(page.get_by_role("button", name="Uitloggen", exact=True)).to_be_visible()
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_be_visible()

    # Next time: password, then the code the app shows.
    logout(page)
    password_login(page, demo, "nieuwe-fg")
    check_accessibility(page)
    give_code(page, lambda steps_ahead: f"{totp(key, drift=steps_ahead):06d}")
    expect(page.get_by_role("button", name="Uitloggen", exact=True)).to_be_visible()

    # Phone lost: a recovery code works, once.
    logout(page)
    password_login(page, demo, "nieuwe-fg")
    page.get_by_label("Code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Bevestigen").click()
    expect(
        page.get_by_text("U bent ingelogd met een herstelcode; er zijn er nog 9 over")
    ).to_be_visible()

    # The account page tells how many are left.
    page.get_by_role("link", name="Noor").click()
    expect(page.get_by_role("heading", name="Mijn account")).to_be_visible()
    expect(page.get_by_text("nog 9 ongebruikte herstelcodes")).to_be_visible()
    check_accessibility(page)


def test_a_wrong_code_is_refused_in_the_browser(demo: str, page: Page) -> None:
    password_login(page, demo, "fg")
    page.get_by_label("Code", exact=True).fill("12345x")
    page.get_by_role("button", name="Bevestigen").click()
    expect(page.get_by_role("alert")).to_contain_text("Deze code klopt niet")
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_have_count(0)
