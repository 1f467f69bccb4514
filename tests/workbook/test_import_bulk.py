"""The import writes new rows in bulk (issue 8): its queries do not grow with the rows, and
the history, the all-or-nothing rule and idempotency stay as they were."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement, Document, PrivacyNotice, Review, Subprocessor
from bench.generate import generate_register
from register.models import Organisation, ProcessingActivity, School
from register.workbook import import_workbook
from suppliers.models import DataFlow, Product, Supplier

from .conftest import MINIMAL_PDF, write_workbook

pytestmark = pytest.mark.django_db

HISTORY_MODELS = [Organisation, School, Supplier, Product, DataFlow, Agreement, PrivacyNotice]
HISTORY_MODELS += [Subprocessor, Document, Review, ProcessingActivity]


def history_rows() -> int:
    return sum(model.history.count() for model in HISTORY_MODELS)


def exported_board(folder, scale: float):
    """A generated board of `scale` exported with its PDFs into `folder`; the register is
    left as empty as it was."""
    folder.mkdir()
    path = folder / "register.xlsx"
    with transaction.atomic():
        generate_register(scale=scale, seed=5)
        call_command(
            "export_register",
            str(path),
            "--with-documents",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        transaction.set_rollback(True)
    assert not Supplier.objects.exists()
    return path


def import_counting_queries(path) -> tuple[int, int]:
    """(rows created, queries) of importing `path` into the empty register, rolled back."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            result = import_workbook(path)
        assert result.errors == []
        created = len(result.created)
        assert Supplier.objects.exists()
        transaction.set_rollback(True)
    return created, len(queries)


def test_three_times_the_rows_take_hardly_more_queries(tmp_path):
    small_rows, small_queries = import_counting_queries(exported_board(tmp_path / "s", 0.01))
    big_rows, big_queries = import_counting_queries(exported_board(tmp_path / "b", 0.03))
    assert big_rows > 2.5 * small_rows > 1500
    # A few queries per sheet and relation, plus one per batch of inserted rows (SQLite
    # takes at most 999 parameters per statement: a batch holds 50 to 200 rows). On SQLite
    # today: 667 rows in 79 queries, 2,020 rows in 108. A query per row would add 1,350.
    assert big_queries - small_queries < (big_rows - small_rows) / 20
    assert big_queries < big_rows / 10


@pytest.fixture
def workbook(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "vo-1.pdf").write_bytes(MINIMAL_PDF)
    sheets = {
        "Scholen": [["BRIN", "Naam", "Sector"], ["12AB", "De Linde", "po"]],
        "Leveranciers": [["Naam", "Convenant"], ["Uitgeverij Test", "deelnemer"]],
        "Producten": [
            ["Naam", "Leverancier", "Status", "Scholen"],
            ["Rekenen Online", "Uitgeverij Test", "in_gebruik", "12AB"],
            ["Taal Online", "Uitgeverij Test", "in_gebruik", "12AB"],
        ],
        "Overeenkomsten": [
            ["Kenmerk", "Leverancier", "Producten", "Attributen", "Status", "FG-besluit op", "FG"],
            [
                "VO-1",
                "Uitgeverij Test",
                "Rekenen Online; Taal Online",
                "eckId; givenName",
                "goedgekeurd",
                "2025-01-15",
                "Fenna FG",
            ],
        ],
        "Bijsluiters": [
            ["Overeenkomst", "Product", "Attributen"],
            ["VO-1", "Taal Online", "eckId"],
        ],
        "Subverwerkers": [["Overeenkomst", "Naam", "Land"], ["VO-1", "Hosting BV", "NL"]],
        "Documenten": [
            ["Overeenkomst", "Soort", "Bestand"],
            ["VO-1", "Verwerkersovereenkomst", "docs/vo-1.pdf"],
        ],
        "Gegevensstromen": [
            ["Product", "Leverancier", "Attribuut", "Kanaal", "Toelichting"],
            ["Rekenen Online", "Uitgeverij Test", "eckId", "entree", ""],
        ],
        "Verwerkingen": [["Naam", "Producten"], ["Oefenen", "Rekenen Online; Taal Online"]],
    }
    return sheets


