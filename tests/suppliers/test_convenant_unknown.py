"""Convenant status `onbekend` (DESIGN.md 11.2): a status nobody gave is not "geen"."""

import pytest
from django.urls import reverse

from register.workbook import import_workbook
from suppliers.models import Supplier
from tests.workbook.conftest import write_workbook

from ..conftest import client_for, make_supplier

pytestmark = pytest.mark.django_db


def test_a_new_supplier_is_onbekend_until_someone_says_otherwise():
    supplier = make_supplier("Nieuw BV")
    assert supplier.convenant == "onbekend"
    assert supplier.get_convenant_display() == "Onbekend"


def test_the_create_form_offers_onbekend_and_selects_it(privacy_officer):
    text = client_for(privacy_officer).get(reverse("suppliers:supplier_create")).text
    assert '<option value="onbekend" selected>Onbekend</option>' in text
    assert '<option value="geen">Geen</option>' in text


def test_the_list_shows_and_filters_onbekend(reader):
    make_supplier("Alfa", convenant="onbekend")
    make_supplier("Beta", convenant="geen")
    text = (
        client_for(reader).get(reverse("suppliers:supplier_list"), {"convenant": "onbekend"}).text
    )
    assert "Alfa" in text and "Beta" not in text
    assert "Onbekend" in text


def test_an_empty_convenant_cell_imports_as_onbekend_not_geen(tmp_path):
    make_supplier("Bekend BV", convenant="deelnemer")
    path = write_workbook(
        tmp_path / "w.xlsx",
        {
            "Leveranciers": [
                ["Naam", "Convenant"],
                ["Leeg BV", None],
                ["Bekend BV", ""],
                ["Gezegd BV", "Onbekend"],
                ["Nee BV", "geen"],
            ]
        },
    )
    result = import_workbook(path)
    assert result.applied, result.errors
    assert dict(Supplier.objects.values_list("name", "convenant")) == {
        "Leeg BV": "onbekend",
        "Bekend BV": "onbekend",
        "Gezegd BV": "onbekend",
        "Nee BV": "geen",
    }


def test_a_sheet_without_the_convenant_column_keeps_the_status(tmp_path):
    make_supplier("Bekend BV", convenant="deelnemer")
    path = write_workbook(
        tmp_path / "w.xlsx", {"Leveranciers": [["Naam", "Website"], ["Bekend BV", ""]]}
    )
    assert import_workbook(path).applied
    assert Supplier.objects.get().convenant == "deelnemer"
