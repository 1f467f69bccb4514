"""The bounded pickers: products linked to an activity by search, product names suggested
while typing in the procurement check. Both with and without JavaScript."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from register.models import ProcessingActivity

from .browser import check_accessibility, login

pytestmark = pytest.mark.e2e

ACTIVITY = "Leerlingadministratie"


def _open_activity_form(page: Page, demo: str) -> None:
    activity = ProcessingActivity.objects.get(name=ACTIVITY)
    page.goto(f"{demo}/register/verwerkingen/{activity.pk}/wijzigen/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ACTIVITY)


def _linked_names() -> set[str]:
    activity = ProcessingActivity.objects.get(name=ACTIVITY)
    return set(activity.products.values_list("name", flat=True))


def test_the_privacy_officer_links_a_product_found_by_search_and_unlinks_another(
    demo: str, page: Page
) -> None:
    login(page, demo, "privacy")
    _open_activity_form(page, demo)
    picker = page.locator("fieldset#producten")
    expect(picker.get_by_label(re.compile("Kompas LAS"))).to_be_checked()
    expect(picker.get_by_label(re.compile("Rekenrijk Online"))).to_have_count(0)

    # Enter in the search field searches; what was typed elsewhere stays.
    page.get_by_label("Bewaartermijn").fill("Tot 7 jaar na uitschrijving")
    search = picker.get_by_label("Product zoeken om te koppelen")
    search.fill("rekenrijk")
    search.press("Enter")
    found = picker.get_by_label(re.compile("Rekenrijk Online"))
    expect(found).not_to_be_checked()
    expect(page.get_by_label("Bewaartermijn")).to_have_value("Tot 7 jaar na uitschrijving")
    check_accessibility(page)
    assert "Rekenrijk Online" not in _linked_names()  # a search saves nothing

    found.check()
    picker.get_by_label(re.compile("Identiq IDM")).uncheck()
    # Enter in a single-line field other than the search saves.
    page.locator("#id_name").press("Enter")
    expect(page.get_by_role("status").filter(has_text="opgeslagen")).to_be_visible()
    assert _linked_names() == {"Kompas LAS", "Rekenrijk Online"}
    main = page.locator("main")
    expect(main).to_contain_text("Rekenrijk Online")
    expect(main).to_contain_text("Tot 7 jaar na uitschrijving")


def test_the_picker_works_without_javascript(
    demo: str, browser: Browser, browser_context_args: dict
) -> None:
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, demo, "privacy")
        _open_activity_form(page, demo)
        picker = page.locator("fieldset#producten")
        picker.get_by_label("Product zoeken om te koppelen").fill("woordenschat")
        picker.get_by_role("button", name="Zoeken").click()
        picker.get_by_label(re.compile("Woordenschat Plus")).check()
        page.get_by_role("button", name="Opslaan").click()
        expect(page.get_by_role("status").filter(has_text="opgeslagen")).to_be_visible()
        assert _linked_names() == {"Kompas LAS", "Identiq IDM", "Woordenschat Plus"}
    finally:
        context.close()


def test_the_procurement_check_suggests_names_while_typing(demo: str, page: Page) -> None:
    login(page, demo, "inkoop")
    page.goto(f"{demo}/register/inkoopcheck/")
    options = page.locator("#product-names option")
    expect(options).to_have_count(0)  # no list of every product in the page
    page.get_by_label("Naam van het product").press_sequentially("reken", delay=30)
    expect(options.first).to_have_attribute("value", re.compile("Reken", re.IGNORECASE))
    values = options.evaluate_all("els => els.map(e => e.value)")
    assert "Rekenrijk Online" in values and len(values) <= 20
    assert all("reken" in value.lower() for value in values)
