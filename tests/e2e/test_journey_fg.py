"""Journey 1: the FG reviews the oldest agreement in the queue and approves it."""

import re

import pytest
from playwright.sync_api import Page, expect

from .browser import assert_styled, check_accessibility, login, screenshot

pytestmark = pytest.mark.e2e


def test_the_fg_reviews_and_approves_the_oldest_agreement_in_the_queue(
    demo: str, page: Page
) -> None:
    login(page, demo, "fg")
    assert_styled(page)

    # The dashboard flags the product: its agreement waits for the FG.
    missing = page.get_by_role("region", name="Producten zonder goedgekeurde overeenkomst")
    flagged = missing.get_by_role("row").filter(has_text="Oefenwereld Rekenen")
    expect(flagged).to_contain_text("Geen goedgekeurde overeenkomst")
    expect(flagged).to_contain_text("VWO-2026-004")
    check_accessibility(page)
    screenshot(page, "dashboard")

    # The queue count is in the navigation: three agreements of the demo wait.
    queue_link = page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name=re.compile("Ter beoordeling")
    )
    expect(queue_link.locator(".badge")).to_have_text("3")
    expect(queue_link.locator(".badge")).to_have_accessible_name("3 overeenkomsten wachten")

    queue_link.click()
    expect(page.get_by_role("heading", name="Ter beoordeling", level=1)).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Oefenwereld Rekenen")  # submitted first
    check_accessibility(page)
    screenshot(page, "fg-queue")

    # The oldest agreement is the first row.
    rows.first.get_by_role("link", name="VWO-2026-004").click()
    expect(page.get_by_role("heading", name="VWO-2026-004", level=1)).to_be_visible()
    check_accessibility(page)

    # Its PDF downloads and is a PDF.
    documents = page.locator("table").filter(has=page.get_by_role("columnheader", name="sha256"))
    agreement_row = documents.get_by_role("row").filter(has_text="Verwerkersovereenkomst")
    with page.expect_download() as download_info:
        agreement_row.get_by_role("link").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # Per product, the agreed attributes of its privacy notice.
    products = page.locator("table").filter(has=page.get_by_role("columnheader", name="Bijsluiter"))
    product_row = products.get_by_role("row").filter(has_text="Oefenwereld Rekenen")
    for code in ["eckId", "givenName", "groep_klas", "gebruiksgegevens"]:
        expect(product_row).to_contain_text(code)

    # The subprocessor outside the EEA is marked as such, with its safeguard.
    subprocessors = page.locator("table").filter(
        has=page.get_by_role("columnheader", name="Waarborg")
    )
    us_row = subprocessors.get_by_role("row").filter(has_text="Supportdesk Global LLC")
    expect(us_row).to_contain_text("US")
    expect(us_row).to_contain_text("buiten EER")
    expect(us_row).to_contain_text("Data Privacy Framework")
    nl_row = subprocessors.get_by_role("row").filter(has_text="Oefenwereld Hosting BV")
    expect(nl_row).not_to_contain_text("buiten EER")

    # A decision without a comment is refused with a message that says what to do.
    decision = page.get_by_role("region", name="Besluit van de FG")
    decision.get_by_label("Goedgekeurd").check()
    decision.get_by_role("button", name="Besluit vastleggen").click()
    expect(page.get_by_text("Licht uw besluit toe; een toelichting is verplicht.")).to_be_visible()
    expect(page.get_by_text("Bevestig dat u dit besluit blijvend wilt vastleggen.")).to_be_visible()

    # Approve with a comment.
    decision = page.get_by_role("region", name="Besluit van de FG")
    decision.get_by_label("Goedgekeurd").check()
    decision.get_by_label("Toelichting").fill(
        "Akkoord: bijsluiter en subverwerkers in orde; VS-doorgifte onder het DPF."
    )
    decision.get_by_label("blijvend in het dossier vastgelegd").check()
    decision.get_by_role("button", name="Besluit vastleggen").click()
    expect(
        page.get_by_role("status").filter(
            has_text="Uw besluit over VWO-2026-004 is vastgelegd: Goedgekeurd."
        )
    ).to_be_visible()
    expect(queue_link.locator(".badge")).to_have_text("2")
    expect(page.locator("main").get_by_role("link", name="VWO-2026-004")).to_have_count(0)

    # The agreement now shows the approval with the comment.
    page.goto(f"{demo}/overeenkomsten/")
    page.get_by_role("link", name="VWO-2026-004").click()
    expect(page.locator("main")).to_contain_text(re.compile(r"Goedgekeurd door .*Femke Groen"))
    expect(page.get_by_text("VS-doorgifte onder het DPF")).to_be_visible()

    # The product's flag is gone from the dashboard; the other products stay flagged.
    page.get_by_role("link", name="Dashboard").click()
    missing = page.get_by_role("region", name="Producten zonder goedgekeurde overeenkomst")
    expect(missing.get_by_role("row").filter(has_text="Klasbord")).to_have_count(1)
    expect(missing.get_by_role("row").filter(has_text="Oefenwereld Rekenen")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Oefenwereld Rekenen")
