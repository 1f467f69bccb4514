"""The procurement verdict of DESIGN.md section 6, in its order of checks."""

import datetime

import pytest

from agreements.models import AgreementStatus
from register.rules.verdict import verdict_for, verdict_for_product

from ..conftest import make_agreement, make_flow, make_product, make_supplier

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)
DAY = datetime.timedelta(days=1)


def approved(products, **fields):
    fields.setdefault("signed_on", TODAY - 30 * DAY)
    return make_agreement(products, status=AgreementStatus.APPROVED, **fields)


def check(name, supplier=None):
    return verdict_for(name, supplier=supplier, today=TODAY)


def test_a_tool_that_is_not_in_the_register_is_unknown_and_the_answer_explains_the_intake():
    verdict = check("Nieuwe App")
    assert verdict.verdict == "unknown" and verdict.product is None
    assert "intake" in verdict.reasons[0]
    assert verdict.as_json() == {
        "product": None,
        "supplier": None,
        "verdict": "unknown",
        "reasons": verdict.reasons,
        "agreement": None,
    }


def test_names_match_case_insensitively_and_trimmed():
    make_product(name="Rekenrijk Online", processes_personal_data=False)
    assert check("  rekenrijk ONLINE ").verdict == "allowed"


def test_a_name_two_suppliers_share_asks_for_the_supplier():
    make_product(name="Klok", supplier=make_supplier("Alfa"), processes_personal_data=False)
    make_product(name="Klok", supplier=make_supplier("Beta"))
    verdict = check("klok")
    assert verdict.verdict == "unknown" and verdict.ambiguous
    assert "Alfa" in verdict.reasons[0] and "Beta" in verdict.reasons[0]
    assert "--supplier" in verdict.reasons[0]
    assert check("klok", supplier=" alfa ").verdict == "allowed"
    assert check("klok", supplier="beta").verdict == "blocked"
    assert check("klok", supplier="Gamma").verdict == "unknown"


def test_a_product_without_personal_data_is_allowed_whatever_its_agreements():
    product = make_product(processes_personal_data=False)
    make_agreement([product], status=AgreementStatus.REJECTED)
    verdict = verdict_for_product(product, TODAY)
    assert verdict.verdict == "allowed" and verdict.agreement is None


def test_a_product_without_agreement_is_blocked():
    product = make_product(name="Muziekmaker")
    verdict = check("Muziekmaker")
    assert verdict.verdict == "blocked"
    assert verdict.product == product and verdict.supplier == product.supplier
    assert "geen verwerkersovereenkomst" in verdict.reasons[0]


def test_a_terminated_agreement_does_not_cover_so_the_product_is_blocked():
    product = make_product()
    make_agreement([product], status=AgreementStatus.TERMINATED, signed_on=TODAY)
    assert verdict_for_product(product, TODAY).verdict == "blocked"


def test_only_rejected_or_ended_agreements_mean_blocked_and_name_them():
    product = make_product()
    rejected = make_agreement([product], status=AgreementStatus.REJECTED, reference="VO-R")
    ended = approved([product], reference="VO-E", ends_on=TODAY - DAY)
    verdict = verdict_for_product(product, TODAY)
    assert verdict.verdict == "blocked"
    assert verdict.agreement == ended
    text = " ".join(verdict.reasons)
    assert rejected.reference in text and ended.reference in text


def test_a_rejected_agreement_beside_a_submitted_one_is_conditional():
    product = make_product()
    make_agreement([product], status=AgreementStatus.REJECTED)
    pending = make_agreement([product], status=AgreementStatus.SUBMITTED, reference="VO-S")
    verdict = verdict_for_product(product, TODAY)
    assert verdict.verdict == "conditional" and verdict.agreement == pending
    assert "VO-S" in verdict.reasons[0] and "akkoord van de FG" in verdict.reasons[0]


