"""The exported workbook reads as Dutch for people (issue 17): flag labels before codes,
attribute labels first, the level at the top of Niveau, a title and the export time."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from register.demo import load_demo
from register.models import Organisation
from register.rules.level import compute_level
from register.workbook.export import export_register

from .conftest import as_dicts, read_sheets

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_export(tmp_path):
    load_demo()
    path = tmp_path / "register.xlsx"
    export_register(path)
    return path


def test_signaleringen_shows_the_label_first_and_the_code_in_the_last_column(demo_export):
    sheets = read_sheets(demo_export)
    header = sheets["Signaleringen"][0]
    assert header[0] == "Signalering" and header[-1] == "Code"
    rows = as_dicts(sheets, "Signaleringen")
    by_code = {row["Code"]: row for row in rows}
    assert by_code["no_agreement"]["Signalering"] == "Geen verwerkersovereenkomst"
    exceeding = by_code["flow_exceeds_agreement"]
    # An attribute by its label first, its code after it.
    assert exceeding["Attribuut"].endswith(")") and "(" in exceeding["Attribuut"]
    label, code = exceeding["Attribuut"][:-1].rsplit(" (", 1)
    assert label and code and label != code


def test_the_niveau_sheet_states_the_current_level_at_the_top(demo_export):
    first = as_dicts(read_sheets(demo_export), "Niveau")[0]
    level = compute_level()
    assert first["Niveau"] == level.level
    assert first["Criterium"] == f"Huidig niveau (geadviseerd minimum: {level.advised_level})"
    assert f"niveau {level.level} van 5" in first["Toelichting"]
    assert first["Voldaan"] == ("ja" if level.level >= level.advised_level else "nee")


def test_the_attributen_sheet_puts_the_label_before_the_code(demo_export):
    header = read_sheets(demo_export)["Attributen"][0]
    assert header.index("Label") < header.index("Code")


def test_the_workbook_has_a_title_and_says_when_it_was_exported(demo_export):
    properties = load_workbook(demo_export).properties
    assert properties.title == f"Verwerkingsregister {Organisation.load().name}"
    assert properties.subject.startswith("Geëxporteerd op ")
    assert properties.creator == "Privacyregister"
