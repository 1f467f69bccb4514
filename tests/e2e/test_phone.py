"""Every main page on a phone (390 px): no sideways scrolling, and the menu is a toggle."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from agreements.models import Agreement
from register.models import ProcessingActivity
from suppliers.models import Product

from .browser import LAPTOP, PHONE, login, screenshot

pytestmark = pytest.mark.e2e

# The elements that stick out to the right, for a readable failure.
OVERFLOWING = """() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > width + 0.5)
        .filter(e => !e.closest('.table-wrap') || e.classList.contains('table-wrap'))
        .slice(0, 8)
        .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
             + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
}"""


def _main_pages() -> list[str]:
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
        reverse("suppliers:attribute_list"),
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
        reverse("accounts:account"),
    ]


def _fg_pages() -> list[str]:
    waiting = Agreement.objects.get(reference="VWO-2026-004")
    return [
        reverse("dashboard"),
        reverse("agreements:review_queue"),
        waiting.get_absolute_url(),
        reverse("agreements:agreement_list"),
        Product.objects.get(name="Oefenwereld Rekenen").get_absolute_url(),
        reverse("register:level"),
    ]


def _assert_fits(page: Page, address: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width == viewport == PHONE["width"], (
        f"{address} is {width}px wide on a {viewport}px phone: {page.evaluate(OVERFLOWING)}"
    )


@pytest.mark.parametrize(("username", "pages"), [("privacy", _main_pages), ("fg", _fg_pages)])
def test_every_main_page_fits_a_phone_without_sideways_scrolling(
    demo: str, page: Page, username: str, pages
) -> None:
    page.set_viewport_size(PHONE)
    login(page, demo, username)
    for address in pages():
        response = page.goto(f"{demo}{address}")
        assert response is not None and response.status == 200, address
        _assert_fits(page, address)
        # Opening the menu makes nothing wider either.
        page.get_by_role("button", name="Menu", exact=True).click()
        _assert_fits(page, address)


def test_the_menu_is_a_compact_toggle_on_a_phone_and_a_bar_on_a_laptop(
    demo: str, page: Page
) -> None:
    page.set_viewport_size(PHONE)
    login(page, demo, "fg")
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    toggle = page.get_by_role("button", name="Menu", exact=True)
    expect(menu).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] <= 80, header
    screenshot(page, "dashboard-phone", max_height=1600)

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="Niveau")).to_be_visible()
    screenshot(page, "menu-phone", max_height=PHONE["height"])
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    menu.get_by_role("link", name="Niveau").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verwerking van gegevens")
    expect(menu).to_be_hidden()  # a new page starts with the menu closed

    # On a laptop the menu is the bar it always was, with no toggle.
    page.set_viewport_size(LAPTOP)
    expect(toggle).to_be_hidden()
    expect(menu.get_by_role("link", name="Niveau")).to_be_in_viewport()
    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] <= 150, header  # brand row and menu bar
    assert page.evaluate("document.documentElement.scrollWidth") == LAPTOP["width"]


@pytest.mark.parametrize(
    ("username", "address"),
    [("fg", "agreements:review_queue"), ("privacy", "register:activity_list")],
)
def test_the_fgs_queue_and_the_processing_register_are_cards_on_a_phone(
    demo: str, page: Page, username: str, address: str
) -> None:
    """Lists read as cards, not as a table scrolled inside its box with its dates clipped."""
    page.set_viewport_size(PHONE)
    login(page, demo, username)
    page.goto(f"{demo}{reverse(address)}")
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), address
    expect(page.locator("td[data-label]").first).to_be_visible()


@pytest.mark.parametrize(
    "viewport", [PHONE, {"width": 768, "height": 1024}, LAPTOP], ids=["phone", "tablet", "laptop"]
)
def test_every_channel_of_the_data_flow_grid_is_in_view_without_scrolling_its_box(
    demo: str, page: Page, viewport: dict
) -> None:
    """The grid's five channel columns scrolled out of view inside their box, on a phone, a
    tablet and at a laptop's width; on a phone each box now stands under its attribute, with
    its channel's name in its label."""
    page.set_viewport_size(viewport)
    login(page, demo, "privacy")
    product = Product.objects.get(name="Rekenrijk Online")
    page.goto(f"{demo}{product.get_absolute_url()}")
    grid = page.locator(".flow-grid").first
    assert grid.evaluate("e => e.parentElement.scrollWidth <= e.parentElement.clientWidth + 1")
    row = grid.locator("tbody tr").first
    row.scroll_into_view_if_needed()
    for box in row.get_by_role("checkbox").all():
        expect(box).to_be_in_viewport()
    if viewport is PHONE:
        handmatig = row.locator("label.flow-cell", has_text="Handmatig")
        expect(handmatig).to_be_visible()
        was = handmatig.get_by_role("checkbox").is_checked()
        handmatig.locator(".flow-channel").click()
        assert handmatig.get_by_role("checkbox").is_checked() is not was
