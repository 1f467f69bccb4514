"""Flows of two data subjects (DESIGN.md 11.2): the parents' app sends `mail` of parents and of
pupils through one channel. Both rows stay, and the flags and the verdict read them as flows of
one attribute: one `flow_exceeds_agreement` per attribute, whoever's data it is."""

import datetime

import pytest

from agreements.models import AgreementStatus
from register.models import ProcessingActivity
from register.rules import compute_flags, flags_for_product
from register.rules.verdict import verdict_for_product

from ..conftest import make_agreement, make_flow, make_product

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


def parents_app():
    product = make_product(name="Ouderapp")
    make_flow(product, "mail", "direct", subject="leerling")
    make_flow(product, "mail", "direct", subject="ouder")
    activity = ProcessingActivity.objects.create(
        name="Communicatie met ouders",
        purposes="Berichten",
        legal_bases=["algemeen_belang"],
        data_subjects="Leerlingen, ouders",
        recipients="Leverancier van de ouderapp",
        personal_data="E-mailadres",
        retention="1 jaar",
        security_measures="MFA",
    )
    activity.products.add(product)
    return product


def approved(product, attributes):
    return make_agreement(
        [product],
        status=AgreementStatus.APPROVED,
        attributes=attributes,
        signed_on=TODAY - datetime.timedelta(days=30),
    )


def codes(flags):
    return sorted(f.code for f in flags)


def test_both_subjects_flows_within_the_agreement_raise_nothing_and_are_allowed():
    product = parents_app()
    approved(product, ("mail",))
    assert product.data_flows.count() == 2
    assert codes(flags_for_product(product, TODAY)) == []
    assert verdict_for_product(product, TODAY).verdict == "allowed"


def test_an_attribute_beyond_the_agreement_is_one_flag_whatever_the_subjects():
    product = parents_app()
    agreement = approved(product, ("givenName",))
    flags = [f for f in compute_flags(TODAY) if f.product == product]
    assert codes(flags) == ["flow_exceeds_agreement"]
    assert flags[0].attribute.code == "mail" and flags[0].agreement == agreement
    verdict = verdict_for_product(product, TODAY)
    assert verdict.verdict == "conditional"
    assert sum("mail" in reason for reason in verdict.reasons) == 1


def test_a_product_with_only_parents_flows_has_known_flows():
    product = make_product(name="Ouderportaal")
    make_flow(product, "mail", "direct", subject="ouder")
    assert "flows_unknown" not in codes(flags_for_product(product, TODAY))