def test_a_current_signed_agreement_with_flows_inside_it_is_allowed():
    product = make_product(status="voorgesteld")  # lifecycle status does not matter
    make_flow(product, "eckId")
    agreement = approved([product], attributes=("eckId",), reference="VO-OK")
    verdict = verdict_for_product(product, TODAY)
    assert verdict.verdict == "allowed" and verdict.agreement == agreement
    assert "VO-OK" in verdict.reasons[0]
    assert verdict.as_json()["agreement"] == "VO-OK"


def test_unknown_flows_are_a_note_and_do_not_change_the_verdict():
    product = make_product()
    approved([product])
    verdict = verdict_for_product(product, TODAY)
    assert verdict.verdict == "allowed"
    assert verdict.notes and "gegevensstromen" in verdict.notes[0]
    # The reason claims no check of flows that are not recorded.
    assert "gegevensstromen" not in verdict.reasons[0]


def test_an_unsigned_current_agreement_is_conditional():
    product = make_product()
    approved([product], signed_on=None, reference="VO-U")
    verdict = verdict_for_product(product, TODAY)
    assert verdict.verdict == "conditional"
    assert verdict.reasons == ["Overeenkomst VO-U is nog niet getekend; laat haar tekenen."]


def test_a_flow_beyond_the_agreement_is_conditional_even_for_a_proposed_product():
    product = make_product(status="voorgesteld")
    make_flow(product, "eckId")
    make_flow(product, "bsn_pgn", "direct")
    approved([product], attributes=("eckId",), reference="VO-F")
    verdict = verdict_for_product(product, TODAY)
    assert verdict.verdict == "conditional"
    assert any("bsn_pgn" in r and "VO-F" in r for r in verdict.reasons)


def test_an_expiring_agreement_is_conditional_renewal_due():
    product = make_product()
    approved([product], ends_on=TODAY + 30 * DAY, reference="VO-X")
    verdict = verdict_for_product(product, TODAY)
    assert verdict.verdict == "conditional"
    assert any("VO-X" in r and "verlenging" in r for r in verdict.reasons)
    approved([product], ends_on=TODAY + 400 * DAY)
    assert verdict_for_product(product, TODAY).verdict == "allowed"


def test_an_outdated_approval_is_conditional_and_names_the_agreement():
    product = make_product()
    agreement = approved([product], reference="VO-O")
    agreement.purposes = "Gewijzigd"
    agreement.save()
    verdict = verdict_for_product(product, TODAY)
    assert verdict.verdict == "conditional" and verdict.agreement == agreement
    assert "VO-O" in verdict.reasons[0] and "gewijzigd" in verdict.reasons[0]


@pytest.mark.parametrize(
    "status", [AgreementStatus.DRAFT, AgreementStatus.CHANGES_REQUESTED, AgreementStatus.SUBMITTED]
)
def test_a_pending_agreement_is_conditional(status):
    product = make_product()
    agreement = make_agreement([product], status=status)
    verdict = verdict_for_product(product, TODAY)
    assert verdict.verdict == "conditional" and verdict.agreement == agreement
    assert all(agreement.reference in r for r in verdict.reasons)


def test_an_approved_agreement_that_has_not_started_is_conditional():
    product = make_product()
    approved([product], starts_on=TODAY + 10 * DAY, reference="VO-L")
    verdict = verdict_for_product(product, TODAY)
    assert verdict.verdict == "conditional"
    assert "pas in op" in verdict.reasons[0]


def test_an_ended_agreement_with_a_draft_successor_is_conditional_on_the_successor():
    product = make_product()
    approved([product], ends_on=TODAY - DAY, reference="VO-OUD")
    successor = make_agreement([product], reference="VO-NIEUW")
    verdict = verdict_for_product(product, TODAY)
    assert verdict.verdict == "conditional" and verdict.agreement == successor
    assert "VO-NIEUW" in verdict.reasons[0]
    assert any("VO-OUD" in r and "verlopen" in r for r in verdict.reasons)
