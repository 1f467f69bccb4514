"""Flags, the level and the procurement check through the API: the same JSON as the
management commands (`flags --json`, `condition_level --json`, `check_product --json`) and the
same verdict as the Inkoopcheck page, on the demo board."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from register.demo import load_demo
from suppliers.models import Product

from ..conftest import client_for
from .conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    load_demo()


def command_json(*args) -> object:
    out = StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


def all_flags(client, query: str = "") -> list[dict]:
    response = client.get(f"/api/v1/flags/?page_size=200{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return body["results"]


def test_the_flags_are_those_of_flags_json_in_the_same_order(demo, reader):
    assert all_flags(token_client(reader)) == command_json("flags")


FILTERS = [
    ("&severity=high", lambda f: f["severity"] == "high"),
    ("&code=flow_exceeds_agreement", lambda f: f["code"] == "flow_exceeds_agreement"),
    (
        "&missing=true",
        lambda f: f["code"] in {"no_agreement", "not_approved", "approval_outdated", "expired"},
    ),
    ("&severity=low&code=no_document", lambda f: f["code"] == "no_document"),
]


def test_the_flags_filter_like_the_dashboard(demo, reader):
    everything = command_json("flags")
    client, browser = token_client(reader), client_for(reader)
    for query, keep in FILTERS:
        expected = [f for f in everything if keep(f)]
        assert all_flags(client, query) == expected, query
        # The dashboard shows as many for the same filter.
        page = browser.get(reverse("dashboard") + "?" + query[1:].replace("true", "1"))
        assert page.context["shown_count"] == len(expected), query


def test_an_unknown_flag_filter_is_a_dutch_400(demo, reader):
    response = token_client(reader).get("/api/v1/flags/?code=bestaat_niet")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "ongeldige keuze" in body["errors"]["code"][0]


def test_the_level_is_that_of_condition_level_json(demo, privacy_officer):
    response = token_client(privacy_officer).get("/api/v1/level/")
    assert response.status_code == 200
    assert response.json() == command_json("condition_level")


CHECKS = [
    ("Spellingsterk", None),  # conditional: flows beyond the agreement
    ("spellingsterk ", None),  # names match case-insensitively, trimmed
    ("Onbekend Leermiddel", None),  # unknown: how to file an intake
    ("Spellingsterk", "Leerwerk Educatief"),
]


def test_the_procurement_check_gives_the_verdict_of_check_product(demo, procurement):
    client = token_client(procurement)
    for product, supplier in CHECKS:
        query = {"product": product, **({"supplier": supplier} if supplier else {})}
        response = client.get("/api/v1/procurement-check/", query)
        assert response.status_code == 200
        args = ["check_product", product] + (["--supplier", supplier] if supplier else [])
        assert response.json() == command_json(*args), query


def test_the_procurement_check_matches_the_page_for_every_demo_product(demo, procurement):
    client = token_client(procurement)
    page = client_for(procurement)
    for product in Product.objects.select_related("supplier"):
        query = {"product": product.name, "supplier": product.supplier.name}
        api = client.get("/api/v1/procurement-check/", query).json()
        shown = page.get(
            reverse("register:procurement_check"),
            {"q": product.name, "supplier": query["supplier"]},
        ).context["verdict"]
        assert (api["verdict"], api["reasons"]) == (shown.verdict, list(shown.reasons)), product


def test_the_procurement_check_needs_a_product_name(reader):
    response = token_client(reader).get("/api/v1/procurement-check/")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "product" in response.json()["errors"]
