"""A broken workbook is refused whole, with every problem as `Sheet!row N: message`."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command

from agreements.models import Agreement, Document
from register.models import ProcessingActivity, School
from register.workbook import WorkbookUnreadable, import_workbook
from suppliers.models import Product, Supplier
from tests.conftest import make_agreement, make_product, make_supplier

from .conftest import MINIMAL_PDF, write_workbook

pytestmark = pytest.mark.django_db


def errors_for(tmp_path, sheets) -> list[str]:
    result = import_workbook(write_workbook(tmp_path / "w.xlsx", sheets))
    assert not result.applied
    return result.errors


def one_error(tmp_path, sheets) -> str:
    errors = errors_for(tmp_path, sheets)
    assert len(errors) == 1, errors
    return errors[0]


def test_a_required_cell_left_empty(tmp_path):
    error = one_error(tmp_path, {"Scholen": [["BRIN", "Naam"], ["12AB", "A"], ["34CD", None]]})
    assert error.startswith("Scholen!row 3: ")
    assert "Naam" in error


def test_a_sheet_whose_headers_are_below_an_empty_first_row_is_refused_not_skipped(tmp_path):
    """Its rows would be lost while the import said the sheet was empty."""
    error = one_error(
        tmp_path,
        {"Leveranciers": [[None, None], ["Naam", "Website"], ["Uitgeverij Nieuw", None]]},
    )
    assert error == (
        "Leveranciers!row 1: de eerste rij is leeg, maar rij 2 niet. Zet de kolomkoppen in "
        "rij 1: verwijder de lege rijen erboven."
    )
    assert not Supplier.objects.exists()


def test_cells_under_a_column_without_a_header_are_named_in_a_warning(tmp_path):
    path = write_workbook(
        tmp_path / "w.xlsx",
        {"Leveranciers": [["Naam", None, "Website"], ["Uitgeverij Nieuw", "vergeten", None]]},
    )
    result = import_workbook(path)
    assert result.errors == []
    assert 'Leveranciers: kolom "B" (zonder kop) wordt niet ingelezen' in result.warnings
    assert Supplier.objects.get().name == "Uitgeverij Nieuw"


def test_a_kenmerk_that_differs_only_in_case_is_refused_not_added(tmp_path):
    product = make_product("P", supplier=make_supplier("S"))
    make_agreement([product], reference="VO-1")
    header = ["Kenmerk", "Leverancier", "Producten", "Status"]
    error = one_error(tmp_path, {"Overeenkomsten": [header, ["vo-1", "S", "P", "concept"]]})
    assert error == (
        "Overeenkomsten!row 2: Kenmerk vo-1 verschilt alleen in hoofdletters van VO-1 in het "
        "register; neem het kenmerk precies over."
    )
    error = one_error(
        tmp_path,
        {"Overeenkomsten": [header, ["VO-2", "S", "P", "concept"], ["vo-2", "S", "P", "concept"]]},
    )
    assert error.startswith("Overeenkomsten!row 3: Kenmerk vo-2 staat ook al op rij 2")
    assert Agreement.objects.count() == 1


def test_a_wrong_choice_names_labels_that_hold_a_comma_unambiguously(tmp_path):
    error = one_error(tmp_path, {"Verwerkingen": [["Naam", "DPIA"], ["Toetsen", "misschien"]]})
    assert "kies uit: “Ja, uitgevoerd”, " in error, error


def test_a_required_column_that_is_missing(tmp_path):
    error = one_error(tmp_path, {"Producten": [["Naam", "Status"], ["P", "in_gebruik"]]})
    assert error.startswith("Producten!row 1: ")
    assert "Leverancier" in error


def test_an_unknown_supplier(tmp_path):
    error = one_error(
        tmp_path,
        {"Producten": [["Naam", "Leverancier", "Status"], ["P", "Onbekend BV", "in_gebruik"]]},
    )
    assert error.startswith("Producten!row 2: onbekende leverancier “Onbekend BV”")


def test_an_unknown_product(tmp_path):
    error = one_error(tmp_path, {"Verwerkingen": [["Naam", "Producten"], ["V", "Bestaat Niet"]]})
    assert error.startswith("Verwerkingen!row 2: onbekend product “Bestaat Niet”")


def test_a_bare_product_name_two_suppliers_share(tmp_path):
    make_product("Rekenen", supplier=make_supplier("A"))
    make_product("Rekenen", supplier=make_supplier("B"))
    error = one_error(tmp_path, {"Verwerkingen": [["Naam", "Producten"], ["V", "Rekenen"]]})
    assert error.startswith("Verwerkingen!row 2: product “Rekenen” bestaat bij meer dan één")
    assert "Leverancier / Product" in error


def test_an_unknown_agreement(tmp_path):
    error = one_error(
        tmp_path, {"Subverwerkers": [["Overeenkomst", "Naam"], ["VO-404", "Host BV"]]}
    )
    assert error.startswith("Subverwerkers!row 2: onbekende overeenkomst “VO-404”")


def test_an_unknown_attribute_code(tmp_path):
    product = make_product("P", supplier=make_supplier("S"))
    make_agreement([product], reference="VO-1")
    error = one_error(
        tmp_path,
        {
            "Gegevensstromen": [
                ["Product", "Leverancier", "Attribuut", "Kanaal"],
                ["P", "S", "eckId", "entree"],
                ["P", "S", "schoenmaat", "entree"],
            ]
        },
    )
    assert error.startswith("Gegevensstromen!row 3: onbekende attribuutcode “schoenmaat”")
    error = one_error(
        tmp_path,
        {"Bijsluiters": [["Overeenkomst", "Product", "Attributen"], ["VO-1", "P", "eckId; xyz"]]},
    )
    assert error.startswith("Bijsluiters!row 2: onbekende attribuutcode(s) in Attributen: xyz")


def test_a_value_outside_its_enumeration(tmp_path):
    make_supplier("S")
    error = one_error(
        tmp_path,
        {"Producten": [["Naam", "Leverancier", "Status"], ["P", "S", "misschien"]]},
    )
    assert error.startswith("Producten!row 2: “misschien” is geen geldige waarde voor Status")
    assert "In gebruik" in error


def test_an_unreadable_date(tmp_path):
    product = make_product("P", supplier=make_supplier("S"))
    error = one_error(
        tmp_path,
        {
            "Overeenkomsten": [
                ["Kenmerk", "Leverancier", "Producten", "Status", "Ingangsdatum"],
                ["VO-1", "S", product.name, "concept", "31-02-2025"],
            ]
        },
    )
    assert error.startswith("Overeenkomsten!row 2: “31-02-2025” in Ingangsdatum is geen leesbare")


def test_an_end_date_before_the_start_date(tmp_path):
    make_product("P", supplier=make_supplier("S"))
    error = one_error(
        tmp_path,
        {
            "Overeenkomsten": [
                ["Kenmerk", "Leverancier", "Producten", "Status", "Ingangsdatum", "Einddatum"],
                ["VO-1", "S", "P", "concept", "2025-06-01", "2025-01-01"],
            ]
        },
    )
    assert error.startswith("Overeenkomsten!row 2: de Einddatum (2025-01-01) ligt vóór")


def test_an_approval_without_its_date_and_fg(tmp_path):
    make_product("P", supplier=make_supplier("S"))
    error = one_error(
        tmp_path,
        {
            "Overeenkomsten": [
                ["Kenmerk", "Leverancier", "Producten", "Status"],
                ["VO-1", "S", "P", "goedgekeurd"],
            ]
        },
    )
    assert error.startswith("Overeenkomsten!row 2: bij status goedgekeurd horen “FG-besluit op”")


@pytest.mark.parametrize(
    "sheet, rows, label",
    [
        ("Scholen", [["BRIN", "Naam"], ["12AB", "A"], ["12ab", "B"]], "BRIN 12AB"),
        ("Leveranciers", [["Naam"], ["Lev"], ["LEV "]], "Leverancier LEV"),
        (
            "Producten",
            [
                ["Naam", "Leverancier", "Status"],
                ["P", "S", "in_gebruik"],
                ["p", "s", "voorgesteld"],
            ],
            "s / p",
        ),
        (
            "Overeenkomsten",
            [
                ["Kenmerk", "Leverancier", "Producten", "Status"],
                ["VO-1", "S", "P", "concept"],
                ["VO-1", "S", "P", "concept"],
            ],
            "Kenmerk VO-1",
        ),
        ("Verwerkingen", [["Naam"], ["Oefenen"], ["oefenen"]], "oefenen"),
    ],
)
def test_a_key_that_appears_twice_in_one_sheet(tmp_path, sheet, rows, label):
    make_product("P", supplier=make_supplier("S"))
    error = one_error(tmp_path, {sheet: rows})
    assert error == (
        f"{sheet}!row 3: {label} staat ook al op rij 2; elke sleutel mag maar één keer voorkomen."
    )


def documents_workbook(tmp_path, location: str):
    product = make_product("P", supplier=make_supplier("S"))
    make_agreement([product], reference="VO-1")
    return {"Documenten": [["Overeenkomst", "Bestand"], ["VO-1", location]]}


@pytest.mark.parametrize("location", ["../geheim.pdf", "docs/../../geheim.pdf", "/etc/passwd"])
def test_a_document_path_outside_the_workbooks_folder(tmp_path, location):
    (tmp_path.parent / "geheim.pdf").write_bytes(MINIMAL_PDF)
    error = one_error(tmp_path, documents_workbook(tmp_path, location))
    assert error.startswith(f"Documenten!row 2: Bestand “{location}” ligt buiten de map")
    assert not Document.objects.exists()


def test_a_symlink_that_leaves_the_workbooks_folder(tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-buiten.pdf"
    outside.write_bytes(MINIMAL_PDF)
    os.symlink(outside, tmp_path / "link.pdf")
    error = one_error(tmp_path, documents_workbook(tmp_path, "link.pdf"))
    assert error.startswith("Documenten!row 2: Bestand “link.pdf” verwijst naar een plek buiten")


def test_a_document_that_is_not_a_pdf(tmp_path):
    (tmp_path / "vo.pdf").write_bytes(b"MZ\x90\x00 this is an executable")
    error = one_error(tmp_path, documents_workbook(tmp_path, "vo.pdf"))
    assert error.startswith("Documenten!row 2: Bestand “vo.pdf”: Dit bestand is geen PDF")


def test_a_document_that_is_missing(tmp_path):
    error = one_error(tmp_path, documents_workbook(tmp_path, "docs/weg.pdf"))
    assert error.startswith("Documenten!row 2: Bestand “docs/weg.pdf” is niet gevonden")


def test_every_error_is_reported_not_just_the_first_and_nothing_is_written(tmp_path):
    make_supplier("Bestaand")
    errors = errors_for(
        tmp_path,
        {
            "Scholen": [["BRIN", "Naam"], ["99XY", "Nieuwe school"]],
            "Leveranciers": [["Naam", "Convenant"], ["Nieuw BV", "deelnemer"], ["X", "soms"]],
            "Producten": [
                ["Naam", "Leverancier", "Status"],
                ["Nieuw product", "Nieuw BV", "in_gebruik"],
                ["Ander product", "Niemand", "in_gebruik"],
            ],
            "Verwerkingen": [["Naam", "Grondslag"], ["V1", "toestemming"], ["V2", "omdat het kan"]],
        },
    )
    assert [e.split(":")[0] for e in errors] == [
        "Leveranciers!row 3",
        "Producten!row 3",
        "Verwerkingen!row 3",
    ]
    assert not School.objects.exists()
    assert list(Supplier.objects.values_list("name", flat=True)) == ["Bestaand"]
    assert not Product.objects.exists() and not ProcessingActivity.objects.exists()
    assert Supplier.history.count() == 1


def test_a_row_refused_by_model_validation_is_reported_with_its_column(tmp_path):
    error = one_error(tmp_path, {"Leveranciers": [["Naam", "KvK-nummer"], ["Lev", "12AB"]]})
    assert error.startswith("Leveranciers!row 2: KvK-nummer: ")


def test_a_file_that_is_not_a_workbook_is_refused_in_plain_words(tmp_path):
    path = tmp_path / "w.xlsx"
    path.write_bytes(b"Naam;Contact\nStichting;x\n")
    with pytest.raises(WorkbookUnreadable, match="geen leesbare Excel-werkmap"):
        import_workbook(path)


def test_the_command_prints_every_error_writes_nothing_and_exits_1(tmp_path, capsys):
    path = write_workbook(
        tmp_path / "w.xlsx",
        {"Leveranciers": [["Naam", "Convenant"], ["A", "soms"], [None, "geen"]]},
    )
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_workbook", str(path))
    assert exit_info.value.code == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == ["Leveranciers!row 2", "Leveranciers!row 3"]
    assert not Supplier.objects.exists()
    assert not Agreement.objects.exists()


def test_a_data_flow_of_an_unknown_supplier_names_the_supplier(tmp_path):
    error = one_error(
        tmp_path,
        {
            "Gegevensstromen": [
                ["Product", "Leverancier", "Attribuut", "Kanaal"],
                ["P", "Niemand BV", "eckId", "entree"],
            ]
        },
    )
    assert error.startswith("Gegevensstromen!row 2: onbekende leverancier “Niemand BV”")