def test_new_rows_get_one_history_record_each_with_their_links_and_the_importing_user(
    tmp_path, workbook, fg_officer
):
    # An FG who keeps the register: only an FG may bring the decision on VO-1 in.
    result = import_workbook(write_workbook(tmp_path / "w.xlsx", workbook), user=fg_officer)
    assert result.errors == []

    agreement = Agreement.objects.get()
    record = agreement.history.get()
    assert (record.history_type, record.history_user) == ("+", fg_officer)
    products = set(agreement.products.values_list("pk", flat=True))
    assert len(products) == 2
    assert {row.product_id for row in record.products.all()} == products
    assert {row.attribute.code for row in record.attributes.all()} == {"eckId", "givenName"}

    notice = PrivacyNotice.history.get()
    assert [row.attribute.code for row in notice.attributes.all()] == ["eckId"]
    activity = ProcessingActivity.history.get()
    assert {row.product_id for row in activity.products.all()} == products

    # The school was written before its products: its links are a change in its history.
    school = School.objects.get()
    created, linked = school.history.order_by("history_date", "history_id")
    assert (created.history_type, linked.history_type) == ("+", "~")
    assert not created.products.exists()
    assert {row.product_id for row in linked.products.all()} == products

    for model in HISTORY_MODELS[1:]:
        users = set(model.history.values_list("history_user", flat=True))
        assert users == {fg_officer.pk}, model

    document = Document.objects.get()
    assert (document.version, document.uploaded_by) == (1, fg_officer)
    assert document.file.read() == MINIMAL_PDF
    review = Review.objects.get()
    assert review.imported and review.matches(agreement)


def test_importing_the_generated_board_twice_adds_no_rows_and_no_history(tmp_path):
    path = exported_board(tmp_path / "board", 0.01)
    assert import_workbook(path).errors == []
    rows = {model: model.objects.count() for model in HISTORY_MODELS}
    before = history_rows()

    again = import_workbook(path)
    assert again.errors == [] and again.changes == []
    assert {model: model.objects.count() for model in HISTORY_MODELS} == rows
    assert history_rows() == before


def test_a_dry_run_of_the_generated_board_writes_nothing(tmp_path):
    path = exported_board(tmp_path / "board", 0.01)
    stored = sorted(settings.MEDIA_ROOT.glob("**/*"))
    result = import_workbook(path, dry_run=True)
    assert result.errors == [] and len(result.created) > 500
    assert not any(model.objects.exists() for model in HISTORY_MODELS[1:])
    assert history_rows() == 0
    assert sorted(settings.MEDIA_ROOT.glob("**/*")) == stored


def test_a_data_flow_listed_twice_is_refused_naming_both_rows(tmp_path, workbook):
    # Two notes for one flow: keeping either would drop the other in silence.
    workbook["Gegevensstromen"].append(
        ["Rekenen Online", "Uitgeverij Test", "eckId", "entree", "Via de leerlingadministratie"]
    )
    result = import_workbook(write_workbook(tmp_path / "w.xlsx", workbook))
    assert [str(error) for error in result.errors] == [
        "Gegevensstromen!row 3: Rekenen Online: eckId (Entree Federatie, Leerling) staat ook al op "
        "rij 2; elke sleutel mag maar één keer voorkomen."
    ]
    assert not DataFlow.objects.exists()


def test_a_row_the_database_refuses_is_reported_by_its_row_and_nothing_is_written(
    tmp_path, workbook
):
    # A rule only the database knows (as if it had been added after the import was
    # written): two suppliers may not share a website.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE UNIQUE INDEX test_one_supplier_per_website ON suppliers_supplier (website)"
        )
    workbook["Leveranciers"] = [
        ["Naam", "Website", "Convenant"],
        ["Uitgeverij Test", "https://test.example", "deelnemer"],
        ["Uitgeverij Kopie", "https://test.example", "deelnemer"],
    ]
    workbook["Producten"].append(["Kopie Online", "Uitgeverij Kopie", "in_gebruik", "12AB"])
    result = import_workbook(write_workbook(tmp_path / "w.xlsx", workbook))
    assert len(result.errors) == 1
    assert result.errors[0].startswith("Leveranciers!row 3: kon niet worden opgeslagen")
    assert not Supplier.objects.exists() and not School.objects.exists()
    assert history_rows() == 0
