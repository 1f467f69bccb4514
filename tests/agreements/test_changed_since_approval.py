"""Every kind of content change voids the approval, shows the banner and the diff."""

import pytest
from django.urls import reverse

from agreements.models import Agreement, AgreementStatus, Review
from agreements.services import decide_agreement, submit_agreement
from suppliers.models import Attribute

from ..conftest import client_for, complete_checklist, make_agreement, make_product
from .helpers import PDF, edit_data, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(privacy_officer, fg) -> Agreement:
    product = make_product("Rekenmaatje")
    agreement = make_agreement(
        [product],
        attributes=("eckId", "givenName"),
        subprocessors=(("Hosting BV", "NL", ""),),
        purposes="Rekenonderwijs",
        retention="1 jaar",
    )
    complete_checklist(agreement)
    submit_agreement(agreement=agreement, user=privacy_officer)
    decide_agreement(agreement=agreement, user=fg, decision="goedgekeurd", comment="Akkoord")
    return Agreement.objects.get(pk=agreement.pk)


def state(agreement: Agreement) -> Agreement:
    return Agreement.objects.with_fingerprint_content().get(pk=agreement.pk)


def detail(user, agreement: Agreement) -> str:
    return client_for(user).get(agreement.get_absolute_url()).content.decode()


def edit(user, agreement: Agreement, **overrides):
    response = client_for(user).post(
        reverse("agreements:agreement_edit", args=[agreement.pk]),
        edit_data(agreement, **overrides),
    )
    assert response.status_code == 302, response.content.decode()


def test_an_approved_unchanged_agreement_is_current(approved, fg):
    assert state(approved).is_current()
    page = detail(fg, approved)
    assert "Gewijzigd na akkoord" not in page
    assert "de inhoud is sindsdien niet gewijzigd" in page


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("purposes", "Rekenonderwijs en analyse", "Rekenonderwijs en analyse"),
        ("retention", "5 jaar", "5 jaar"),
        ("processing_locations", "Ierland", "Ierland"),
        ("ends_on", "2030-07-31", "31 juli 2030"),
        ("starts_on", "2025-08-01", "1 augustus 2025"),
        ("signed_on", "2025-07-15", "15 juli 2025"),
        ("data_subjects", "Leerlingen en ouders", "Leerlingen en ouders"),
    ],
)
def test_a_changed_field_voids_the_approval_and_shows_in_the_diff(
    approved, privacy_officer, field, value, shown
):
    edit(privacy_officer, approved, **{field: value})
    assert state(approved).changed_since_approval()
    page = detail(privacy_officer, approved)
    assert "Gewijzigd na akkoord" in page
    assert shown in page


def test_an_added_agreed_attribute_voids_the_approval(approved, privacy_officer):
    codes = ["eckId", "givenName", "geboortedatum"]
    ids = list(Attribute.objects.filter(code__in=codes).values_list("pk", flat=True))
    edit(privacy_officer, approved, attributes=ids)
    assert state(approved).changed_since_approval()
    page = detail(privacy_officer, approved)
    assert "Overeengekomen attributen" in page
    assert "eckId, geboortedatum, givenName" in page


def test_an_added_product_voids_the_approval(approved, privacy_officer):
    other = make_product("Rekenmaatje Plus", supplier=approved.supplier)
    edit(privacy_officer, approved, products=[p.pk for p in approved.products.all()] + [other.pk])
    assert state(approved).changed_since_approval()
    assert "Rekenmaatje Plus" in detail(privacy_officer, approved)


def test_a_changed_subprocessor_voids_the_approval(approved, privacy_officer):
    edit(privacy_officer, approved, **{"sub-0-country": "US", "sub-0-safeguard": "SCC's"})
    assert state(approved).changed_since_approval()
    page = detail(privacy_officer, approved)
    assert "Subverwerker Hosting BV: Land" in page
    assert "US" in page


def test_an_added_subprocessor_voids_the_approval(approved, privacy_officer):
    edit(privacy_officer, approved, **{"sub-1-name": "Mailer Inc", "sub-1-country": "IE"})
    assert state(approved).changed_since_approval()
    assert "Subverwerker Mailer Inc" in detail(privacy_officer, approved)


