import pytest
from django.urls import reverse

from agreements.models import AgreementStatus, PrivacyNotice

from ..conftest import attrs, client_for, make_agreement, make_product
from .helpers import PNG, pdf_upload

pytestmark = pytest.mark.django_db


def url(agreement, product):
    return reverse("agreements:privacy_notice_edit", args=[agreement.pk, product.pk])


def test_a_notice_starts_from_the_agreements_attributes(privacy_officer):
    product = make_product()
    agreement = make_agreement([product], attributes=("eckId", "mail"))
    form = client_for(privacy_officer).get(url(agreement, product)).context["form"]
    assert {a.code for a in form.initial["attributes"]} == {"eckId", "mail"}


def test_ticking_attributes_per_product_stores_the_notice(privacy_officer):
    product = make_product()
    agreement = make_agreement([product], attributes=("eckId",))
    response = client_for(privacy_officer).post(
        url(agreement, product),
        {
            "attributes": [a.pk for a in attrs("eckId", "geboortedatum")],
            "file": pdf_upload(),
            "version": agreement.version,
        },
    )
    assert response.status_code == 302
    notice = PrivacyNotice.objects.get()
    assert set(notice.attributes.values_list("code", flat=True)) == {"eckId", "geboortedatum"}
    assert notice.document.kind == "bijsluiter"
    page = client_for(privacy_officer).get(agreement.get_absolute_url()).content.decode()
    assert "geboortedatum" in page


def test_a_notice_document_must_be_a_pdf(privacy_officer):
    product = make_product()
    agreement = make_agreement([product])
    response = client_for(privacy_officer).post(
        url(agreement, product), {"attributes": [], "file": pdf_upload("b.pdf", PNG), "version": 1}
    )
    assert response.status_code == 200
    assert "Dit bestand is geen PDF" in response.content.decode()
    assert not PrivacyNotice.objects.exists()


def test_a_product_not_covered_has_no_notice_page(privacy_officer):
    agreement = make_agreement([make_product()])
    other = make_product()
    assert client_for(privacy_officer).get(url(agreement, other)).status_code == 404


def test_the_fg_cannot_change_a_notice(fg):
    product = make_product()
    agreement = make_agreement([product])
    assert client_for(fg).post(url(agreement, product), {"attributes": []}).status_code == 403


def test_a_notice_edit_sends_a_changes_requested_agreement_back_to_draft(privacy_officer):
    product = make_product()
    agreement = make_agreement([product], status=AgreementStatus.CHANGES_REQUESTED)
    client_for(privacy_officer).post(
        url(agreement, product), {"attributes": [a.pk for a in attrs("eckId")], "version": 1}
    )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT


def test_a_notice_save_after_someone_elses_edit_is_refused(privacy_officer):
    from .helpers import edit_data

    product = make_product()
    agreement = make_agreement([product], attributes=("eckId",), retention="1 jaar")
    loaded = client_for(privacy_officer).get(url(agreement, product)).context["form"]
    assert loaded["version"].value() == 1
    client_for(privacy_officer).post(
        reverse("agreements:agreement_edit", args=[agreement.pk]),
        edit_data(agreement, retention="2 jaar"),
    )
    response = client_for(privacy_officer).post(
        url(agreement, product), {"attributes": [a.pk for a in attrs("mail")], "version": 1}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Niet opgeslagen" in page and "2 jaar" in page
    assert not PrivacyNotice.objects.exists()


def test_an_agreement_edit_after_a_notice_change_is_refused(privacy_officer):
    from .helpers import edit_data

    product = make_product()
    agreement = make_agreement([product], attributes=("eckId",))
    stale = edit_data(agreement, retention="2 jaar")
    client_for(privacy_officer).post(
        url(agreement, product), {"attributes": [a.pk for a in attrs("mail")], "version": 1}
    )
    response = client_for(privacy_officer).post(
        reverse("agreements:agreement_edit", args=[agreement.pk]), stale
    )
    assert response.status_code == 200
    assert "Bijsluiter" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.retention == ""
