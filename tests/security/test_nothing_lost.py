"""Nothing is lost: agreements, documents and reviews are never hard-deleted (ORM, admin,
cascade, database), history is never pruned, and a second concurrent writer is refused."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from agreements.models import Agreement, AgreementStatus, Document, DocumentKind, Review
from agreements.services import add_document, decide_agreement
from register.models import School
from suppliers.models import Supplier

from ..agreements.helpers import edit_data
from ..conftest import client_for, make_agreement, make_product, make_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def record(fg, privacy_officer):
    """An approved agreement with a document (uploaded by the officer) and the FG's review."""
    agreement = make_agreement(
        [make_product()], status=AgreementStatus.APPROVED, reviewer=fg, purposes="Oefenen"
    )
    add_document(
        agreement=agreement,
        kind=DocumentKind.AGREEMENT,
        content=PDF,
        original_name="vo.pdf",
        user=privacy_officer,
    )
    return agreement


def counts() -> tuple[int, int, int]:
    return Agreement.objects.count(), Document.objects.count(), Review.objects.count()


# --- no hard delete -------------------------------------------------------------------------


@pytest.mark.parametrize("model", [Agreement, Document, Review])
def test_a_queryset_delete_is_refused(record, model):
    before = counts()
    with pytest.raises(ProtectedError), transaction.atomic():
        model.objects.all().delete()
    assert counts() == before


@pytest.mark.parametrize("model", [Agreement, Document, Review])
def test_deleting_one_row_is_refused(record, model):
    before = counts()
    with pytest.raises(ProtectedError), transaction.atomic():
        model.objects.first().delete()
    assert counts() == before


def test_deleting_the_supplier_is_refused_rather_than_cascading(record):
    before = counts()
    with pytest.raises(ProtectedError), transaction.atomic():
        Supplier.objects.filter(pk=record.supplier_id).delete()
    assert counts() == before


def test_deleting_the_uploader_or_the_fg_is_refused(record, fg, privacy_officer):
    for user in (fg, privacy_officer):
        with pytest.raises(ProtectedError), transaction.atomic():
            User.objects.filter(pk=user.pk).delete()
    assert counts() == (1, 1, 1)
    assert Review.objects.get().reviewer == fg


def test_the_database_itself_refuses_a_delete_that_would_orphan_the_record(record):
    # Even raw SQL, past every Django check: the foreign keys of documents and reviews
    # hold the agreement in place.
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM agreements_agreement")
        connection.check_constraints()
    assert counts() == (1, 1, 1)


@pytest.mark.parametrize(
    ("model", "name"),
    [(Agreement, "agreement"), (Document, "document"), (Review, "review")],
)
def test_the_admin_offers_no_delete_even_to_a_superuser(record, admin_user, model, name):
    client = client_for(admin_user)
    obj = model.objects.first()
    delete_url = reverse(f"admin:agreements_{name}_delete", args=[obj.pk])
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403

    changelist = reverse(f"admin:agreements_{name}_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    assert "delete_selected" not in page.text
    client.post(
        changelist, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    )
    assert counts() == (1, 1, 1)


def test_the_agreement_pages_offer_terminate_not_delete(record, privacy_officer):
    page = client_for(privacy_officer).get(record.get_absolute_url())
    assert page.status_code == 200
    assert "verwijder" not in page.text.lower()


# --- reviews are append-only, in the database too ---------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE agreements_review SET fingerprint = 'vervalst'",
        "UPDATE agreements_review SET decision = 'afgekeurd', comment = 'Toch niet'",
        "DELETE FROM agreements_review",
    ],
)
def test_raw_sql_cannot_change_or_delete_a_review(record, statement):
    review = Review.objects.get()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)
    assert list(Review.objects.values_list("fingerprint", "decision", "comment")) == [
        (review.fingerprint, review.decision, review.comment)
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_raw_sql_cannot_truncate_the_reviews(record):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            # The test's own writes leave deferred key checks, which TRUNCATE would refuse.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE agreements_review CASCADE")
    assert counts() == (1, 1, 1)


def test_a_new_decision_is_a_new_row(record, fg, privacy_officer):
    # Append-only refuses no INSERT: the register's own flow goes on.
    record.set_status(AgreementStatus.SUBMITTED, user=privacy_officer)
    decide_agreement(agreement=record, user=fg, decision="goedgekeurd", comment="Opnieuw")
    assert Review.objects.count() == 2


# --- history is never pruned -----------------------------------------------------------------


def test_no_history_pruning_command_is_run_anywhere():
    base = Path(settings.BASE_DIR)
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=base, capture_output=True, text=True, check=True
    ).stdout.split()
    offenders = []
    # Our own pruning commands, which refuse the record's history, may name themselves.
    guards = {
        "register/management/commands/clean_old_history.py",
        "register/management/commands/clean_duplicate_history.py",
        "register/management/commands/_keep_record_history.py",
    }
    for name in tracked:
        if name.startswith("tests/security/") or name in guards:
            continue
        path = base / name
        if (
            path.suffix not in {".py", ".sh", ".toml", ".cfg", ".yml", ".yaml", ""}
            or not path.is_file()
        ):
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        for word in ("clean_old_history", "clean_duplicate_history", "history.all().delete"):
            if word in text:
                offenders.append(f"{name}: {word}")
    assert offenders == []
    assert getattr(settings, "SIMPLE_HISTORY_ENABLED", True) is True


