"""The level of DESIGN.md section 7: each boundary, exactly at a level and missing it by one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from agreements.models import AgreementStatus, Decision
from register.models import LevelText
from register.rules import compute_level, level_rows
from suppliers.models import LifecycleStatus

from ..conftest import make_agreement, make_flow, make_product
from .helpers import DAY, TODAY, activity_for, level5_product, review

pytestmark = pytest.mark.django_db


def unmet(result) -> set[str]:
    return {criterion.key for criterion in result.criteria if not criterion.met}


# --- level 5 and the single changes that lower it ------------------------------------------


def test_a_register_whose_evidence_meets_every_criterion_is_at_level_5():
    level5_product()
    level5_product()

    result = compute_level(TODAY)

    assert result.level == 5
    assert unmet(result) == set()
    assert result.next_step is None


def test_a_flow_beyond_the_agreement_keeps_the_board_at_level_4():
    product, _agreement = level5_product()
    make_flow(product, "geboortedatum", channel="direct")

    result = compute_level(TODAY)

    assert result.level == 4
    assert unmet(result) == {"flows_within_agreements"}
    [evidence] = result.criteria[-1].evidence
    assert evidence.url == product.get_absolute_url()


def test_a_product_without_recorded_flows_keeps_the_board_at_level_4():
    level5_product()
    product, _agreement = level5_product()
    product.data_flows.all().delete()

    result = compute_level(TODAY)

    assert result.level == 4
    assert unmet(result) == {"flows_recorded"}


def test_an_approved_agreement_without_its_document_keeps_the_board_at_level_3():
    product = make_product()
    agreement = make_agreement([product], attributes=("eckId",), signed_on=TODAY - DAY)
    review(agreement)
    make_flow(product, "eckId")
    activity_for(product)

    result = compute_level(TODAY)

    assert result.level == 3
    assert unmet(result) == {"documents_stored"}
    [evidence] = next(c for c in result.criteria if c.key == "documents_stored").evidence
    assert evidence.kind == "agreement"
    assert agreement.reference in evidence.label
    assert evidence.url == agreement.get_absolute_url()


def test_an_incomplete_processing_activity_keeps_the_board_at_level_3():
    level5_product()
    activity = activity_for(retention="")

    result = compute_level(TODAY)

    assert result.level == 3
    assert unmet(result) == {"register_complete"}
    [evidence] = next(c for c in result.criteria if c.key == "register_complete").evidence
    assert evidence.url == activity.get_absolute_url()


def test_a_product_in_use_outside_the_processing_register_keeps_the_board_at_level_3():
    product, _agreement = level5_product()
    product.processing_activities.clear()

    assert compute_level(TODAY).level == 3


def test_an_agreement_the_fg_sent_back_keeps_the_board_at_level_2():
    level5_product()
    product, agreement = level5_product()
    review(agreement, Decision.CHANGES_REQUESTED)

    result = compute_level(TODAY)

    assert result.level == 2
    assert unmet(result) == {"agreements_approved"}
    assert result.next_step.startswith("Naar niveau 3")
    assert str(product) in result.next_step


def test_an_approval_outdated_by_a_change_keeps_the_board_at_level_2():
    _product, agreement = level5_product()
    agreement.retention = "Vijf jaar"
    agreement.save()

    result = compute_level(TODAY)

    assert result.level == 2
    assert unmet(result) == {"agreements_approved"}


def test_an_ended_agreement_keeps_the_board_at_level_2():
    _product, agreement = level5_product()
    agreement.ends_on = TODAY - DAY
    agreement.save()
    review(agreement)  # approved with the end date: only the passing of time voids it

    result = compute_level(TODAY)

    assert result.level == 2
    assert {f.code for f in result.flags} >= {"expired"}


def test_an_imported_rejection_counts_as_the_fg_review_of_level_2():
    level5_product()
    product = make_product()
    agreement = make_agreement([product], attributes=("eckId",))
    review(agreement, Decision.REJECTED, imported=True)
    make_flow(product, "eckId")
    activity_for(product)

    result = compute_level(TODAY)

    assert result.level == 2
    assert unmet(result) == {"agreements_approved"}


def test_an_agreement_no_fg_ever_reviewed_keeps_the_board_at_level_1():
    level5_product()
    product = make_product()
    agreement = make_agreement([product], status=AgreementStatus.SUBMITTED, attributes=("eckId",))
    make_flow(product, "eckId")
    activity_for(product)

    result = compute_level(TODAY)

    assert result.level == 1
    assert "agreements_reviewed" in unmet(result)
    assert "products_covered" not in unmet(result)
    [evidence] = next(c for c in result.criteria if c.key == "agreements_reviewed").evidence
    assert evidence.url == agreement.get_absolute_url()
    assert product.name in evidence.reason


def test_a_product_in_use_without_any_agreement_keeps_the_board_at_level_1():
    level5_product()
    product = make_product("Muziekmaker")
    make_flow(product, "eckId")
    activity_for(product)

    result = compute_level(TODAY)

    assert result.level == 1
    assert "products_covered" in unmet(result)
    assert "agreements_reviewed" not in unmet(result)
    [evidence] = result.criteria[0].evidence
    assert evidence.label == str(product)
    assert evidence.url == product.get_absolute_url()


# --- what does not count ------------------------------------------------------------------


def test_proposed_tools_and_terminated_agreements_do_not_lower_the_level():
    product, _agreement = level5_product()
    make_product("Nieuw idee", status=LifecycleStatus.PROPOSED)
    make_agreement([product], status=AgreementStatus.TERMINATED)  # never reviewed, but ended

    assert compute_level(TODAY).level == 5


def test_an_empty_register_is_at_level_5_because_nothing_blocks_it():
    assert compute_level(TODAY).level == 5


# --- the result's shape -------------------------------------------------------------------


def test_the_json_has_exactly_the_contract_keys():
    product = make_product()
    make_flow(product, "eckId")

    data = compute_level(TODAY).as_json()

    assert set(data) == {"level", "advised_level", "criteria", "next_step"}
    assert data["level"] == 1
    assert data["advised_level"] == 3
    assert isinstance(data["next_step"], str) and data["next_step"]
    assert [c["level"] for c in data["criteria"]] == [2, 2, 3, 4, 4, 5, 5]
    for criterion in data["criteria"]:
        assert set(criterion) == {"level", "key", "met", "detail"}
        assert isinstance(criterion["met"], bool)
        assert isinstance(criterion["detail"], str) and criterion["detail"]
    covered = data["criteria"][0]
    assert covered["key"] == "products_covered" and covered["met"] is False
    assert product.name in covered["detail"]


@override_settings(ADVISED_CONDITION_LEVEL=4)
def test_the_advised_level_comes_from_the_setting():
    result = compute_level(TODAY)
    assert result.advised_level == 4
    assert result.as_json()["advised_level"] == 4


def test_the_growth_perspective_is_the_current_level_then_the_next_two():
    make_product()  # no agreement: level 1

    steps = compute_level(TODAY).growth_perspective()

    assert [(heading, level) for heading, level, _text in steps] == [
        ("Onze huidige situatie", 1),
        ("Groeistap 1", 2),
        ("Groeistap 2", 3),
    ]
    assert steps[0][2].source == "register"
    assert steps[1][2].text.startswith("Verwerkersovereenkomsten worden waar nodig aangepast")


def test_at_level_4_there_is_one_growth_step_left():
    product, _agreement = level5_product()
    product.data_flows.all().delete()

    steps = compute_level(TODAY).growth_perspective()

    assert [level for _heading, level, _text in steps] == [4, 5]


def test_an_edited_level_text_shows_in_the_next_step():
    LevelText.objects.filter(level=2).update(text="Onze eigen tekst voor niveau twee.")
    make_product()

    assert "Onze eigen tekst voor niveau twee" in compute_level(TODAY).next_step


def test_the_niveau_sheet_rows_say_per_criterion_whether_it_is_met():
    level5_product()
    product = make_product("Muziekmaker")

    rows = list(level_rows(compute_level(TODAY)))

    assert len(rows) == 7
    assert rows[0][0] == 2 and rows[0][2] == "nee"
    assert "Muziekmaker" in rows[0][3]
    assert rows[3][2] == "ja" and rows[3][3] == "Voldaan."
    assert {row[2] for row in rows} <= {"ja", "nee"}
    assert str(product) in rows[0][3]


# --- queries ------------------------------------------------------------------------------


def _queries_for_level() -> int:
    with CaptureQueriesContext(connection) as context:
        result = compute_level(TODAY)
        [criterion.detail for criterion in result.criteria]
    return len(context.captured_queries)


def _grow(count: int) -> None:
    for _ in range(count):
        level5_product()
        unreviewed = make_product()
        make_agreement([unreviewed], attributes=("eckId",))
        make_product()  # no agreement at all
        activity_for(retention="")


def test_the_level_reads_the_register_in_the_same_number_of_queries_at_any_size():
    _grow(2)
    small = _queries_for_level()
    _grow(6)
    large = _queries_for_level()

    assert small == large
