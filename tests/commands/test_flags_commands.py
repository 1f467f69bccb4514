"""`flags` and `check_product` (DESIGN.md section 8): JSON shapes and exit codes."""

import datetime
import json

import pytest
from django.core.management import call_command

from agreements.models import AgreementStatus
from register.demo import load_demo

from ..conftest import make_agreement, make_flow, make_product, make_supplier

pytestmark = pytest.mark.django_db

FLAG_KEYS = {
    "code",
    "severity",
    "product",
    "supplier",
    "agreement",
    "attribute",
    "activity",
    "message",
}


def run(*args, capsys) -> str:
    call_command(*args)  # raises SystemExit on a non-zero exit
    return capsys.readouterr().out


def test_flags_json_prints_only_a_list_with_the_contract_keys(capsys):
    load_demo()
    capsys.readouterr()
    data = json.loads(run("flags", "--json", capsys=capsys))
    assert isinstance(data, list) and data
    assert all(set(item) == FLAG_KEYS for item in data)
    assert {
        "code": "flow_exceeds_agreement",
        "severity": "high",
        "product": "Spellingsterk",
        "supplier": "Leerwerk Educatief",
        "agreement": "VWO-2024-002",
        "attribute": "geboortedatum",
        "activity": None,
    }.items() <= next(i for i in data if i["code"] == "flow_exceeds_agreement").items()
    incomplete = [i for i in data if i["activity"]]
    assert incomplete[0]["product"] is None and incomplete[0]["supplier"] is None


def test_flags_json_on_an_empty_register_is_an_empty_list(capsys):
    assert json.loads(run("flags", "--json", capsys=capsys)) == []


def test_flags_in_text_names_code_and_subject(capsys):
    make_product(name="Muziekmaker", supplier=make_supplier("Muziekles Online"))
    out = run("flags", capsys=capsys)
    assert "no_agreement: Muziekles Online / Muziekmaker" in out
    assert "[hoog]" in out
    from register.rules import compute_flags

    assert out.strip().splitlines()[-1] == f"{len(compute_flags())} open signaleringen."


def test_check_product_json_has_the_contract_keys(capsys):
    product = make_product(name="Rekenrijk", supplier=make_supplier("Noorderlicht"))
    make_flow(product, "eckId")
    make_agreement(
        [product],
        status=AgreementStatus.APPROVED,
        attributes=("eckId",),
        reference="VO-1",
        signed_on=datetime.date(2026, 1, 1),
    )
    data = json.loads(run("check_product", " rekenrijk ", "--json", capsys=capsys))
    assert data == {
        "product": "Rekenrijk",
        "supplier": "Noorderlicht",
        "verdict": "allowed",
        "reasons": data["reasons"],
        "agreement": "VO-1",
    }
    assert len(data["reasons"]) == 1 and "VO-1" in data["reasons"][0]


def test_check_product_exits_0_for_an_unknown_tool(capsys):
    data = json.loads(run("check_product", "Bestaat Niet", "--json", capsys=capsys))
    assert data["verdict"] == "unknown" and data["product"] is None
    out = run("check_product", "Bestaat Niet", capsys=capsys)
    assert "Onbekend" in out and "intake" in out


def test_check_product_with_supplier_picks_among_namesakes(capsys):
    make_product(name="Klok", supplier=make_supplier("Alfa"), processes_personal_data=False)
    make_product(name="Klok", supplier=make_supplier("Beta"))
    ambiguous = json.loads(run("check_product", "Klok", "--json", capsys=capsys))
    assert ambiguous["verdict"] == "unknown" and "--supplier" in ambiguous["reasons"][0]
    data = json.loads(run("check_product", "Klok", "--supplier", "beta", "--json", capsys=capsys))
    assert data["verdict"] == "blocked" and data["supplier"] == "Beta"
