"""A new board's dashboard: an empty register is not "op orde"; it says how to fill it."""

import pytest
from django.urls import reverse

from ..conftest import client_for, make_product

pytestmark = pytest.mark.django_db


def test_an_empty_register_is_not_declared_in_order_but_says_how_to_fill_it(
    privacy_officer, reader
):
    page = client_for(privacy_officer).get(reverse("dashboard")).content.decode()
    assert "Het register is nog leeg" in page
    assert "op orde" not in page
    assert "heeft een geldende, goedgekeurde overeenkomst" not in page
    for step in (
        "register:organisation_edit",
        "suppliers:supplier_create",
        "register:workbook_import",
    ):
        assert f'href="{reverse(step)}"' in page
    # A reader reads the steps without links to forms they may not use.
    page = client_for(reader).get(reverse("dashboard")).content.decode()
    assert "Het register is nog leeg" in page
    assert reverse("suppliers:supplier_create") not in page


def test_with_a_product_the_dashboard_shows_the_flags_again(privacy_officer):
    make_product("Rekentuin")
    page = client_for(privacy_officer).get(reverse("dashboard")).content.decode()
    assert "Het register is nog leeg" not in page
    assert "Producten zonder goedgekeurde overeenkomst" in page
