"""Journey 4: a reader (school leader, auditor) sees everything and can change nothing."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from agreements.models import Agreement, AgreementStatus, Finding, Review
from register.models import ProcessingActivity
from suppliers.models import Product, Supplier

from .browser import check_accessibility, login

pytestmark = pytest.mark.e2e

# Addresses of pages that change something; a reader's pages link to none of them.
EDIT_LINK = re.compile(r"/(wijzigen|nieuw|import|indienen|besluit|beeindigen|intake|bijsluiters)/")


def _pages() -> list[tuple[str, str]]:
    """(address, main heading) of every page family, lists and details."""
    agreement = Agreement.objects.get(reference="VWO-2026-004")
    product = Product.objects.get(name="Oefenwereld Rekenen")
    activity = ProcessingActivity.objects.get(name="Leerlingadministratie")
    return [
        (reverse("dashboard"), "Dashboard"),
        (reverse("suppliers:supplier_list"), "Leveranciers"),
        (product.supplier.get_absolute_url(), "Oefenwereld"),
        (reverse("suppliers:product_list"), "Producten"),
        (product.get_absolute_url(), "Oefenwereld Rekenen"),
        (reverse("agreements:agreement_list"), "Verwerkersovereenkomsten"),
        (agreement.get_absolute_url(), "VWO-2026-004"),
        (reverse("agreements:agreement_history", args=[agreement.pk]), None),
        (reverse("register:activity_list"), None),
        (activity.get_absolute_url(), "Leerlingadministratie"),
        (reverse("register:organisation"), None),
        (reverse("register:procurement_check") + "?q=Rekenrijk", "Inkoopcheck"),
        (reverse("register:level"), None),
    ]


def _refused_posts() -> list[tuple[str, dict]]:
    """Every address that changes the register, with a plausible form for it."""
    submitted = Agreement.objects.get(reference="VWO-2026-004")
    draft = Agreement.objects.get(reference="VWO-2026-006")
    finding = Finding.objects.select_related("agreement").order_by("pk").first()
    with_finding = finding.agreement
    product = Product.objects.get(name="Oefenwereld Rekenen")
    supplier = Supplier.objects.get(name="Oefenwereld")
    activity = ProcessingActivity.objects.get(name="Leerlingadministratie")
    decision = {
        "decision": "goedgekeurd",
        "comment": "Akkoord",
        "fingerprint": submitted.content_fingerprint(),
        "confirm": "on",
    }
    return [
        (reverse("agreements:agreement_create"), {"reference": "X-1"}),
        (reverse("agreements:agreement_edit", args=[draft.pk]), {"reference": "X-2"}),
        (reverse("agreements:agreement_submit", args=[draft.pk]), {}),
        (reverse("agreements:agreement_decide", args=[submitted.pk]), decision),
        (
            reverse("agreements:agreement_terminate", args=[submitted.pk]),
            {"reason": "Weg", "confirm": "on"},
        ),
        (reverse("agreements:document_upload", args=[submitted.pk]), {"kind": "overeenkomst"}),
        (
            reverse("agreements:privacy_notice_edit", args=[submitted.pk, product.pk]),
            {"attributes": []},
        ),
        (
            reverse("agreements:finding_create", args=[submitted.pk]),
            {"topic": "Art. 7", "difference": "Anders", "risk": "laag", "status": "geaccepteerd"},
        ),
        (
            reverse("agreements:finding_settle", args=[with_finding.pk, finding.pk]),
            {"status": "ingetrokken"},
        ),
        (reverse("suppliers:supplier_create"), {"name": "Nieuwe leverancier"}),
        (reverse("suppliers:supplier_edit", args=[supplier.pk]), {"name": "Andere naam"}),
        (reverse("suppliers:product_create"), {"name": "Nieuw product"}),
        (reverse("suppliers:product_edit", args=[product.pk]), {"name": "Andere naam"}),
        (reverse("suppliers:product_flows", args=[product.pk]), {}),
        (reverse("register:activity_create"), {"name": "Nieuwe verwerking"}),
        (reverse("register:activity_edit", args=[activity.pk]), {"name": "Andere naam"}),
        (reverse("register:organisation_edit"), {"name": "Andere stichting"}),
        (reverse("register:workbook_import"), {}),
        (reverse("register:procurement_intake"), {"product_name": "Nieuw"}),
    ]


def test_a_reader_sees_every_page_without_a_single_edit_control(demo: str, page: Page) -> None:
    login(page, demo, "lezer")
    for address, heading in _pages():
        response = page.goto(f"{demo}{address}")
        assert response is not None and response.status == 200, address
        if heading:
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        # The only form that posts is the logout button.
        post_forms = page.locator("main form[method=post], main form[method=POST]")
        expect(post_forms, f"a form that posts on {address}").to_have_count(0)
        hrefs = page.locator("main a[href]").evaluate_all("links => links.map(a => a.href)")
        edit_links = [href for href in hrefs if EDIT_LINK.search(href)]
        assert not edit_links, f"edit links for a reader on {address}: {edit_links}"
        check_accessibility(page)

    # Reading includes taking the register along: the Excel export is there for a reader.
    page.goto(f"{demo}{reverse('register:activity_list')}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporteer naar Excel").click()
    assert download_info.value.suggested_filename.endswith(".xlsx")


def test_a_reader_is_refused_every_change_even_by_posting_directly(demo: str, page: Page) -> None:
    login(page, demo, "lezer")
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    reviews_before = Review.objects.count()
    for address, form in _refused_posts():
        response = page.request.post(
            f"{demo}{address}",
            form={"csrfmiddlewaretoken": token, **form},
            headers={"Referer": f"{demo}/"},
            max_redirects=0,
        )
        assert response.status == 403, f"POST {address} gave {response.status}"
        # Refused for lack of rights (not for a missing CSRF token), with a Dutch explanation.
        assert "Geen toegang" in response.text(), f"POST {address}: {response.text()[:300]}"

    submitted = Agreement.objects.get(reference="VWO-2026-004")
    assert submitted.status == AgreementStatus.SUBMITTED
    assert Review.objects.count() == reviews_before
    assert not Finding.objects.filter(topic="Art. 7").exists()
    assert not Finding.objects.filter(status="ingetrokken").exists()
    assert Agreement.objects.get(reference="VWO-2026-006").status == AgreementStatus.DRAFT
    assert not Supplier.objects.filter(name="Nieuwe leverancier").exists()
    assert Product.objects.filter(name="Oefenwereld Rekenen").exists()


def test_a_form_posted_without_its_token_is_refused_with_a_dutch_explanation(
    demo: str, page: Page
) -> None:
    login(page, demo, "privacy")
    response = page.request.post(f"{demo}{reverse('register:workbook_import')}", form={})
    assert response.status == 403
    assert "Formulier verlopen" in response.text()


def test_forbidden_and_unknown_addresses_show_dutch_pages_with_the_way_back(
    demo: str, page: Page
) -> None:
    login(page, demo, "lezer")
    draft = Agreement.objects.get(reference="VWO-2026-006")
    response = page.goto(f"{demo}{reverse('agreements:agreement_edit', args=[draft.pk])}")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Geen toegang", level=1)).to_be_visible()
    check_accessibility(page)

    response = page.goto(f"{demo}/overeenkomsten/999999/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Pagina niet gevonden", level=1)).to_be_visible()
    page.get_by_role("link", name="Naar het dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    check_accessibility(page)
