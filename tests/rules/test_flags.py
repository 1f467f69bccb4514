"""The flags of DESIGN.md section 5: each code raised, and a near case that is not."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import AgreementStatus, Decision, PrivacyNotice, Review, Subprocessor
from agreements.services import add_document
from register.models import ProcessingActivity
from register.rules import compute_flags, flags_for_product

from ..conftest import attrs, make_agreement, make_flow, make_product, make_supplier

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)
PDF = b"%PDF-1.4\n%%EOF\n"
DAY = datetime.timedelta(days=1)


def approved(products, **fields):
    fields.setdefault("signed_on", TODAY - 30 * DAY)
    return make_agreement(products, status=AgreementStatus.APPROVED, **fields)


def in_register(*products):
    """Link products to a complete activity so register_incomplete stays out of the way."""
    activity = ProcessingActivity.objects.create(
        name=f"Verwerking {ProcessingActivity.objects.count() + 1}",
        purposes="Onderwijs",
        legal_bases=["algemeen_belang"],
        data_subjects="Leerlingen",
        personal_data="Naam",
        recipients="geen",
        retention="1 jaar",
        security_measures="MFA",
    )
    activity.products.set(products)
    return activity


def product_in_scope(**fields):
    product = make_product(**fields)
    in_register(product)
    make_flow(product, "eckId", "direct")
    return product


def codes(product, today=TODAY) -> list[str]:
    return sorted(f.code for f in compute_flags(today) if f.product == product)


def flags_of(code, today=TODAY):
    return [f for f in compute_flags(today) if f.code == code]


# --- no_agreement ------------------------------------------------------------------------


def test_a_product_in_use_without_any_agreement_is_flagged_no_agreement():
    product = product_in_scope()
    [flag] = flags_of("no_agreement")
    assert flag.product == product and flag.severity == "high"
    assert product.name in flag.message


def test_a_draft_agreement_covers_the_product_so_it_is_not_no_agreement():
    product = product_in_scope()
    make_agreement([product])
    assert codes(product) == ["not_approved"]


def test_a_terminated_agreement_does_not_cover_the_product():
    product = product_in_scope()
    make_agreement([product], status=AgreementStatus.TERMINATED)
    assert codes(product) == ["no_agreement"]


def test_an_agreement_for_another_product_of_the_supplier_does_not_cover_it():
    product = product_in_scope()
    other = make_product(supplier=product.supplier)
    approved([other], attributes=("eckId",))
    assert "no_agreement" in codes(product)


# --- approval_outdated / expired / not_approved and their precedence ------------------------


def test_changing_an_approved_agreement_raises_approval_outdated():
    product = product_in_scope()
    agreement = approved([product], attributes=("eckId",))
    agreement.purposes = "Ook marketing"
    agreement.save()
    [flag] = flags_of("approval_outdated")
    assert flag.product == product and flag.agreement == agreement
    assert codes(product) == ["approval_outdated"]


def test_an_unchanged_approved_agreement_is_current_and_raises_nothing():
    product = product_in_scope()
    approved([product], attributes=("eckId",))
    assert codes(product) == []


def test_an_approved_agreement_that_ended_yesterday_is_expired():
    product = product_in_scope()
    agreement = approved([product], attributes=("eckId",), ends_on=TODAY - DAY)
    [flag] = flags_of("expired")
    assert flag.agreement == agreement and flag.severity == "high"
    assert codes(product) == ["expired"]


def test_an_agreement_ending_today_is_still_in_force():
    product = product_in_scope()
    approved([product], attributes=("eckId",), ends_on=TODAY, starts_on=TODAY - 400 * DAY)
    assert "expired" not in codes(product)
    assert "not_approved" not in codes(product)


@pytest.mark.parametrize(
    "status",
    [
        AgreementStatus.DRAFT,
        AgreementStatus.SUBMITTED,
        AgreementStatus.REJECTED,
        AgreementStatus.CHANGES_REQUESTED,
    ],
)
def test_an_agreement_that_is_not_approved_raises_not_approved(status):
    product = product_in_scope()
    make_agreement([product], status=status, attributes=("eckId",))
    assert codes(product) == ["not_approved"]


def test_an_approved_agreement_that_has_not_started_yet_is_not_approved():
    product = product_in_scope()
    approved([product], attributes=("eckId",), starts_on=TODAY + DAY)
    assert codes(product) == ["not_approved"]


def test_outdated_takes_precedence_over_expired_and_not_approved():
    product = product_in_scope()
    approved([product], attributes=("eckId",), ends_on=TODAY - DAY)
    make_agreement([product], attributes=("eckId",))
    outdated = approved([product], attributes=("eckId",))
    outdated.retention = "Voor altijd"
    outdated.save()
    assert codes(product) == ["approval_outdated"]


def test_expired_takes_precedence_over_not_approved():
    product = product_in_scope()
    approved([product], attributes=("eckId",), ends_on=TODAY - DAY)
    make_agreement([product], status=AgreementStatus.SUBMITTED, attributes=("eckId",))
    assert codes(product) == ["expired"]


def test_a_current_agreement_silences_an_outdated_one_beside_it():
    product = product_in_scope()
    approved([product], attributes=("eckId",))
    outdated = approved([product], attributes=("eckId",))
    outdated.retention = "Voor altijd"
    outdated.save()
    assert codes(product) == []


# --- expiring and unsigned ----------------------------------------------------------------


def test_a_current_agreement_ending_within_90_days_is_expiring():
    product = product_in_scope()
    agreement = approved([product], attributes=("eckId",), ends_on=TODAY + 90 * DAY)
    [flag] = flags_of("expiring")
    assert flag.agreement == agreement and flag.severity == "medium"


def test_an_agreement_ending_in_91_days_is_not_expiring():
    product = product_in_scope()
    approved([product], attributes=("eckId",), ends_on=TODAY + 91 * DAY)
    assert codes(product) == []


def test_a_later_or_open_ended_current_agreement_means_not_expiring():
    product = product_in_scope()
    approved([product], attributes=("eckId",), ends_on=TODAY + 10 * DAY)
    approved([product], attributes=("eckId",), ends_on=TODAY + 300 * DAY)
    assert codes(product) == []
    other = product_in_scope()
    approved([other], attributes=("eckId",), ends_on=TODAY + 10 * DAY)
    approved([other], attributes=("eckId",))
    assert codes(other) == []


def test_a_current_agreement_without_signature_is_unsigned():
    product = product_in_scope()
    agreement = approved([product], attributes=("eckId",), signed_on=None)
    [flag] = flags_of("unsigned")
    assert flag.product == product and flag.agreement == agreement


def test_one_signed_current_agreement_is_enough():
    product = product_in_scope()
    approved([product], attributes=("eckId",), signed_on=None)
    approved([product], attributes=("eckId",))
    assert codes(product) == []


def test_an_unsigned_agreement_that_is_not_current_raises_no_unsigned():
    product = product_in_scope()
    make_agreement([product], status=AgreementStatus.SUBMITTED)
    assert "unsigned" not in codes(product)


# --- flows ------------------------------------------------------------------------------


def test_a_product_without_recorded_flows_is_flows_unknown():
    product = make_product()
    in_register(product)
    approved([product], attributes=("eckId",))
    [flag] = flags_of("flows_unknown")
    assert flag.product == product and flag.severity == "low"
    make_flow(product, "eckId", "direct")
    assert codes(product) == []


def test_an_attribute_beyond_the_agreement_is_flagged_once_whatever_the_channel():
    product = product_in_scope()
    agreement = approved([product], attributes=("eckId",))
    make_flow(product, "geboortedatum", "direct")
    make_flow(product, "geboortedatum", "handmatig")
    [flag] = flags_of("flow_exceeds_agreement")
    assert flag.attribute.code == "geboortedatum"
    assert flag.agreement == agreement and flag.severity == "high"
    assert "geboortedatum" in flag.message


def test_a_privacy_notice_overrides_the_agreements_attributes_for_its_product():
    product = product_in_scope()  # flows eckId
    make_flow(product, "givenName")
    sibling = product_in_scope(supplier=product.supplier)
    make_flow(sibling, "givenName")
    agreement = approved([product, sibling], attributes=("eckId", "givenName"))
    notice = PrivacyNotice.objects.create(agreement=agreement, product=product)
    notice.attributes.set(attrs("givenName"))
    # The FG approves again, the notice included (a review is never changed).
    Review.objects.create(
        agreement=agreement,
        decision=Decision.APPROVED,
        comment="Met bijsluiter",
        fingerprint=agreement.content_fingerprint(),
    )
    exceeding = [(f.product, f.attribute.code) for f in flags_of("flow_exceeds_agreement")]
    assert exceeding == [(product, "eckId")]


def test_flows_are_allowed_under_any_current_agreement():
    product = product_in_scope()
    make_flow(product, "givenName")
    approved([product], attributes=("eckId",))
    approved([product], attributes=("givenName",))
    assert codes(product) == []


def test_without_a_current_agreement_the_most_recently_approved_one_decides():
    product = product_in_scope()  # eckId
    make_flow(product, "mail")
    ended = approved([product], attributes=("eckId",), ends_on=TODAY - DAY)
    make_agreement([product], attributes=("eckId", "mail"))  # a draft allows nothing yet
    [flag] = flags_of("flow_exceeds_agreement")
    assert flag.attribute.code == "mail" and flag.agreement == ended


def test_when_no_covering_agreement_was_ever_approved_there_is_no_flow_flag():
    product = product_in_scope()
    make_flow(product, "bsn_pgn")
    make_agreement([product], status=AgreementStatus.REJECTED)
    assert codes(product) == ["not_approved"]


# --- products out of scope --------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "voorgesteld"},
        {"status": "uitgefaseerd"},
        {"processes_personal_data": False},
    ],
)
def test_proposed_retired_and_non_personal_products_raise_no_flags(fields):
    product = make_product(**fields)  # no agreement, no flow, no activity
    make_flow(product, "bsn_pgn")
    assert codes(product) == []


# --- agreement flags --------------------------------------------------------------------


def test_an_approved_agreement_without_a_dpa_document_is_no_document():
    agreement = approved([product_in_scope()], attributes=("eckId",))
    [flag] = flags_of("no_document")
    assert flag.agreement == agreement and flag.product is None and flag.severity == "low"


def test_only_a_dpa_document_counts_for_no_document():
    agreement = approved([product_in_scope()], attributes=("eckId",))
    add_document(agreement=agreement, kind="bijsluiter", content=PDF, original_name="b.pdf")
    assert flags_of("no_document")
    add_document(agreement=agreement, kind="overeenkomst", content=PDF, original_name="o.pdf")
    assert not flags_of("no_document")


def test_a_signed_draft_without_document_is_no_document_but_an_unsigned_draft_is_not():
    product = product_in_scope()
    make_agreement([product])
    assert not flags_of("no_document")
    signed = make_agreement([product], signed_on=TODAY)
    assert [f.agreement for f in flags_of("no_document")] == [signed]


def test_a_terminated_agreement_raises_no_flags():
    product = product_in_scope()
    make_agreement(
        [product],
        status=AgreementStatus.TERMINATED,
        signed_on=TODAY,
        transfer_outside_eea=True,
    )
    assert [f.code for f in compute_flags(TODAY) if f.agreement] == []


def test_a_subprocessor_outside_the_eea_without_safeguard_is_flagged_once_per_agreement():
    agreement = make_agreement(
        [product_in_scope()],
        subprocessors=(("Cloud Inc.", "US", ""), ("Support Ltd", "IN", "")),
    )
    [flag] = flags_of("transfer_outside_eea")
    assert flag.agreement == agreement and flag.severity == "medium"
    assert "Cloud Inc." in flag.message and "Support Ltd" in flag.message


@pytest.mark.parametrize(
    "subprocessor, agreement_safeguard",
    [
        (("Cloud Inc.", "US", "EU-VS Data Privacy Framework"), ""),
        (("Cloud Inc.", "US", ""), "Modelcontractbepalingen (SCC's)"),
        (("Hosting AS", "NO", ""), ""),
        (("Hosting BV", "NL", ""), ""),
    ],
)
def test_a_safeguard_or_an_eea_country_means_no_transfer_flag(subprocessor, agreement_safeguard):
    make_agreement(
        [product_in_scope()],
        subprocessors=(subprocessor,),
        transfer_safeguard=agreement_safeguard,
    )
    assert not flags_of("transfer_outside_eea")


def test_an_agreement_stating_a_transfer_without_safeguard_is_flagged():
    make_agreement([product_in_scope()], transfer_outside_eea=True)
    assert len(flags_of("transfer_outside_eea")) == 1
    make_agreement(
        [product_in_scope()], transfer_outside_eea=True, transfer_safeguard="Adequaatheidsbesluit"
    )
    assert len(flags_of("transfer_outside_eea")) == 1


def test_processing_locations_text_is_not_parsed():
    make_agreement([product_in_scope()], processing_locations="Verenigde Staten")
    assert not flags_of("transfer_outside_eea")


# --- register_incomplete ----------------------------------------------------------------


def test_an_activity_missing_an_art30_field_is_register_incomplete():
    complete = in_register()
    incomplete = ProcessingActivity.objects.create(name="Ouders", purposes="Contact")
    [flag] = flags_of("register_incomplete")
    assert flag.activity == incomplete and flag.product is None
    assert "bewaartermijn" in flag.message and "grondslag" in flag.message
    assert complete not in [f.activity for f in compute_flags(TODAY)]


def test_a_product_in_use_linked_to_no_activity_is_register_incomplete():
    product = make_product()
    make_flow(product, "eckId", "direct")
    approved([product], attributes=("eckId",))
    [flag] = flags_of("register_incomplete")
    assert flag.product == product and flag.activity is None
    in_register(product)
    assert not flags_of("register_incomplete")


# --- shape, order and cost ----------------------------------------------------------------


def test_flags_as_json_use_the_contract_keys():
    supplier = make_supplier("Leerwerk")
    product = product_in_scope(name="Spellingsterk", supplier=supplier)
    make_flow(product, "geboortedatum", "direct")
    agreement = approved([product], attributes=("eckId",), reference="VO-1")
    [flag] = flags_of("flow_exceeds_agreement")
    assert flag.as_json() == {
        "code": "flow_exceeds_agreement",
        "severity": "high",
        "product": "Spellingsterk",
        "supplier": "Leerwerk",
        "agreement": "VO-1",
        "attribute": "geboortedatum",
        "activity": None,
        "message": flag.message,
    }
    assert flag.supplier == supplier and flag.subject == product
    activity = ProcessingActivity.objects.create(name="Leeg")
    [incomplete] = [f for f in compute_flags(TODAY) if f.activity == activity]
    assert incomplete.as_json()["supplier"] is None
    assert incomplete.subject.get_absolute_url() == activity.get_absolute_url()
    assert agreement.reference == "VO-1"


def test_flags_are_sorted_by_severity_then_code_then_subject():
    for name in ["Zeta", "Alfa"]:
        make_product(name=name)  # no agreement, no flows, no activity
    flags = compute_flags(TODAY)
    assert [(f.severity, f.code, f.subject_name) for f in flags] == [
        ("high", "no_agreement", "Alfa"),
        ("high", "no_agreement", "Zeta"),
        ("medium", "register_incomplete", "Alfa"),
        ("medium", "register_incomplete", "Zeta"),
        ("low", "flows_unknown", "Alfa"),
        ("low", "flows_unknown", "Zeta"),
    ]


def test_flags_for_product_gives_only_that_products_flags():
    product = product_in_scope()
    other = product_in_scope()
    approved([product], attributes=("givenName",), signed_on=None)
    assert sorted(f.code for f in flags_for_product(product, TODAY)) == [
        "flow_exceeds_agreement",
        "unsigned",
    ]
    assert [f.code for f in flags_for_product(other, TODAY)] == ["no_agreement"]


def _register_of(size: int) -> None:
    activity = in_register()
    for i in range(size):
        supplier = make_supplier()
        product = make_product(supplier=supplier)
        make_flow(product, "eckId", "direct")
        make_flow(product, "geboortedatum", "direct")
        activity.products.add(product)
        agreement = approved(
            [product],
            attributes=("eckId",),
            subprocessors=(("Host", "US", ""),),
            ends_on=TODAY + (i % 200) * DAY,
        )
        notice = PrivacyNotice.objects.create(agreement=agreement, product=product)
        notice.attributes.set(attrs("eckId"))
        Subprocessor.objects.create(agreement=agreement, name="Backup", countries="DE")
        if i % 3 == 0:
            agreement.purposes = "Gewijzigd"
            agreement.save()
    ProcessingActivity.objects.create(name=f"Onvolledig {size}")


def _queries_for_flags() -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        flags = compute_flags(TODAY)
    return len(ctx.captured_queries), len(flags)


def test_the_engine_reads_a_register_of_10_or_200_products_in_the_same_number_of_queries():
    _register_of(10)
    small, small_flags = _queries_for_flags()
    _register_of(190)
    large, large_flags = _queries_for_flags()
    assert large_flags > small_flags
    assert small == large
    assert small <= 14
