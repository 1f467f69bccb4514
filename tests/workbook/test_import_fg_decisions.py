"""Only the FG brings FG decisions in through the workbook (DESIGN.md 11.4, AVG art. 38-39).

A decision on an agreement new to the register takes an importing user in `fg` (web or
`import_workbook --user NAME`), or the operator at the command line without `--user`, whom
the history names. A decision on an agreement already in the register is never made by an
import (test_import_workflow.py); an unchanged one round-trips for everyone.
"""

from __future__ import annotations

import datetime
import getpass
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from agreements.history import agreement_timeline
from agreements.models import Agreement, AgreementStatus, Review
from agreements.services import decide_agreement
from register.models import ProcessingActivity
from register.rules import verdict_for
from register.workbook import import_workbook
from suppliers.models import Supplier
from tests.conftest import client_for, make_agreement, make_product, make_supplier

from .conftest import write_workbook

pytestmark = pytest.mark.django_db

HEADER = [
    "Kenmerk",
    "Leverancier",
    "Producten",
    "Getekend op",
    "Status",
    "Besluit FG",
    "FG-besluit op",
    "FG",
    "Akkoord actueel",
]
APPROVED_ROW = ["VO-NIEUW", "S", "P", "2025-01-01", "goedgekeurd", "goedgekeurd", "2025-01-10"]
APPROVED_ROW += ["anyone", "ja"]
REFUSED = (
    "Overeenkomsten!row 2: VO-NIEUW is nieuw in het register en de rij legt een besluit van de "
    "FG vast (goedgekeurd); alleen een FG mag besluiten importeren."
)


@pytest.fixture
def product():
    return make_product("P", supplier=make_supplier("S"), processes_personal_data=True)


def workbook(tmp_path, *rows) -> str:
    return str(write_workbook(tmp_path / "w.xlsx", {"Overeenkomsten": [HEADER, *rows]}))


def assert_nothing_approved() -> None:
    assert not Agreement.objects.exists()
    assert not Review.objects.exists()
    assert verdict_for("P").verdict != "allowed"


@pytest.mark.parametrize("persona", ["privacy_officer", "superuser"])
def test_a_new_approved_agreement_from_anyone_but_the_fg_is_an_error(
    persona, tmp_path, product, request
):
    user = request.getfixturevalue(persona)
    result = import_workbook(workbook(tmp_path, APPROVED_ROW), user=user)
    assert len(result.errors) == 1
    assert result.errors[0].startswith(REFUSED)
    assert "zet de Status op concept of ter beoordeling" in result.errors[0]
    assert_nothing_approved()


def test_each_row_with_a_decision_is_an_error_and_rows_without_one_are_not(
    tmp_path, product, privacy_officer
):
    rejected = ["VO-2", "S", "P", None, "concept", "afgekeurd", "2024-05-01", "Femke", None]
    draft = ["VO-3", "S", "P", None, "concept", None, None, None, None]
    submitted = ["VO-4", "S", "P", None, "ter_beoordeling", None, None, None, None]
    result = import_workbook(
        workbook(tmp_path, APPROVED_ROW, rejected, draft, submitted), user=privacy_officer
    )
    assert [error.split(":")[0] for error in result.errors] == [
        "Overeenkomsten!row 2",
        "Overeenkomsten!row 3",
    ]
    assert "VO-2 is nieuw in het register" in result.errors[1]
    assert "(afgekeurd)" in result.errors[1]
    assert not Agreement.objects.exists()


def test_the_web_import_shows_the_error_and_writes_nothing(
    tmp_path, product, privacy_officer, settings
):
    settings.DATA_DIR = tmp_path / "data"
    client = client_for(privacy_officer)
    content = open(workbook(tmp_path, APPROVED_ROW), "rb").read()
    response = client.post(
        reverse("register:workbook_import"), {"file": SimpleUploadedFile("w.xlsx", content)}
    )
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    preview = client.get(response["Location"]).content.decode()
    assert "alleen een FG mag besluiten importeren" in preview
    client.post(reverse("register:workbook_import_confirm", args=[token]))
    assert_nothing_approved()


def test_an_fg_imports_the_decision(tmp_path, product, fg):
    result = import_workbook(workbook(tmp_path, APPROVED_ROW), user=fg)
    assert result.errors == []
    agreement = Agreement.objects.get(reference="VO-NIEUW")
    assert agreement.status == AgreementStatus.APPROVED
    review = agreement.reviews.get()
    assert review.imported and review.reviewer_name == "anyone"
    assert agreement.history.get().history_user == fg


def test_the_command_line_without_user_acts_as_the_operator_and_the_history_names_them(
    tmp_path, product
):
    out = io.StringIO()
    call_command("import_workbook", workbook(tmp_path, APPROVED_ROW), stdout=out, stderr=out)
    agreement = Agreement.objects.get(reference="VO-NIEUW")
    assert agreement.status == AgreementStatus.APPROVED
    operator = getpass.getuser()
    entries = agreement_timeline(agreement)
    created = next(e for e in entries if e.title == "Overeenkomst aangemaakt")
    assert created.who == f"{operator} (beheerder, opdrachtregel)"
    assert agreement.history.get().history_change_reason == f"beheerder: {operator}"


