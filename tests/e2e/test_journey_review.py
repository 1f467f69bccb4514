"""Issue 17 in the browser: the checklist refuses an incomplete submission, and the FG
approves an incomplete agreement only with a stated reason."""

import re

import pytest
from playwright.sync_api import Page, expect

from agreements.models import Agreement, AgreementStatus, Review

from .browser import check_accessibility, login, logout

pytestmark = pytest.mark.e2e


def test_the_checklist_refuses_an_incomplete_submission(demo: str, page: Page) -> None:
    login(page, demo, "privacy")
    draft = Agreement.objects.get(reference="VWO-2026-006")
    page.goto(f"{demo}{draft.get_absolute_url()}")

    checklist = page.get_by_role("region", name="Controlelijst")
    expect(checklist).to_contain_text(
        "Indienen bij de FG kan pas als alle onderdelen zijn vastgelegd."
    )
    document_item = checklist.get_by_role("listitem").filter(
        has_text="Getekende verwerkersovereenkomst (PDF)"
    )
    expect(document_item).to_contain_text("ontbreekt")
    expect(
        checklist.get_by_role("listitem").filter(has_text="Datum van ondertekening")
    ).to_contain_text("ingangsdatum")
    check_accessibility(page)

    page.get_by_role("button", name="Indienen ter beoordeling").click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("Niet ingediend: de controlelijst is nog niet compleet.")
    expect(refusal).to_contain_text("Getekende verwerkersovereenkomst (PDF)")
    expect(refusal).to_contain_text("datum van ondertekening, ingangsdatum")
    expect(page.locator(".lead")).to_contain_text("Concept")
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.DRAFT


def test_the_fg_gives_a_reason_to_approve_an_incomplete_agreement(demo: str, page: Page) -> None:
    # While it waited for the FG, the signing date was removed from the submitted agreement.
    waiting = Agreement.objects.get(reference="VWO-2026-004")
    waiting.signed_on = None
    waiting.save()

    login(page, demo, "fg")
    # The FG's dashboard starts with what waits for their decision.
    awaiting = page.get_by_role("region", name="Wacht op uw besluit")
    expect(awaiting).to_contain_text("VWO-2026-004")
    awaiting.get_by_role("link", name="VWO-2026-004").click()
    expect(page.get_by_role("heading", name="VWO-2026-004", level=1)).to_be_visible()

    checklist = page.get_by_role("region", name="Controlelijst")
    expect(checklist).to_contain_text("Goedkeuren kan alleen met een reden")
    expect(
        checklist.get_by_role("listitem").filter(has_text="Datum van ondertekening")
    ).to_contain_text("ontbreekt")
    # What the approval would leave open, and the contradiction of the demo agreement.
    open_points = page.get_by_role("region", name="Wat een akkoord open laat")
    expect(open_points).to_contain_text("Oefenwereld Rekenen")
    expect(open_points).to_contain_text("Doorgifte buiten de EER: nee")
    check_accessibility(page)

    decision = page.get_by_role("region", name="Besluit van de FG")
    decision.get_by_label("Goedgekeurd").check()
    decision.get_by_label("Toelichting").fill("Inhoudelijk akkoord.")
    decision.get_by_label("blijvend in het dossier vastgelegd").check()
    decision.get_by_role("button", name="Besluit vastleggen").click()
    expect(page.get_by_text(re.compile("Geef aan waarom u toch goedkeurt"))).to_be_visible()
    assert not Review.objects.filter(agreement=waiting, decision="goedgekeurd").exists()

    decision = page.get_by_role("region", name="Besluit van de FG")
    decision.get_by_label("Goedgekeurd").check()
    decision.get_by_label("Toelichting").fill("Inhoudelijk akkoord.")
    decision.get_by_label("Reden om goed te keuren").fill(
        "Het getekende exemplaar volgt deze week."
    )
    decision.get_by_label("blijvend in het dossier vastgelegd").check()
    decision.get_by_role("button", name="Besluit vastleggen").click()
    expect(
        page.get_by_role("status").filter(
            has_text="Uw besluit over VWO-2026-004 is vastgelegd: Goedgekeurd."
        )
    ).to_be_visible()

    page.goto(f"{demo}{waiting.get_absolute_url()}")
    expect(page.locator("main")).to_contain_text(
        "Goedgekeurd met onvolledige controlelijst, omdat:"
    )
    expect(page.locator("main")).to_contain_text("Het getekende exemplaar volgt deze week.")
    review = Review.objects.get(agreement=waiting, decision="goedgekeurd")
    assert review.incomplete_reason == "Het getekende exemplaar volgt deze week."
    logout(page)
