"""Names in the workbook's list cells (DESIGN.md section 9): a list is separated by ";" and a
product may be written as `Leverancier / Product`, so a name must come back as the same record."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from agreements.models import Agreement
from register.workbook import import_workbook
from suppliers.models import Product, Supplier
from tests.conftest import client_for, make_agreement, make_product, make_supplier

from .conftest import write_workbook

pytestmark = pytest.mark.django_db

PRODUCT_FORM = {"kind": "leermiddel", "access_channel": "entree", "status": "in_gebruik"}


def test_a_product_name_with_a_semicolon_is_refused_with_the_reason(privacy_officer):
    supplier = make_supplier()
    response = client_for(privacy_officer).post(
        reverse("suppliers:product_create"),
        {"supplier": supplier.pk, "name": "Rekenen; Taal", **PRODUCT_FORM},
    )
    assert "Een naam mag geen puntkomma (;) bevatten" in response.text
    assert not Product.objects.exists()


def test_a_supplier_name_with_a_semicolon_is_refused_with_the_reason(privacy_officer):
    response = client_for(privacy_officer).post(
        reverse("suppliers:supplier_create"), {"name": "Noord; Zuid", "convenant": "geen"}
    )
    assert "Een naam mag geen puntkomma (;) bevatten" in response.text
    assert not Supplier.objects.exists()


def test_an_intake_with_a_semicolon_in_the_name_writes_nothing(procurement):
    response = client_for(procurement).post(
        reverse("register:procurement_intake"),
        {"name": "Lezen; Schrijven", "supplier_name": "App BV", "intended_use": "Lezen"},
    )
    assert "Een naam mag geen puntkomma (;) bevatten" in response.text
    assert not Product.objects.exists() and not Supplier.objects.exists()


def test_an_imported_name_with_a_semicolon_is_an_error_on_its_row(tmp_path):
    result = import_workbook(
        write_workbook(
            tmp_path / "w.xlsx",
            {
                "Leveranciers": [["Naam"], ["Leerwerk"]],
                "Producten": [
                    ["Naam", "Leverancier", "Status"],
                    ["Taal", "Leerwerk", "in_gebruik"],
                    ["Rekenen; Taal", "Leerwerk", "in_gebruik"],
                ],
            },
        )
    )
    assert not result.applied
    assert any(e.startswith("Producten!row 3") and "puntkomma" in e for e in result.errors), (
        result.errors
    )
    assert not Product.objects.exists()


def test_a_product_whose_name_holds_a_slash_keeps_its_agreement_through_a_round_trip(tmp_path):
    """ "Taal / Rekenen" of Leerwerk must not come back as the product Rekenen of the supplier
    Taal: the export writes it as `Leerwerk / Taal / Rekenen`."""
    book = tmp_path / "register.xlsx"
    with transaction.atomic():
        slashed = make_product("Taal / Rekenen", supplier=make_supplier("Leerwerk"))
        make_product("Rekenen", supplier=make_supplier("Taal"))
        make_agreement([slashed], reference="VO-SLASH")
        call_command("export_register", str(book))
        transaction.set_rollback(True)
    result = import_workbook(book)
    assert result.errors == []
    linked = Agreement.objects.get(reference="VO-SLASH").products.get()
    assert (linked.supplier.name, linked.name) == ("Leerwerk", "Taal / Rekenen")