def test_every_history_page_names_the_operator(tmp_path, reader):
    sheets = {
        "Leveranciers": [["Naam"], ["Uitgeverij Nieuw"]],
        "Verwerkingen": [["Naam"], ["Oefenen"]],
    }
    path = write_workbook(tmp_path / "w.xlsx", sheets)
    call_command("import_workbook", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    operator = f"{getpass.getuser()} (beheerder, opdrachtregel)"
    client = client_for(reader)
    supplier = Supplier.objects.get(name="Uitgeverij Nieuw")
    assert operator in client.get(supplier.get_absolute_url()).content.decode()
    activity = ProcessingActivity.objects.get(name="Oefenen")
    assert operator in client.get(activity.get_absolute_url()).content.decode()


def test_the_command_line_imports_as_the_named_user(tmp_path, product, privacy_officer, fg):
    path = workbook(tmp_path, APPROVED_ROW)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("import_workbook", path, "--user", "privacy_officer", stdout=out)
    assert exit_code.value.code == 1
    assert out.getvalue().startswith(REFUSED)
    assert_nothing_approved()

    call_command("import_workbook", path, "--user", "fg", stdout=out, stderr=io.StringIO())
    agreement = Agreement.objects.get(reference="VO-NIEUW")
    assert agreement.history.get().history_user == fg


def test_the_command_line_refuses_an_unknown_user(tmp_path, product):
    with pytest.raises(CommandError, match="Gebruiker 'niemand' bestaat niet"):
        call_command("import_workbook", workbook(tmp_path, APPROVED_ROW), "--user", "niemand")
    assert not Agreement.objects.exists()


def test_the_command_line_refuses_a_user_who_may_not_import(tmp_path, product, reader):
    """The history would name the reader as the one who changed the register."""
    with pytest.raises(CommandError, match="Gebruiker 'reader' mag geen werkmap importeren"):
        call_command("import_workbook", workbook(tmp_path, APPROVED_ROW), "--user", "reader")
    assert not Agreement.objects.exists()


def test_a_new_agreement_waiting_for_review_counts_as_submitted_by_the_importer(
    tmp_path, product, fg_officer, fg
):
    submitted = ["VO-NIEUW", "S", "P", None, "ter_beoordeling", None, None, None, None]
    assert import_workbook(workbook(tmp_path, submitted), user=fg_officer).errors == []
    agreement = Agreement.objects.get(reference="VO-NIEUW")
    assert agreement.submitted_by == fg_officer and agreement.submitted_at
    # AVG art. 38: the FG who brought it in does not decide on it; another FG does.
    with pytest.raises(PermissionDenied, match="zelf ingediend"):
        decide_agreement(agreement=agreement, user=fg_officer, decision="goedgekeurd", comment="x")
    queue = client_for(fg_officer).get(reverse("agreements:review_queue")).content.decode()
    assert "VO-NIEUW" not in queue
    # The imported agreement is as empty as the workbook left it: another FG approves it with
    # a reason for what the completeness checklist misses.
    decide_agreement(
        agreement=agreement,
        user=fg,
        decision="goedgekeurd",
        comment="Akkoord",
        incomplete_reason="Stukken liggen bij het bestuur ter inzage.",
    )
    assert agreement.reviews.get().reviewer == fg


def test_the_round_trip_of_an_existing_decision_works_for_the_privacy_officer(
    tmp_path, product, fg, privacy_officer
):
    agreement = make_agreement([product], reference="VO-1", status=AgreementStatus.APPROVED)
    decided = agreement.reviews.get().decided_at.astimezone().date().isoformat()
    row = ["VO-1", "S", "P", None, "goedgekeurd", "goedgekeurd", decided, "FG", "ja"]
    result = import_workbook(workbook(tmp_path, row), user=privacy_officer)
    assert result.errors == []
    assert Review.objects.count() == 1


def test_a_privacy_officer_cannot_make_a_lapsed_approval_current_again(
    tmp_path, product, fg, privacy_officer
):
    agreement = make_agreement([product], reference="VO-1", status=AgreementStatus.APPROVED)
    decided = agreement.reviews.get().decided_at.astimezone().date().isoformat()
    agreement.signed_on = datetime.date(2025, 1, 1)  # changed since the approval
    agreement.save()
    row = ["VO-1", "S", "P", "2025-01-01", "goedgekeurd", "goedgekeurd", decided, "FG", "ja"]
    assert import_workbook(workbook(tmp_path, row), user=privacy_officer).errors == []
    agreement = Agreement.objects.with_fingerprint_content().get(pk=agreement.pk)
    assert not agreement.approval_matches_content()
    assert Review.objects.count() == 1
