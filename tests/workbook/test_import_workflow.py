"""An import moves a register in, but never stands in for the FG on an existing agreement."""

from __future__ import annotations

import pytest

from agreements.models import AgreementStatus, Review
from register.workbook import import_workbook
from register.workbook.sheets import reviewer_name
from tests.conftest import make_agreement, make_product, make_supplier

from .conftest import write_workbook

pytestmark = pytest.mark.django_db

HEADER = [
    "Kenmerk",
    "Leverancier",
    "Producten",
    "Status",
    "FG-besluit op",
    "FG",
    "Reden beëindiging",
]


@pytest.fixture
def product():
    return make_product("P", supplier=make_supplier("S"))


def run(tmp_path, *row):
    path = write_workbook(tmp_path / "w.xlsx", {"Overeenkomsten": [HEADER, list(row)]})
    return import_workbook(path)


def test_an_import_cannot_approve_an_agreement_waiting_for_the_fg(tmp_path, product):
    agreement = make_agreement([product], reference="VO-1", status=AgreementStatus.SUBMITTED)
    result = run(tmp_path, "VO-1", "S", "P", "goedgekeurd", "2026-01-05", "Zelfbenoemde FG")
    assert len(result.errors) == 1
    assert result.errors[0].startswith(
        "Overeenkomsten!row 2: de status van VO-1 gaat van ter beoordeling naar goedgekeurd; "
        "dat is een besluit van de FG"
    )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUBMITTED
    assert not Review.objects.exists()


def test_an_import_cannot_add_a_new_fg_decision_to_an_existing_agreement(tmp_path, product, fg):
    make_agreement([product], reference="VO-1", status=AgreementStatus.APPROVED, reviewer=fg)
    result = run(tmp_path, "VO-1", "S", "P", "goedgekeurd", "2020-01-05", "Femke")
    assert len(result.errors) == 1
    assert "het besluit “goedgekeurd” van 2020-01-05 staat niet in het register" in result.errors[0]
    assert Review.objects.count() == 1


def test_the_decision_the_register_already_holds_is_accepted_as_it_is(tmp_path, product, fg):
    agreement = make_agreement(
        [product], reference="VO-1", status=AgreementStatus.APPROVED, reviewer=fg
    )
    review = agreement.reviews.get()
    decided = review.decided_at.astimezone().date().isoformat()
    result = run(tmp_path, "VO-1", "S", "P", "Goedgekeurd", decided, reviewer_name(review))
    assert result.errors == [] and result.changes == [] and result.warnings == []


def test_an_edited_name_or_comment_of_a_decision_is_named_in_a_warning(tmp_path, product, fg):
    """A decision stays as the FG made it; the preview says which of its columns are not read."""
    agreement = make_agreement(
        [product], reference="VO-1", status=AgreementStatus.APPROVED, reviewer=fg
    )
    review = agreement.reviews.get()
    decided = review.decided_at.astimezone().date().isoformat()
    header = [*HEADER[:6], "Toelichting FG"]
    path = write_workbook(
        tmp_path / "w.xlsx",
        {
            "Overeenkomsten": [
                header,
                ["VO-1", "S", "P", "Goedgekeurd", decided, "Iemand anders", "Andere toelichting"],
            ]
        },
    )
    result = import_workbook(path)
    assert result.errors == [] and result.changes == []
    assert result.warnings == [
        "Overeenkomsten!row 2: “FG”, “Toelichting FG” van het besluit bij VO-1 worden niet "
        "ingelezen: een besluit van de FG blijft zoals de FG het vastlegde."
    ]
    assert agreement.reviews.get().comment == review.comment


def test_a_status_that_is_a_decision_must_equal_the_decision(tmp_path, product, fg):
    header = [*HEADER[:6], "Besluit FG"]
    row = ["VO-1", "S", "P", "goedgekeurd", "2026-01-05", "Femke", "afgekeurd"]
    path = write_workbook(tmp_path / "w.xlsx", {"Overeenkomsten": [header, row]})
    result = import_workbook(path, user=fg)
    assert result.errors == [
        "Overeenkomsten!row 2: de status is goedgekeurd, maar “Besluit FG” is afgekeurd; bij "
        "een status die een besluit is, is dat het laatste besluit van de FG. Maak ze gelijk."
    ]
    assert not Review.objects.exists()


