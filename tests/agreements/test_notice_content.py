"""A privacy notice holds what the real notice says per product (DESIGN.md 11.2): purposes,
data subjects, retention, locations and the agreement's subprocessors that serve it."""

import pytest
from django.urls import reverse

from agreements.models import PrivacyNotice

from ..conftest import attrs, client_for, make_agreement, make_product

pytestmark = pytest.mark.django_db


def url(agreement, product):
    return reverse("agreements:privacy_notice_edit", args=[agreement.pk, product.pk])


def notice_data(agreement, **overrides) -> dict:
    data = {
        "attributes": [a.pk for a in attrs("eckId")],
        "purposes": "Oefenen en voortgang volgen",
        "data_subjects": "Leerlingen en ouders",
        "retention": "Tot 6 maanden na einde licentie",
        "processing_locations": "Nederland en België",
        "version": agreement.version,
    }
    data.update(overrides)
    return data


def test_the_notice_form_stores_its_content_and_subprocessors_and_the_pages_show_them(
    privacy_officer, reader
):
    product = make_product("Ouderapp")
    agreement = make_agreement(
        [product], subprocessors=(("Cloud BV", "NL, BE", ""), ("Mailer Inc", "US", "SCC's"))
    )
    cloud = agreement.subprocessors.get(name="Cloud BV")

    response = client_for(privacy_officer).post(
        url(agreement, product), notice_data(agreement, subprocessors=[cloud.pk])
    )

    assert response.status_code == 302
    notice = PrivacyNotice.objects.get()
    assert notice.data_subjects == "Leerlingen en ouders"
    assert [s.name for s in notice.subprocessors.all()] == ["Cloud BV"]
    agreement_page = client_for(reader).get(agreement.get_absolute_url()).content.decode()
    product_page = client_for(reader).get(product.get_absolute_url()).content.decode()
    for page in (agreement_page, product_page):
        assert "Leerlingen en ouders" in page
        assert "Tot 6 maanden na einde licentie" in page
        assert "Cloud BV (NL, BE)" in page


def test_only_the_agreements_own_subprocessors_can_be_chosen(privacy_officer):
    product = make_product()
    agreement = make_agreement([product])
    other = make_agreement([make_product()], subprocessors=(("Elders BV", "NL", ""),))

    response = client_for(privacy_officer).post(
        url(agreement, product),
        notice_data(agreement, subprocessors=[other.subprocessors.get().pk]),
    )

    assert response.status_code == 200
    assert "hoort niet bij de overeenkomst" in response.content.decode()
    assert not PrivacyNotice.objects.exists()


def test_the_form_shows_the_stored_content_again(privacy_officer):
    product = make_product()
    agreement = make_agreement([product])
    client = client_for(privacy_officer)
    client.post(url(agreement, product), notice_data(agreement))

    form = client.get(url(agreement, product)).context["form"]

    assert form.initial["retention"] == "Tot 6 maanden na einde licentie"
    assert form.initial["purposes"] == "Oefenen en voortgang volgen"
