"""Gegevensstromen!Betrokkene (DESIGN.md 11.2, 11.4): the parents' app sends `mail` of parents
and of pupils through one channel; both rows import, and nothing is lost on a round trip."""

from __future__ import annotations

import pytest

from register.workbook import import_workbook
from register.workbook.export import export_register
from suppliers.models import DataFlow

from ..conftest import make_flow, make_product, make_supplier
from .conftest import as_dicts, read_sheets, write_workbook

pytestmark = pytest.mark.django_db


def flows() -> set[tuple[str, str, str]]:
    return {
        (f.attribute.code, f.channel, f.subject)
        for f in DataFlow.objects.select_related("attribute")
    }


def suppliers_and_products() -> dict[str, list[list]]:
    return {
        "Leveranciers": [["Naam"], ["Ouderapp BV"]],
        "Producten": [["Naam", "Leverancier", "Status"], ["Ouderapp", "Ouderapp BV", "in_gebruik"]],
    }


def test_a_pupils_and_a_parents_row_through_one_channel_are_two_flows(tmp_path):
    sheets = {
        **suppliers_and_products(),
        "Gegevensstromen": [
            ["Product", "Leverancier", "Attribuut", "Kanaal", "Betrokkene"],
            ["Ouderapp", "Ouderapp BV", "mail", "direct", "leerling"],
            ["Ouderapp", "Ouderapp BV", "mail", "direct", "ouder"],
        ],
    }
    result = import_workbook(write_workbook(tmp_path / "w.xlsx", sheets))
    assert result.errors == []
    assert flows() == {("mail", "direct", "leerling"), ("mail", "direct", "ouder")}


@pytest.mark.parametrize("cell", ["Ouder", "OUDER", " ouder "])
def test_the_column_comes_in_any_order_and_case(tmp_path, cell):
    sheets = {
        **suppliers_and_products(),
        "Gegevensstromen": [
            ["BETROKKENE", "kanaal", "Attribuut", "leverancier", "Product"],
            [cell, "Directe koppeling", "mail", "Ouderapp BV", "Ouderapp"],
        ],
    }
    assert import_workbook(write_workbook(tmp_path / "w.xlsx", sheets)).errors == []
    assert flows() == {("mail", "direct", "ouder")}


def test_without_the_column_or_with_an_empty_cell_a_flow_is_a_pupils(tmp_path):
    sheets = {
        **suppliers_and_products(),
        "Gegevensstromen": [
            ["Product", "Leverancier", "Attribuut", "Kanaal"],
            ["Ouderapp", "Ouderapp BV", "eckId", "entree"],
        ],
    }
    assert import_workbook(write_workbook(tmp_path / "a.xlsx", sheets)).errors == []
    sheets["Gegevensstromen"] = [
        ["Product", "Leverancier", "Attribuut", "Kanaal", "Betrokkene"],
        ["Ouderapp", "Ouderapp BV", "mail", "direct", None],
    ]
    assert import_workbook(write_workbook(tmp_path / "b.xlsx", sheets)).errors == []
    assert flows() == {("eckId", "entree", "leerling"), ("mail", "direct", "leerling")}


def test_a_subject_outside_the_list_fails_with_sheet_and_row_and_writes_nothing(tmp_path):
    sheets = {
        **suppliers_and_products(),
        "Gegevensstromen": [
            ["Product", "Leverancier", "Attribuut", "Kanaal", "Betrokkene"],
            ["Ouderapp", "Ouderapp BV", "mail", "direct", "ouder"],
            ["Ouderapp", "Ouderapp BV", "mail", "direct", "grootouder"],
        ],
    }
    result = import_workbook(write_workbook(tmp_path / "w.xlsx", sheets))
    assert result.errors == [
        "Gegevensstromen!row 3: “grootouder” is geen geldige waarde voor Betrokkene; "
        "kies uit: Leerling, Ouder, Medewerker."
    ]
    assert not DataFlow.objects.exists()


def test_both_subjects_survive_a_round_trip(tmp_path):
    product = make_product(name="Ouderapp", supplier=make_supplier("Ouderapp BV"))
    make_flow(product, "mail", "direct", subject="leerling")
    make_flow(product, "mail", "direct", subject="ouder")
    make_flow(product, "givenName", "direct", subject="medewerker")
    path = tmp_path / "register.xlsx"
    export_register(path)
    rows = as_dicts(read_sheets(path), "Gegevensstromen")
    assert sorted((r["Attribuut"], r["Betrokkene"]) for r in rows) == [
        ("givenName", "Medewerker"),
        ("mail", "Leerling"),
        ("mail", "Ouder"),
    ]
    before = flows()
    # Back into the same register: nothing changes.
    result = import_workbook(path)
    assert result.errors == [] and result.changes == []
    # Into an empty register: the same three flows.
    DataFlow.objects.all().delete()
    assert import_workbook(path).errors == []
    assert flows() == before
