"""Links to a record's page (suppliers/links.py): the address `reverse()` gives, made once
per page kind."""

from __future__ import annotations

import pytest
from django.urls import reverse, set_script_prefix

from suppliers.links import detail_url, page_url

from ..conftest import client_for, make_product

PAGES = [
    "suppliers:supplier_detail",
    "suppliers:product_detail",
    "agreements:agreement_detail",
    "register:activity_detail",
]


@pytest.mark.parametrize("view_name", PAGES)
@pytest.mark.parametrize("pk", [1, 7, 2147483647, 12345678901])
def test_the_link_is_the_address_reverse_gives(view_name, pk):
    assert detail_url(view_name, pk) == reverse(view_name, args=[pk])


@pytest.mark.parametrize("view_name", ["dashboard", "suppliers:product_list", "register:level"])
def test_a_page_link_is_the_address_reverse_gives(view_name):
    assert page_url(view_name) == reverse(view_name)


def test_the_link_follows_the_address_the_register_is_served_under():
    try:
        set_script_prefix("/privacy/")
        assert detail_url("suppliers:product_detail", 5) == "/privacy/leveranciers/producten/5/"
        assert page_url("suppliers:product_list") == "/privacy/leveranciers/producten/"
    finally:
        set_script_prefix("/")
    assert detail_url("suppliers:product_detail", 5) == "/leveranciers/producten/5/"
    assert page_url("suppliers:product_list") == "/leveranciers/producten/"


@pytest.mark.django_db
def test_a_record_links_to_its_page(reader):
    product = make_product("Rekenrijk")
    page = client_for(reader).get(product.get_absolute_url())
    assert page.status_code == 200 and "Rekenrijk" in page.text
