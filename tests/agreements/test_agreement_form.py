"""Creating and editing agreements: validation with clear messages, and who may do it."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement, AgreementStatus

from ..conftest import attrs, client_for, make_agreement, make_product, make_supplier
from .helpers import edit_data

pytestmark = pytest.mark.django_db


def create_data(supplier, products, **overrides) -> dict:
    data = {
        "reference": "VO-NIEUW",
        "supplier": supplier.pk,
        "products": [p.pk for p in products],
        "model": "convenant_4",
        "sub-TOTAL_FORMS": "1",
        "sub-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def create(user, supplier, products, **overrides):
    return client_for(user).post(
        reverse("agreements:agreement_create"), create_data(supplier, products, **overrides)
    )


def test_step_one_chooses_the_supplier_and_step_two_shows_only_its_products(privacy_officer):
    supplier = make_supplier("Leerwerk")
    own = make_product("Taalwijs", supplier=supplier)
    make_product("Vreemd product")
    client = client_for(privacy_officer)
    page = client.get(reverse("agreements:agreement_create")).content.decode()
    assert "Stap 1 van 2" in page
    response = client.get(reverse("agreements:agreement_create"), {"leverancier": supplier.pk})
    page = response.content.decode()
    assert "Taalwijs" in page and "Vreemd product" not in page
    assert list(response.context["form"].fields["products"].queryset) == [own]


def test_a_product_of_another_supplier_is_refused(privacy_officer):
    supplier = make_supplier()
    foreign = make_product("Vreemd product")
    response = create(privacy_officer, supplier, [foreign])
    assert response.status_code == 200
    assert not Agreement.objects.exists()
    assert response.context["form"].errors["products"]


def test_at_least_one_product(privacy_officer):
    supplier = make_supplier()
    make_product(supplier=supplier)
    response = create(privacy_officer, supplier, [])
    assert "Kies minstens één product" in response.content.decode()


def test_an_end_date_before_the_start_date_is_refused_with_a_clear_message(privacy_officer):
    product = make_product()
    response = create(
        privacy_officer, product.supplier, [product], starts_on="2026-08-01", ends_on="2026-07-31"
    )
    page = response.content.decode()
    assert "De einddatum (31-07-2026) ligt vóór de ingangsdatum (01-08-2026)" in page
    assert not Agreement.objects.exists()


def test_a_kenmerk_that_differs_only_in_case_is_refused(privacy_officer):
    """The workbook reads a Kenmerk whatever its case: two would not import back."""
    product = make_product()
    make_agreement([product], reference="VWO-2024-001")
    response = create(privacy_officer, product.supplier, [product], reference="vwo-2024-001")
    assert "Er is al een overeenkomst met kenmerk VWO-2024-001" in response.content.decode()
    assert Agreement.objects.count() == 1


def test_a_signing_date_in_the_future_is_refused(privacy_officer):
    product = make_product()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = create(privacy_officer, product.supplier, [product], signed_on=tomorrow.isoformat())
    page = response.content.decode()
    assert f"De datum van ondertekening ({tomorrow:%d-%m-%Y}) ligt in de toekomst" in page
    assert not Agreement.objects.exists()
    today = timezone.localdate().isoformat()
    create(privacy_officer, product.supplier, [product], signed_on=today)
    assert Agreement.objects.get().signed_on == timezone.localdate()


@pytest.mark.parametrize("country", ["XX", "NLD", "1A", "Nederland"])
def test_a_subprocessor_country_must_be_an_iso_code(privacy_officer, country):
    product = make_product()
    response = create(
        privacy_officer,
        product.supplier,
        [product],
        **{"sub-0-name": "Hosting", "sub-0-countries": country},
    )
    assert response.status_code == 200
    assert not Agreement.objects.exists()
    assert "ISO 3166-code" in response.content.decode()


def test_a_lowercase_country_code_is_accepted_as_uppercase(privacy_officer):
    product = make_product()
    response = create(
        privacy_officer,
        product.supplier,
        [product],
        **{"sub-0-name": "Hosting", "sub-0-countries": "ie", "sub-0-safeguard": ""},
    )
    assert response.status_code == 302
    assert Agreement.objects.get().subprocessors.get().countries == "IE"


def test_a_transfer_without_a_safeguard_is_recorded_and_marked(privacy_officer):
    # Recording reality comes first; the flag transfer_outside_eea then asks for action.
    product = make_product()
    response = create(privacy_officer, product.supplier, [product], transfer_outside_eea="on")
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert agreement.transfer_outside_eea
    page = client_for(privacy_officer).get(agreement.get_absolute_url()).content.decode()
    assert "geen waarborg" in page


def test_agreed_attributes_are_ticked_and_sensitive_ones_are_marked(privacy_officer):
    product = make_product()
    page = (
        client_for(privacy_officer)
        .get(reverse("agreements:agreement_create"), {"leverancier": product.supplier.pk})
        .content.decode()
    )
    assert "gezondheid" in page and "gevoelig" in page
    response = create(
        privacy_officer,
        product.supplier,
        [product],
        attributes=[a.pk for a in attrs("eckId", "gezondheid")],
    )
    assert response.status_code == 302
    codes = set(Agreement.objects.get().attributes.values_list("code", flat=True))
    assert codes == {"eckId", "gezondheid"}


def test_the_creator_is_recorded_in_history(privacy_officer):
    product = make_product()
    create(privacy_officer, product.supplier, [product])
    assert Agreement.objects.get().history.earliest().history_user == privacy_officer


@pytest.mark.parametrize("persona", ["fg", "reader", "procurement"])
def test_only_privacy_officers_create_or_edit(personas, persona):
    product = make_product()
    agreement = make_agreement([product])
    client = client_for(personas[persona])
    assert client.get(reverse("agreements:agreement_create")).status_code == 403
    response = client.post(
        reverse("agreements:agreement_edit", args=[agreement.pk]),
        edit_data(agreement, purposes="FG schrijft mee"),
    )
    assert response.status_code == 403
    agreement.refresh_from_db()
    assert agreement.purposes == ""


def test_the_fg_sees_no_edit_button(fg, privacy_officer):
    agreement = make_agreement([make_product()])
    assert "Wijzigen" not in client_for(fg).get(agreement.get_absolute_url()).content.decode()
    page = client_for(privacy_officer).get(agreement.get_absolute_url()).content.decode()
    assert "Wijzigen" in page


def test_the_supplier_of_an_existing_agreement_cannot_be_changed(privacy_officer):
    agreement = make_agreement([make_product()])
    other = make_supplier()
    client_for(privacy_officer).post(
        reverse("agreements:agreement_edit", args=[agreement.pk]),
        edit_data(agreement, supplier=other.pk),
    )
    agreement.refresh_from_db()
    assert agreement.supplier != other


def test_editing_a_submitted_agreement_keeps_it_submitted(privacy_officer):
    agreement = make_agreement([make_product()], status=AgreementStatus.SUBMITTED)
    client_for(privacy_officer).post(
        reverse("agreements:agreement_edit", args=[agreement.pk]),
        edit_data(agreement, retention="3 jaar"),
    )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUBMITTED


def test_step_one_finds_the_supplier_by_part_of_its_name(privacy_officer):
    wanted = make_supplier("Uitgeverij Noordhoff")
    make_supplier("Malmberg")
    client = client_for(privacy_officer)
    page = client.get(reverse("agreements:agreement_create"), {"zoek": "noord"}).content.decode()
    assert "Uitgeverij Noordhoff" in page and "Malmberg" not in page
    assert f'href="?supplier={wanted.pk}"' in page
    page = client.get(reverse("agreements:agreement_create"), {"zoek": "Cito"}).content.decode()
    assert 'Geen leverancier gevonden met "Cito" in de naam' in page


def test_step_one_shows_at_most_25_suppliers_whatever_the_register_holds(privacy_officer):
    for n in range(30):
        make_supplier(f"Leverancier {n:02d}")
    client = client_for(privacy_officer)
    page = client.get(reverse("agreements:agreement_create")).content.decode()
    assert page.count('href="?supplier=') == 25
    assert "Leverancier 24" in page and "Leverancier 25" not in page
    assert "Alleen de eerste 25 leveranciers worden getoond" in page


def test_a_special_category_is_marked_as_such_not_only_as_sensitive(privacy_officer):
    # An FG tells art. 9 data (health, religion) from merely sensitive data (a photo).
    agreement = make_agreement([make_product()], attributes=("godsdienst", "foto"))
    special = r'\s*<span class="pill high">bijzonder \(art\. 9\)</span>'
    sensitive = r'\s*<span class="pill high">gevoelig</span>'
    client = client_for(privacy_officer)
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert re.search(r"\(<code>godsdienst</code>\)" + special, page)
    assert re.search(r"\(<code>foto</code>\)" + sensitive, page)
    form = client.get(reverse("agreements:agreement_edit", args=[agreement.pk])).content.decode()
    assert re.search(r"godsdienst \(Godsdienst of levensovertuiging\)" + special, form)
    assert re.search(r"foto \([^)<]*\)" + sensitive, form)