def test_a_removed_subprocessor_voids_the_approval(approved, privacy_officer):
    edit(privacy_officer, approved, **{"sub-0-DELETE": "on"})
    assert state(approved).changed_since_approval()
    assert "verwijderd" in detail(privacy_officer, approved)


def test_a_new_document_version_voids_the_approval(approved, privacy_officer):
    response = client_for(privacy_officer).post(
        reverse("agreements:document_upload", args=[approved.pk]),
        {"kind": "overeenkomst", "file": pdf_upload("getekend.pdf")},
    )
    assert response.status_code == 302
    assert state(approved).changed_since_approval()
    # The checklist asked for the DPA before submission: this upload is its second version.
    assert "nieuwe versie 2: getekend.pdf" in detail(privacy_officer, approved)


def test_a_privacy_notice_with_other_attributes_voids_the_approval(approved, privacy_officer):
    product = approved.products.get()
    mail = Attribute.objects.get(code="mail")
    response = client_for(privacy_officer).post(
        reverse("agreements:privacy_notice_edit", args=[approved.pk, product.pk]),
        {"attributes": [mail.pk], "note": "", "version": approved.version},
    )
    assert response.status_code == 302
    assert state(approved).changed_since_approval()
    page = detail(privacy_officer, approved)
    assert "Bijsluiter Rekenmaatje: Overeengekomen attributen" in page


def test_a_privacy_notice_document_voids_the_approval(approved, privacy_officer):
    product = approved.products.get()
    eck = Attribute.objects.get(code="eckId")
    given = Attribute.objects.get(code="givenName")
    client_for(privacy_officer).post(
        reverse("agreements:privacy_notice_edit", args=[approved.pk, product.pk]),
        {
            "attributes": [eck.pk, given.pk],
            "file": pdf_upload("bijsluiter.pdf", PDF + b"%v2"),
            "version": approved.version,
        },
    )
    agreement = state(approved)
    assert agreement.privacy_notices.get().document.original_name == "bijsluiter.pdf"
    assert agreement.changed_since_approval()


def test_a_bookkeeping_change_keeps_the_approval(approved, privacy_officer):
    edit(privacy_officer, approved, signed_by="Bestuurder B. de Jong")
    assert state(approved).is_current()


def test_the_old_review_stays_and_resubmitting_asks_the_fg_again(approved, privacy_officer, fg):
    edit(privacy_officer, approved, retention="2 jaar")
    complete_checklist(approved)
    client_for(privacy_officer).post(reverse("agreements:agreement_submit", args=[approved.pk]))
    approved.refresh_from_db()
    assert approved.status == AgreementStatus.SUBMITTED
    assert Review.objects.filter(agreement=approved).count() == 1
    decide_agreement(agreement=approved, user=fg, decision="goedgekeurd", comment="Ook goed")
    assert state(approved).is_current()
    assert Review.objects.filter(agreement=approved).count() == 2


def test_the_list_marks_agreements_changed_since_approval(approved, privacy_officer):
    edit(privacy_officer, approved, retention="2 jaar")
    page = client_for(privacy_officer).get(reverse("agreements:agreement_list")).content.decode()
    assert "gewijzigd na akkoord" in page


def test_a_resubmitted_agreement_shows_the_fg_what_changed_since_the_last_approval(
    approved, privacy_officer, fg
):
    edit(privacy_officer, approved, retention="3 jaar")
    complete_checklist(approved)
    client_for(privacy_officer).post(reverse("agreements:agreement_submit", args=[approved.pk]))
    page = detail(fg, approved)
    assert "Gewijzigd sinds dat akkoord" in page
    assert "3 jaar" in page and "Besluit vastleggen" in page


def test_an_imported_outdated_approval_shows_the_banner_without_a_diff(fg, reader):
    agreement = make_agreement([make_product()], status=AgreementStatus.APPROVED)
    Review.objects.filter(agreement=agreement).update(fingerprint="0" * 64, imported=True)
    page = detail(reader, agreement)
    assert "Gewijzigd na akkoord" in page
    assert "staat niet in de geschiedenis van dit register" in page