def history_counts() -> dict[str, int]:
    return {
        "agreement": Agreement.history.count(),
        "document": Document.history.count(),
        "review": Review.history.count(),
        "supplier": Supplier.history.count(),
    }


@pytest.mark.parametrize(
    ("command", "options"),
    [("clean_old_history", {"days": 0}), ("clean_duplicate_history", {})],
)
@pytest.mark.parametrize(
    "model", ["agreements.Agreement", "agreements.document", "agreements.Review"]
)
def test_the_pruning_commands_refuse_the_records_history(record, command, options, model):
    record.save()  # a duplicate history row, which clean_duplicate_history would remove
    before = history_counts()
    with pytest.raises(CommandError, match="wordt nooit opgeschoond"):
        call_command(command, model, "suppliers.DataFlow", stdout=io.StringIO(), **options)
    assert history_counts() == before


@pytest.mark.parametrize(
    ("command", "options"),
    [("clean_old_history", {"days": 0}), ("clean_duplicate_history", {})],
)
def test_pruning_every_model_leaves_the_records_history_alone(record, command, options):
    record.save()
    School.objects.create(brin="00AA", name="De Linde").save()  # prunable history
    before = history_counts()
    out = io.StringIO()
    call_command(command, "--auto", stdout=out, **options)
    assert history_counts() == before
    assert "agreements.Review: geschiedenis blijft bewaard" in out.getvalue()
    assert School.history.count() < 2


def test_every_edit_cycle_keeps_all_earlier_history_rows(record, privacy_officer):
    url = reverse("agreements:agreement_edit", args=[record.pk])
    client = client_for(privacy_officer)
    first_rows = set(record.history.values_list("history_id", flat=True))
    purposes = []
    for round_ in range(3):
        record.refresh_from_db()
        purposes.append(f"Doel {round_}")
        response = client.post(url, edit_data(record, purposes=purposes[-1]))
        assert response.status_code == 302, response.content

    rows = record.history.order_by("history_date", "history_id")
    assert first_rows <= set(rows.values_list("history_id", flat=True))
    recorded = [row.purposes for row in rows]
    assert recorded[0] == "Oefenen"
    for value in purposes:
        assert value in recorded
    assert rows.last().history_user == privacy_officer


def test_history_of_a_refused_delete_is_untouched(record):
    before = Agreement.history.count(), Document.history.count(), Review.history.count()
    with pytest.raises(ProtectedError), transaction.atomic():
        Agreement.objects.all().delete()
    assert (Agreement.history.count(), Document.history.count(), Review.history.count()) == before
    assert not Agreement.history.filter(history_type="-").exists()


# --- concurrent edits ------------------------------------------------------------------------


def test_the_second_writer_of_an_agreement_is_refused_with_a_message(record, privacy_officer):
    colleague = make_user("collega", "privacy_officer")
    url = reverse("agreements:agreement_edit", args=[record.pk])
    first, second = client_for(privacy_officer), client_for(colleague)
    first.get(url)
    second.get(url)
    stale = edit_data(record, retention="Eerste schrijver")
    assert first.post(url, stale).status_code == 302

    response = second.post(url, {**stale, "retention": "Tweede schrijver"})
    assert response.status_code == 200
    assert "Niet opgeslagen" in response.text
    record.refresh_from_db()
    assert record.retention == "Eerste schrijver"


def test_the_second_writer_of_a_supplier_is_refused(privacy_officer):
    colleague = make_user("collega", "privacy_officer")
    supplier = Supplier.objects.create(name="Uitgeverij Een", convenant="geen")
    url = reverse("suppliers:supplier_edit", args=[supplier.pk])
    first, second = client_for(privacy_officer), client_for(colleague)
    form = first.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    second.get(url)
    assert first.post(url, {**data, "website": "https://een.example"}).status_code == 302
    response = second.post(url, {**data, "notes": "Tweede schrijver"})
    supplier.refresh_from_db()
    assert response.status_code == 200
    assert "Niet opgeslagen" in response.text
    assert supplier.website == "https://een.example"
    assert supplier.notes == ""


def test_the_second_writer_of_a_product_is_refused(privacy_officer):
    colleague = make_user("collega", "privacy_officer")
    product = make_product("Rekenrijk")
    url = reverse("suppliers:product_edit", args=[product.pk])
    first, second = client_for(privacy_officer), client_for(colleague)
    form = first.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: value for name, value in data.items() if value is not None}
    second.get(url)
    assert first.post(url, {**data, "description": "Eerste schrijver"}).status_code == 302
    response = second.post(url, {**data, "status": "uitgefaseerd"})
    product.refresh_from_db()
    assert response.status_code == 200
    assert "Niet opgeslagen" in response.text
    assert product.description == "Eerste schrijver"
    assert product.status == "in_gebruik"
    # Reopening the form picks up the latest version, and then the save goes through.
    fresh = {
        n: v
        for n, v in ((n, second.get(url).context["form"][n].value()) for n in form.fields)
        if v is not None
    }
    assert second.post(url, {**fresh, "status": "uitgefaseerd"}).status_code == 302
