"""Filing an intake through the API: the same service and rules as the form at the Inkoopcheck."""

from __future__ import annotations

import pytest

from agreements.models import Agreement, AgreementStatus
from register.models import School
from suppliers.models import Product, Supplier

from ..conftest import make_product, make_supplier
from .conftest import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/intakes/"


def file(client, **data):
    payload = {
        "name": "Typtuin",
        "supplier_name": "Typ BV",
        "intended_use": "Typvaardigheid in groep 6 en 7",
        **data,
    }
    return client.post(URL, payload, content_type="application/json")


def test_procurement_files_an_intake_as_a_proposed_product_with_a_draft_agreement(procurement):
    school = School.objects.create(brin="12AB", name="OBS De Regenboog")

    response = file(token_client(procurement), schools=["12ab"])

    assert response.status_code == 201
    body = response.json()
    agreement = Agreement.objects.get(pk=body["agreement_id"])
    assert body["agreement"] == agreement.reference and agreement.reference.startswith("INTAKE-")
    assert agreement.status == AgreementStatus.DRAFT and body["status"] == "concept"
    product = Product.objects.get(name="Typtuin")
    assert product.status == "voorgesteld" and product.supplier.name == "Typ BV"
    assert body["product"] == {"id": product.pk, "name": "Typtuin"}
    assert list(school.products.all()) == [product]
    assert "geen persoonsgegevens" in body["message"]
    # The history names the user behind the token.
    assert agreement.history.first().history_user == procurement


def test_an_intake_for_a_known_supplier_reuses_it(procurement):
    supplier = make_supplier("Typ BV")
    assert file(token_client(procurement), supplier_name="typ bv").status_code == 201
    assert Supplier.objects.count() == 1
    assert Product.objects.get(name="Typtuin").supplier == supplier


def test_a_product_already_in_the_register_is_refused_with_the_forms_message(procurement):
    make_product("Typtuin", make_supplier("Typ BV"))
    response = file(token_client(procurement))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "staat al in het register" in body["errors"]["name"][0]
    assert Agreement.objects.count() == 0


def test_missing_fields_and_unknown_schools_are_named(procurement):
    client = token_client(procurement)
    response = client.post(URL, {"name": "Typtuin"}, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"supplier_name", "intended_use"}
    response = file(client, schools=["99ZZ"])
    assert response.status_code == 400
    assert response.json()["errors"] == {"schools": ["Onbekende school: 99ZZ."]}
    assert not Product.objects.exists()


def test_a_body_that_is_not_json_is_refused_in_dutch(procurement):
    client = token_client(procurement)
    response = client.post(URL, "{kapot", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    response = client.post(URL, {"name": "Typtuin"})  # a form, not JSON
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not Product.objects.exists()


@pytest.mark.parametrize("persona", ["reader", "privacy_officer", "fg"])
def test_only_procurement_files_an_intake(persona, request):
    response = file(token_client(request.getfixturevalue(persona)))
    assert response.status_code == 403
    assert not Product.objects.exists()