def test_status_moves_follow_the_workflow(tmp_path, product, fg):
    make_agreement([product], reference="VO-1", status=AgreementStatus.APPROVED, reviewer=fg)
    result = run(tmp_path, "VO-1", "S", "P", "concept", None, None)
    assert result.errors == [
        "Overeenkomsten!row 2: de status van VO-1 kan niet van goedgekeurd naar concept; "
        "toegestaan: beëindigd, ter beoordeling."
    ]


def test_a_stale_workbook_cannot_withdraw_an_approval_that_still_holds(
    tmp_path, product, fg, privacy_officer
):
    """Exported while the agreement waited for the FG, imported after the approval: moving it
    back to "ter beoordeling" would withdraw a valid approval, which the page refuses too."""
    agreement = make_agreement(
        [product], reference="VO-1", status=AgreementStatus.APPROVED, reviewer=fg
    )
    assert agreement.is_current()
    path = write_workbook(
        tmp_path / "w.xlsx",
        {"Overeenkomsten": [HEADER[:4], ["VO-1", "S", "P", "ter beoordeling"]]},
    )
    result = import_workbook(path, user=privacy_officer)
    assert result.errors == [
        "Overeenkomsten!row 2: de FG heeft VO-1 goedgekeurd en de werkmap wijzigt de inhoud "
        "niet: opnieuw indienen zou dat geldige akkoord intrekken. Neem de status "
        "“goedgekeurd” over."
    ]
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.APPROVED and agreement.is_current()

    # A row that changes the content and resubmits it in one go asks the FG again.
    changed = write_workbook(
        tmp_path / "changed.xlsx",
        {
            "Overeenkomsten": [
                [*HEADER[:4], "Bewaartermijn"],
                ["VO-1", "S", "P", "ter beoordeling", "Twee jaar"],
            ]
        },
    )
    assert import_workbook(changed, user=privacy_officer).errors == []
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUBMITTED and agreement.retention == "Twee jaar"


def test_ending_an_agreement_by_import_needs_a_reason(tmp_path, product):
    agreement = make_agreement([product], reference="VO-1")
    result = run(tmp_path, "VO-1", "S", "P", "beeindigd", None, None, None)
    assert result.errors == [
        "Overeenkomsten!row 2: vul bij een beëindigde overeenkomst de “Reden beëindiging” in."
    ]
    result = run(tmp_path, "VO-1", "S", "P", "Beëindigd", None, None, "Contract opgezegd")
    assert result.errors == []
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.TERMINATED
    assert agreement.status_reason == "Contract opgezegd"


def test_submitting_by_import_records_who_and_when(tmp_path, product, privacy_officer):
    agreement = make_agreement([product], reference="VO-1")
    path = write_workbook(
        tmp_path / "w.xlsx",
        {"Overeenkomsten": [HEADER[:4], ["VO-1", "S", "P", "ter beoordeling"]]},
    )
    assert import_workbook(path, user=privacy_officer).errors == []
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUBMITTED
    assert agreement.submitted_by == privacy_officer and agreement.submitted_at


def test_a_status_moved_by_import_is_one_history_record_marked_as_imported(
    tmp_path, product, privacy_officer
):
    agreement = make_agreement([product], reference="VO-1")
    before = agreement.history.count()
    path = write_workbook(
        tmp_path / "w.xlsx",
        {
            "Overeenkomsten": [
                [*HEADER[:4], "Bewaartermijn"],
                ["VO-1", "S", "P", "ter beoordeling", "1 jaar na einde"],
            ]
        },
    )
    result = import_workbook(path, user=privacy_officer)
    assert [change.fields for change in result.changed] == [["Bewaartermijn", "Status"]]
    assert agreement.history.count() == before + 1
    record = agreement.history.first()
    assert record.status == AgreementStatus.SUBMITTED
    assert record.retention == "1 jaar na einde"
    assert record.history_change_reason == "import"
    assert record.history_user == privacy_officer
