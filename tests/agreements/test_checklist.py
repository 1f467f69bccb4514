"""The completeness checklist (issue 17): shown before submission, refusing an incomplete
submission with the list, and on the FG's page, where approving with an item missing
needs a reason that is stored with the review."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import Workbook

from agreements.checklist import completeness
from agreements.models import Agreement, AgreementStatus, Review
from agreements.services import decide_agreement, submit_agreement
from register.workbook import import_workbook

from ..conftest import client_for, complete_checklist, make_agreement, make_product

pytestmark = pytest.mark.django_db


def empty_agreement():
    """The issue's agreement: no document, no signature, no dates, no attributes."""
    return make_agreement([make_product("Rekenmaatje")], reference="VO-LEEG")


def test_an_empty_agreement_misses_every_item_but_subprocessors():
    missing = {item.key: item.missing for item in completeness(empty_agreement())}
    assert missing["document"] and missing["dates"] and missing["terms"]
    assert missing["products"] == [
        "Rekenmaatje: geen overeengekomen attributen (bijsluiter of overeenkomst)"
    ]
    assert missing["subprocessors"] == []  # none recorded is an answer, not a gap


def test_a_subprocessor_needs_a_country_and_outside_the_eea_a_safeguard():
    agreement = make_agreement(
        [make_product()],
        subprocessors=(("Zonder Land", "", ""), ("Cloud Inc", "US", ""), ("Host BV", "NL", "")),
    )
    item = next(i for i in completeness(agreement) if i.key == "subprocessors")
    assert item.missing == [
        "Cloud Inc (US, buiten de EER): waarborg ontbreekt",
        "Zonder Land: land ontbreekt",
    ]


def test_a_complete_agreement_passes_every_item():
    agreement = complete_checklist(empty_agreement())
    assert all(item.done for item in completeness(agreement))


def test_submitting_an_incomplete_agreement_is_refused_with_the_list(privacy_officer):
    agreement = empty_agreement()
    with pytest.raises(ValidationError) as refused:
        submit_agreement(agreement=agreement, user=privacy_officer)
    assert refused.value.code == "incomplete"
    message = refused.value.messages[0]
    assert "Getekende verwerkersovereenkomst (PDF)" in message
    assert "datum van ondertekening, ingangsdatum" in message
    assert "doeleinden, bewaartermijn" in message
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT


def test_the_page_shows_the_checklist_and_the_refusal(privacy_officer):
    agreement = empty_agreement()
    client = client_for(privacy_officer)
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "Controlelijst" in page
    assert "Indienen bij de FG kan pas als alle onderdelen zijn vastgelegd." in page
    assert "upload de getekende overeenkomst als PDF" in page

    response = client.post(reverse("agreements:agreement_submit", args=[agreement.pk]), follow=True)
    page = response.content.decode()
    assert "Niet ingediend: de controlelijst is nog niet compleet." in page
    assert "bewaartermijn" in page
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT


def test_a_complete_agreement_is_submitted(privacy_officer):
    agreement = complete_checklist(empty_agreement())
    client_for(privacy_officer).post(reverse("agreements:agreement_submit", args=[agreement.pk]))
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUBMITTED


def incomplete_submission(privacy_officer):
    """Submitted complete, then the signing date removed while it waits for the FG."""
    agreement = complete_checklist(empty_agreement())
    submit_agreement(agreement=agreement, user=privacy_officer)
    agreement.refresh_from_db()
    agreement.signed_on = None
    agreement.save()
    return agreement


def decide(fg, agreement, **extra):
    return client_for(fg).post(
        reverse("agreements:agreement_decide", args=[agreement.pk]),
        {
            "decision": "goedgekeurd",
            "comment": "Inhoudelijk akkoord.",
            "fingerprint": agreement.content_fingerprint(),
            "confirm": "on",
            **extra,
        },
    )


def test_the_fg_sees_the_same_checklist_and_a_field_for_the_reason(privacy_officer, fg):
    agreement = incomplete_submission(privacy_officer)
    page = client_for(fg).get(agreement.get_absolute_url()).content.decode()
    assert "Controlelijst" in page and "datum van ondertekening" in page
    assert "Goedkeuren kan alleen met een reden" in page
    assert "Reden om goed te keuren terwijl de controlelijst onvolledig is" in page


def test_who_can_neither_submit_nor_decide_reads_what_is_missing_not_what_to_do(
    privacy_officer, reader
):
    submitted = incomplete_submission(privacy_officer)
    draft = make_agreement([make_product("Schrijfmaatje")], reference="VO-CONCEPT")
    page = client_for(reader).get(draft.get_absolute_url()).content.decode()
    assert "Deze overeenkomst mist nog onderdelen." in page
    assert "Indienen bij de FG" not in page
    page = client_for(reader).get(submitted.get_absolute_url()).content.decode()
    assert "Deze overeenkomst mist nog onderdelen." in page
    assert "Goedkeuren kan alleen met een reden" not in page


def test_approving_an_incomplete_agreement_without_a_reason_is_refused(privacy_officer, fg):
    agreement = incomplete_submission(privacy_officer)
    response = decide(fg, agreement)
    assert response.status_code == 400
    assert "Geef aan waarom u toch goedkeurt" in response.content.decode()
    assert not Review.objects.exists()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUBMITTED


def test_the_reason_of_an_incomplete_approval_is_stored_and_shown(privacy_officer, fg):
    agreement = incomplete_submission(privacy_officer)
    response = decide(fg, agreement, incomplete_reason="Getekend exemplaar volgt deze week.")
    assert response.status_code == 302
    review = Review.objects.get()
    assert review.incomplete_reason == "Getekend exemplaar volgt deze week."
    page = client_for(fg).get(agreement.get_absolute_url()).content.decode()
    assert "Goedgekeurd met onvolledige controlelijst, omdat:" in page
    assert "Getekend exemplaar volgt deze week." in page


def test_rejecting_or_asking_changes_needs_no_reason(privacy_officer, fg):
    agreement = incomplete_submission(privacy_officer)
    decide_agreement(agreement=agreement, user=fg, decision="aanpassing_gevraagd", comment="Datum?")
    assert Review.objects.get().incomplete_reason == ""


def test_an_imported_submitted_agreement_is_taken_as_it_is(privacy_officer, tmp_path):
    """DESIGN.md 11.4: the checklist guards submission in the app, not the import."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Leveranciers"
    sheet.append(["Naam"])
    sheet.append(["Uitgeverij Leeg"])
    products = workbook.create_sheet("Producten")
    products.append(["Naam", "Leverancier", "Status"])
    products.append(["Leeg Product", "Uitgeverij Leeg", "in_gebruik"])
    agreements = workbook.create_sheet("Overeenkomsten")
    agreements.append(["Kenmerk", "Leverancier", "Producten", "Status"])
    agreements.append(["VO-IMPORT", "Uitgeverij Leeg", "Leeg Product", "ter_beoordeling"])
    path = tmp_path / "register.xlsx"
    workbook.save(path)
    result = import_workbook(path, user=privacy_officer)
    assert not result.errors, result.errors
    imported = Agreement.objects.get(reference="VO-IMPORT")
    assert imported.status == AgreementStatus.SUBMITTED
    assert not all(item.done for item in completeness(imported))


def test_dates_count_from_the_agreement_itself():
    agreement = make_agreement(
        [make_product()], signed_on=datetime.date(2025, 1, 1), starts_on=None
    )
    item = next(i for i in completeness(agreement) if i.key == "dates")
    assert item.missing == ["ingangsdatum"]
