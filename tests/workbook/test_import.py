"""Importing a workbook: natural keys, lenient reading, decisions, documents, idempotency."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from agreements.models import Agreement, AgreementStatus, Document, Review
from register.models import Organisation, ProcessingActivity, School
from register.rules import compute_flags
from register.workbook import OUTDATED_FINGERPRINT, import_workbook
from register.workbook.export import export_register
from suppliers.models import DataFlow, Product, Supplier
from tests.conftest import make_product, make_supplier

from .conftest import MINIMAL_PDF, read_sheets, write_workbook

pytestmark = pytest.mark.django_db


def history_rows() -> int:
    models = [Organisation, School, Supplier, Product, Agreement, Review, Document]
    models += [DataFlow, ProcessingActivity]
    return sum(m.history.count() for m in models)


def small_workbook() -> dict[str, list[list]]:
    return {
        "Organisatie": [
            ["Naam", "Contact", "FG", "FG-contact"],
            ["Stichting Test", "Dorpsstraat 1", "Fenna FG", "fg@test.example"],
        ],
        "Scholen": [["BRIN", "Naam", "Sector"], ["12AB", "De Linde", "po"]],
        "Leveranciers": [
            ["Naam", "KvK-nummer", "Convenant"],
            ["Uitgeverij Test", "12345678", "deelnemer"],
        ],
        "Producten": [
            ["Naam", "Leverancier", "Soort", "Status", "Scholen"],
            ["Rekenen Online", "Uitgeverij Test", "leermiddel", "in_gebruik", "12AB"],
        ],
        "Overeenkomsten": [
            [
                "Kenmerk",
                "Leverancier",
                "Producten",
                "Ingangsdatum",
                "Einddatum",
                "Attributen",
                "Status",
                "FG-besluit op",
                "FG",
            ],
            [
                "VO-1",
                "Uitgeverij Test",
                "Rekenen Online",
                "2025-01-01",
                "2027-12-31",
                "eckId; givenName",
                "goedgekeurd",
                "2025-01-15",
                "Fenna FG",
            ],
        ],
        "Gegevensstromen": [
            ["Product", "Leverancier", "Attribuut", "Kanaal"],
            ["Rekenen Online", "Uitgeverij Test", "eckId", "entree"],
        ],
        "Verwerkingen": [
            ["Naam", "Grondslag", "Producten"],
            ["Oefenen", "algemeen_belang", "Rekenen Online"],
        ],
    }


def test_a_workbook_fills_an_empty_register(tmp_path):
    path = write_workbook(tmp_path / "w.xlsx", small_workbook())
    result = import_workbook(path)
    assert result.errors == []
    assert Organisation.objects.get().fg_name == "Fenna FG"
    product = Product.objects.get(name="Rekenen Online")
    assert product.supplier.name == "Uitgeverij Test"
    assert [s.brin for s in product.schools.all()] == ["12AB"]
    agreement = Agreement.objects.get(reference="VO-1")
    assert agreement.ends_on == datetime.date(2027, 12, 31)
    assert sorted(a.code for a in agreement.attributes.all()) == ["eckId", "givenName"]
    assert agreement.status == AgreementStatus.APPROVED
    assert DataFlow.objects.filter(product=product, attribute__code="eckId").exists()
    assert list(ProcessingActivity.objects.get().products.all()) == [product]


def test_an_imported_approval_is_a_review_marked_imported_and_fingerprinted(tmp_path):
    import_workbook(write_workbook(tmp_path / "w.xlsx", small_workbook()))
    agreement = Agreement.objects.with_fingerprint_content().get(reference="VO-1")
    review = agreement.reviews.get()
    assert review.imported
    assert review.reviewer_name == "Fenna FG"
    assert review.decided_at.date() == datetime.date(2025, 1, 15)
    assert agreement.approval_matches_content()


def test_akkoord_actueel_nee_imports_an_approval_that_no_longer_matches(tmp_path):
    sheets = small_workbook()
    sheets["Overeenkomsten"][0].append("Akkoord actueel")
    sheets["Overeenkomsten"][1].append("nee")
    import_workbook(write_workbook(tmp_path / "w.xlsx", sheets))
    agreement = Agreement.objects.with_fingerprint_content().get(reference="VO-1")
    assert agreement.reviews.get().fingerprint == OUTDATED_FINGERPRINT
    assert agreement.changed_since_approval()


def test_reimporting_the_same_workbook_changes_nothing_and_writes_no_history(tmp_path):
    path = write_workbook(tmp_path / "w.xlsx", small_workbook())
    import_workbook(path)
    before = history_rows()
    reviews = Review.objects.count()
    result = import_workbook(path)
    assert result.errors == [] and result.changes == []
    assert history_rows() == before
    assert Review.objects.count() == reviews


def test_a_changed_value_is_saved_once_and_shows_in_the_history(tmp_path):
    sheets = small_workbook()
    import_workbook(write_workbook(tmp_path / "w.xlsx", sheets))
    sheets["Verwerkingen"][0].append("Bewaartermijn")
    sheets["Verwerkingen"][1].append("Tot einde schooljaar")
    result = import_workbook(write_workbook(tmp_path / "w2.xlsx", sheets))
    assert [(c.sheet, c.action, c.fields) for c in result.changes] == [
        ("Verwerkingen", "changed", ["Bewaartermijn"])
    ]
    activity = ProcessingActivity.objects.get()
    assert activity.retention == "Tot einde schooljaar"
    latest, previous = activity.history.all()[:2]
    delta = latest.diff_against(previous, excluded_fields=["version", "updated_at"])
    assert [c.field for c in delta.changes] == ["retention"]


def test_columns_in_any_order_headers_in_any_case_and_empty_rows_are_accepted(tmp_path):
    path = write_workbook(
        tmp_path / "w.xlsx",
        {
            "leveranciers": [
                ["CONVENANT", " naam "],
                ["Medestander", "Leverancier A"],
                [None, None],
                ["", "  "],
                ["geen", "Leverancier B"],
            ]
        },
    )
    result = import_workbook(path)
    assert result.errors == []
    assert dict(Supplier.objects.values_list("name", "convenant")) == {
        "Leverancier A": "medestander",
        "Leverancier B": "geen",
    }


@pytest.mark.parametrize(
    "written", ["in_gebruik", "In gebruik", "IN GEBRUIK", "in gebruik", "In_Gebruik"]
)
def test_an_enumeration_is_read_by_code_code_with_spaces_or_label_in_any_case(tmp_path, written):
    make_supplier("Lev")
    path = write_workbook(
        tmp_path / "w.xlsx",
        {"Producten": [["Naam", "Leverancier", "Status", "Soort"], ["P", "lev", written, "LAS"]]},
    )
    assert import_workbook(path).errors == []
    product = Product.objects.get(name="P")
    assert product.status == "in_gebruik"
    assert product.kind == "las"


def test_a_label_in_any_case_is_accepted_for_an_enumeration(tmp_path):
    make_supplier("Lev")
    path = write_workbook(
        tmp_path / "w.xlsx",
        {
            "Producten": [
                ["Naam", "Leverancier", "Status", "Soort", "Toegang"],
                ["P", "Lev", "uitgefaseerd", "leerlingadministratie (las)", "EDU-V / UWLR"],
            ]
        },
    )
    assert import_workbook(path).errors == []
    product = Product.objects.get(name="P")
    assert (product.kind, product.access_channel, product.status) == ("las", "eduv", "uitgefaseerd")


def test_a_product_can_be_named_as_supplier_slash_product(tmp_path):
    make_product("Rekenen", supplier=make_supplier("A"))
    make_product("Rekenen", supplier=make_supplier("B"))
    path = write_workbook(
        tmp_path / "w.xlsx",
        {"Verwerkingen": [["Naam", "Producten"], ["Oefenen", "B / Rekenen ;  A / rekenen"]]},
    )
    assert import_workbook(path).errors == []
    names = sorted(str(p) for p in ProcessingActivity.objects.get().products.all())
    assert names == ["A / Rekenen", "B / Rekenen"]


def test_formula_like_names_survive_export_and_import(tmp_path):
    supplier = make_supplier("=cmd|' /C calc'!A0")
    make_product("@Rekenen", supplier=supplier)
    ProcessingActivity.objects.create(name="-Oefenen", purposes="+doel")
    path = tmp_path / "register.xlsx"
    export_register(path)
    sheets = read_sheets(path)
    assert ("@Rekenen", "=cmd|' /C calc'!A0") == sheets["Producten"][1][:2]
    result = import_workbook(path)
    assert result.errors == [] and result.changes == []
    # And into an empty register: the same names come back.
    Product.objects.all().delete()
    ProcessingActivity.objects.all().delete()
    Supplier.objects.all().delete()
    assert import_workbook(path).errors == []
    assert Supplier.objects.get().name == "=cmd|' /C calc'!A0"
    assert Product.objects.get().name == "@Rekenen"
    assert ProcessingActivity.objects.get().purposes == "+doel"


def test_a_document_is_stored_like_an_upload_and_a_known_hash_is_left_alone(tmp_path):
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "vo-1.pdf").write_bytes(MINIMAL_PDF)
    sheets = small_workbook()
    sheets["Documenten"] = [
        ["Overeenkomst", "Soort", "Bestand"],
        ["VO-1", "overeenkomst", "pdf/vo-1.pdf"],
    ]
    path = write_workbook(tmp_path / "w.xlsx", sheets)
    assert import_workbook(path).errors == []
    document = Document.objects.get()
    assert document.original_name == "vo-1.pdf"
    assert document.file.read() == MINIMAL_PDF
    # The approval was fingerprinted with the document in place.
    agreement = Agreement.objects.with_fingerprint_content().get()
    assert agreement.approval_matches_content()
    # Again: the document's hash is known, nothing new is stored.
    result = import_workbook(path)
    assert result.changes == [] and Document.objects.count() == 1


@pytest.mark.parametrize(
    "kinds",
    [("beveiligingsbijlage", "overeenkomst"), ("overeenkomst", "beveiligingsbijlage")],
    ids=["annex-first", "agreement-first"],
)
def test_one_combined_pdf_listed_under_two_kinds_is_stored_under_both(tmp_path, kinds):
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "alles.pdf").write_bytes(MINIMAL_PDF)
    sheets = small_workbook()
    sheets["Documenten"] = [
        ["Overeenkomst", "Soort", "Bestand"],
        *[["VO-1", kind, "pdf/alles.pdf"] for kind in kinds],
    ]
    path = write_workbook(tmp_path / "w.xlsx", sheets)
    assert import_workbook(path).errors == []
    assert sorted(Document.objects.values_list("kind", flat=True)) == sorted(kinds)
    # The stored agreement document counts: no `no_document` signal, whatever the row order.
    assert not [flag for flag in compute_flags() if flag.code == "no_document"]
    # Again: both are held under their kind, nothing new is stored.
    result = import_workbook(path)
    assert result.changes == [] and Document.objects.count() == 2


def test_a_dry_run_reports_the_changes_but_writes_nothing(tmp_path):
    path = write_workbook(tmp_path / "w.xlsx", small_workbook())
    before = history_rows()
    result = import_workbook(path, dry_run=True)
    assert result.errors == []
    assert {c.sheet for c in result.created} >= {"Leveranciers", "Producten", "Overeenkomsten"}
    assert not Supplier.objects.exists() and not Agreement.objects.exists()
    assert history_rows() == before


def test_the_command_imports_and_reports_progress(tmp_path, capsys):
    path = write_workbook(tmp_path / "w.xlsx", small_workbook())
    call_command("import_workbook", str(path))
    out, err = capsys.readouterr()
    assert "Import voltooid" in out
    assert "Producten: 1 rijen gelezen" in err
    assert Agreement.objects.filter(reference="VO-1").exists()


def test_the_command_dry_run_writes_nothing(tmp_path, capsys):
    path = write_workbook(tmp_path / "w.xlsx", small_workbook())
    call_command("import_workbook", str(path), "--dry-run")
    assert "niets opgeslagen" in capsys.readouterr().out
    assert not Agreement.objects.exists()


def test_the_report_warns_when_an_import_voids_a_current_fg_approval(tmp_path):
    import_workbook(write_workbook(tmp_path / "w.xlsx", small_workbook()))
    sheets = small_workbook()
    sheets["Overeenkomsten"][0].append("Bewaartermijn")
    sheets["Overeenkomsten"][1].append("10 jaar")
    result = import_workbook(write_workbook(tmp_path / "w2.xlsx", sheets), dry_run=True)
    assert result.lapsing == ["VO-1"]
    assert [c.fields for c in result.changed] == [["Bewaartermijn"]]


def test_an_empty_sheet_is_left_alone(tmp_path):
    make_supplier("Lev")
    path = write_workbook(tmp_path / "w.xlsx", {"Leveranciers": [], "Scholen": [[None, None]]})
    result = import_workbook(path)
    assert result.errors == [] and result.changes == []
    assert any("Leveranciers is leeg" in note for note in result.notes)


def test_a_privacy_notice_without_attributes_round_trips_as_geen(tmp_path):
    from agreements.models import PrivacyNotice
    from tests.conftest import make_agreement

    product = make_product("P", supplier=make_supplier("S"))
    agreement = make_agreement([product], reference="VO-1", attributes=("eckId",))
    PrivacyNotice.objects.create(agreement=agreement, product=product)
    path = tmp_path / "register.xlsx"
    export_register(path)
    assert read_sheets(path)["Bijsluiters"][1][:3] == ("VO-1", "P", "geen")
    result = import_workbook(path)
    assert result.errors == [] and result.changes == []


def test_linking_a_product_to_a_school_shows_in_the_schools_history(tmp_path):
    import_workbook(write_workbook(tmp_path / "w.xlsx", small_workbook()))
    school = School.objects.get(brin="12AB")
    sheets = small_workbook()
    sheets["Scholen"].append(["34CD", "De Eik", "po"])
    sheets["Producten"][1][4] = "34CD"
    before = school.history.count()
    result = import_workbook(write_workbook(tmp_path / "w2.xlsx", sheets))
    assert [(c.sheet, c.fields) for c in result.changed] == [("Producten", ["Scholen"])]
    # The link left the school 12AB: its history records that.
    assert school.history.count() == before + 1
    assert [s.brin for s in Product.objects.get().schools.all()] == ["34CD"]


def test_a_column_the_sheet_does_not_know_is_listed_and_the_import_goes_on(tmp_path, capsys):
    sheets = {
        "Scholen": [
            ["BRIN", "Naam", "Opmerking", "Sector", "naam"],
            ["12AB", "De Klimop", "ouder gebouw", "po", "dubbel"],
        ]
    }
    path = write_workbook(tmp_path / "w.xlsx", sheets)
    result = import_workbook(path)
    assert result.applied
    assert result.warnings == [
        'Scholen: kolom "Opmerking" wordt niet ingelezen',
        'Scholen: kolom "naam" wordt niet ingelezen',
    ]
    assert School.objects.get(brin="12AB").name == "De Klimop"

    call_command("import_workbook", str(path), "--dry-run")
    assert 'Scholen: kolom "Opmerking" wordt niet ingelezen' in capsys.readouterr().err
