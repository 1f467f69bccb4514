"""The sheet Attributen (DESIGN.md 11.4): the vocabulary in the workbook, imported before the
sheets that name attributes, exported, and back again unchanged."""

from __future__ import annotations

import pytest

from register.workbook import import_workbook
from register.workbook.export import export_register
from suppliers.models import Attribute, DataFlow
from tests.conftest import make_product, make_supplier

from .conftest import as_dicts, read_sheets, write_workbook

pytestmark = pytest.mark.django_db

HEADER = ["Code", "Label", "Categorie", "Standaard", "Gevoelig", "Bijzonder", "ARP"]


def test_a_new_attribute_is_usable_by_the_sheets_after_it_in_the_same_workbook(tmp_path):
    make_product("P", supplier=make_supplier("S"))
    path = write_workbook(
        tmp_path / "w.xlsx",
        {
            # The flow comes first in the file: the import still reads Attributen first.
            "Gegevensstromen": [
                ["Product", "Leverancier", "Attribuut", "Kanaal"],
                ["P", "S", "schoenmaat", "handmatig"],
            ],
            "Attributen": [
                HEADER,
                ["schoenmaat", "Schoenmaat", "Bijzonder", "Eigen (bestuur)", "ja", "nee", None],
            ],
        },
    )
    result = import_workbook(path)
    assert result.errors == []
    attribute = Attribute.objects.get(code="schoenmaat")
    assert (attribute.label, attribute.category, attribute.standard) == (
        "Schoenmaat",
        "bijzonder",
        "eigen",
    )
    assert (attribute.sensitive, attribute.special, attribute.needs_arp) == (True, False, False)
    assert DataFlow.objects.get().attribute == attribute
    assert attribute.history.count() == 1


def test_an_existing_attribute_is_updated_and_an_empty_cell_keeps_its_value(tmp_path):
    path = write_workbook(
        tmp_path / "w.xlsx",
        {"Attributen": [HEADER, ["eckId", "ECK iD", None, None, None, None, None]]},
    )
    assert import_workbook(path).errors == []
    eck = Attribute.objects.get(code="eckId")
    assert (eck.label, eck.category, eck.standard, eck.needs_arp) == (
        "ECK iD",
        "identificatie",
        "entree",
        True,
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ["ECKID", "Dubbel", "naam"],
            "Attributen!row 2: Er is al een attribuut met de code “eckId”",
        ),
        (["geen", "Niets", "naam"], "Attributen!row 2: “geen” betekent in de werkmap"),
        (["schoen maat", "X", "naam"], "Attributen!row 2: Code: Een code begint met een letter"),
        (["schoenmaat", "X", None], "Attributen!row 2: Categorie: "),
        (["schoenmaat", None, "naam"], "Attributen!row 2: “Label” is leeg"),
    ],
)
def test_a_bad_row_is_refused_with_sheet_and_row(tmp_path, row, message):
    before = Attribute.objects.count()
    path = write_workbook(tmp_path / "w.xlsx", {"Attributen": [HEADER[:3], row]})
    result = import_workbook(path)
    assert not result.applied
    assert len(result.errors) == 1 and result.errors[0].startswith(message), result.errors
    assert Attribute.objects.count() == before


def test_the_vocabulary_round_trips_through_the_workbook(tmp_path):
    Attribute.objects.create(
        code="schoenmaat",
        label="Schoenmaat",
        category="bijzonder",
        standard="eigen",
        sensitive=True,
        special=True,
        needs_arp=True,
        sort_order=9999,
    )
    first = tmp_path / "first.xlsx"
    export_register(first)
    rows = as_dicts(read_sheets(first), "Attributen")
    assert len(rows) == Attribute.objects.count()
    assert rows[-1] == {
        "Code": "schoenmaat",
        "Label": "Schoenmaat",
        "Categorie": "Bijzondere of gevoelige gegevens",
        "Standaard": "Eigen (bestuur)",
        "Gevoelig": "ja",
        "Bijzonder": "ja",
        "ARP": "ja",
    }
    # Into a register without the board's attribute: it comes back as it was.
    Attribute.objects.filter(code="schoenmaat").delete()
    result = import_workbook(first)
    assert result.errors == []
    assert [c.label for c in result.created] == ["schoenmaat"]
    second = tmp_path / "second.xlsx"
    export_register(second)
    assert read_sheets(second)["Attributen"] == read_sheets(first)["Attributen"]
    # And once more into the same register: nothing changes.
    assert import_workbook(second).changes == []
