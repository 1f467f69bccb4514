"""Journey 2: procurement checks a tool before buying it, and files an intake for a new one."""

import io

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from agreements.models import Agreement, AgreementStatus
from suppliers.models import LifecycleStatus, Product

from .browser import check_accessibility, login, logout, screenshot

pytestmark = pytest.mark.e2e

NEW_TOOL = "Typetuin"
NEW_SUPPLIER = "Toetsenbord Educatief BV"


def test_procurement_finds_a_tool_by_part_of_its_name_and_downloads_the_verdict(
    demo: str, page: Page
) -> None:
    login(page, demo, "inkoop")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Inkoopcheck").click()
    expect(page.get_by_role("heading", name="Inkoopcheck", level=1)).to_be_visible()

    # Part of the name: the register suggests the products it could be.
    search = page.get_by_role("search")
    search.get_by_label("Naam van het product").fill("spelling")
    search.get_by_role("button", name="Controleren").click()
    suggestions = page.get_by_role("region", name="Bedoelt u een van deze producten?")
    expect(suggestions).to_be_visible()
    # Suggestions, not an "Onbekend" verdict beside them (issue 17).
    expect(page.locator("section.verdict")).to_have_count(0)
    check_accessibility(page)
    suggestions.get_by_role("link", name="Spellingsterk").click()

    # The verdict, its reasons, and the agreement it rests on.
    verdict = page.locator("section.verdict")
    expect(verdict.get_by_role("heading", level=2)).to_contain_text("Voorwaardelijk")
    expect(verdict.get_by_role("heading", level=2)).to_contain_text("Spellingsterk")
    expect(verdict.get_by_role("link", name="VWO-2024-002")).to_be_visible()
    expect(verdict.locator(".before-use")).to_contain_text("Pas gebruiken na")
    reasons = verdict.locator("ul.reasons li")
    expect(reasons).to_have_count(1)
    expect(reasons.first).to_contain_text("geboortedatum")
    expect(reasons.first).to_contain_text("stop die gegevensstroom")
    check_accessibility(page)
    screenshot(page, "procurement-verdict")

    # The verdict as a PDF that says the same.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Oordeel als PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith("inkoopcheck-spellingsterk-")
    with open(download.path(), "rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Spellingsterk" in text
    assert "Voorwaardelijk" in text
    assert "VWO-2024-002" in text


def test_procurement_files_an_intake_that_lands_with_the_privacy_officer(
    demo: str, page: Page
) -> None:
    login(page, demo, "inkoop")
    page.goto(f"{demo}/register/inkoopcheck/")
    search = page.get_by_role("search")
    search.get_by_label("Naam van het product").fill(NEW_TOOL)
    search.get_by_role("button", name="Controleren").click()

    verdict = page.locator("section.verdict")
    expect(verdict.get_by_role("heading", level=2)).to_contain_text("Onbekend")
    expect(verdict).to_contain_text("intakeverzoek")
    intake = page.get_by_role("region", name="Intakeverzoek indienen")
    expect(intake.get_by_role("textbox", name="Naam van het product")).to_have_value(NEW_TOOL)

    # A missing supplier is refused with a message on the field.
    intake.get_by_role("button", name="Intakeverzoek indienen").click()
    intake = page.get_by_role("region", name="Intakeverzoek indienen")
    expect(intake.locator(".errorlist").first).to_be_visible()
    check_accessibility(page)

    intake.get_by_role("textbox", name="Leverancier").fill(NEW_SUPPLIER)
    intake.get_by_role("textbox", name="Beoogd gebruik").fill(
        "Typelessen voor groep 6 tot en met 8; leerlingen loggen in via Entree."
    )
    intake.get_by_label("OBS De Regenboog (12AB)", exact=True).check()
    intake.get_by_role("button", name="Intakeverzoek indienen").click()
    expect(page.get_by_role("status").filter(has_text="Intakeverzoek ingediend")).to_be_visible()
    # The tool is now in the register, proposed, and not allowed until the FG approves.
    expect(page.locator("section.verdict").get_by_role("heading", level=2)).to_contain_text(
        NEW_TOOL
    )
    product = Product.objects.get(name=NEW_TOOL)
    assert product.status == LifecycleStatus.PROPOSED
    draft = Agreement.objects.get(products=product)
    assert draft.status == AgreementStatus.DRAFT
    logout(page)

    # The privacy officer finds it on the dashboard and opens the draft agreement.
    login(page, demo, "privacy")
    intakes = page.get_by_role("region", name="Nieuwe intakeverzoeken")
    expect(intakes).to_contain_text(NEW_TOOL)
    expect(intakes).to_contain_text(NEW_SUPPLIER)
    check_accessibility(page)
    intakes.get_by_role("link", name=draft.reference).click()
    expect(page.get_by_role("heading", name=draft.reference, level=1)).to_be_visible()
    expect(page.get_by_text("Typelessen voor groep 6")).to_be_visible()
    expect(page.get_by_role("link", name="Wijzigen")).to_be_visible()


def test_while_typing_another_name_the_old_answer_gives_way_to_the_suggestions(
    demo: str, page: Page
) -> None:
    """Issue 17: never an old verdict beside the suggestions for the name being typed."""
    login(page, demo, "inkoop")
    page.goto(f"{demo}/register/inkoopcheck/?q=Klasbord")
    verdict = page.locator("section.verdict")
    expect(verdict.get_by_role("heading", level=2)).to_contain_text("Voorwaardelijk")
    expect(verdict.locator(".before-use")).to_contain_text(
        "Pas gebruiken na akkoord van de FG op overeenkomst VWO-2025-010"
    )
    hint = page.get_by_text("Kies een product uit de suggesties of druk op Controleren")
    expect(hint).to_be_hidden()

    box = page.get_by_role("search").get_by_label("Naam van het product")
    box.fill("")
    box.press_sequentially("Rekenr", delay=30)
    # The Klasbord verdict is gone while another name is typed; the browser's list suggests.
    expect(verdict).to_be_hidden()
    expect(hint).to_be_visible()
    expect(page.locator('#product-names option[value="Rekenrijk Online"]')).to_have_count(1)
    check_accessibility(page)

    # Back to the name the page answers: its verdict shows again.
    box.fill("klasbord")
    box.dispatch_event("input")
    expect(verdict).to_be_visible()
    expect(hint).to_be_hidden()

    # A part of a name, checked: the suggestions alone; typing on hides them too.
    box.fill("spelling")
    page.get_by_role("search").get_by_role("button", name="Controleren").click()
    suggestions = page.get_by_role("region", name="Bedoelt u een van deze producten?")
    expect(suggestions).to_be_visible()
    expect(page.locator("section.verdict")).to_have_count(0)
    box.press_sequentially("sterk", delay=30)
    expect(suggestions).to_be_hidden()
    expect(hint).to_be_visible()
