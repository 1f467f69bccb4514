"""Every page on a tablet, keyboard use, and the Niveau page with its report."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from agreements.models import Agreement
from register.models import ProcessingActivity
from suppliers.models import Product

from .browser import TABLET, check_accessibility, login, screenshot

pytestmark = pytest.mark.e2e


def _privacy_officer_pages() -> list[str]:
    agreement = Agreement.objects.get(reference="VWO-2024-001")
    product = Product.objects.get(name="Rekenrijk Online")
    activity = ProcessingActivity.objects.get(name="Leerlingadministratie")
    return [
        reverse("dashboard"),
        reverse("suppliers:supplier_list"),
        product.supplier.get_absolute_url(),
        reverse("suppliers:product_list"),
        product.get_absolute_url(),
        reverse("suppliers:product_edit", args=[product.pk]),
        reverse("agreements:agreement_list"),
        agreement.get_absolute_url(),
        reverse("agreements:agreement_edit", args=[agreement.pk]),
        reverse("agreements:agreement_history", args=[agreement.pk]),
        reverse("register:activity_list"),
        activity.get_absolute_url(),
        reverse("register:activity_edit", args=[activity.pk]),
        reverse("register:workbook_import"),
        reverse("register:procurement_check") + "?q=Spellingsterk",
        reverse("register:level"),
    ]


def test_every_page_fits_a_tablet_and_passes_the_accessibility_check(demo: str, page: Page) -> None:
    page.set_viewport_size(TABLET)
    login(page, demo, "privacy")
    for address in _privacy_officer_pages():
        response = page.goto(f"{demo}{address}")
        assert response is not None and response.status == 200, address
        # No sideways scrolling of the page: wide tables scroll inside their own box.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= TABLET["width"], f"{address} is {width}px wide on a tablet"
        for link in page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link").all():
            expect(link).to_be_in_viewport()
        check_accessibility(page)


def test_a_keyboard_user_skips_to_the_content_and_sees_where_the_focus_is(
    demo: str, page: Page
) -> None:
    login(page, demo, "fg")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Naar de inhoud")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"

    # Every control in the header shows a visible focus ring.
    page.goto(f"{demo}/")
    page.keyboard.press("Tab")  # the skip link
    for _ in range(4):
        page.keyboard.press("Tab")
        outline = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
        )
        assert outline[0] != "none" and outline[1] >= 2, outline


def test_the_niveau_page_shows_the_level_the_next_step_and_the_report(
    demo: str, page: Page
) -> None:
    login(page, demo, "fg")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Niveau").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verwerking van gegevens")
    expect(page.locator("main")).to_contain_text("Huidig niveau")
    expect(page.locator("main")).to_contain_text("Volgende stap")
    check_accessibility(page)
    screenshot(page, "niveau")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Rapport downloaden (PDF)").click()
    with open(download_info.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
