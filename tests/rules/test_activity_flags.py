"""The consistency flags of DESIGN.md 11.3 on processing activities: each raised, and the near
cases that are not; they are shown, exported and listed, and change neither verdict nor level."""

import datetime
import json

import pytest
from django.core.management import call_command

from agreements.models import AgreementStatus
from register.models import ProcessingActivity
from register.rules import compute_flags, compute_level, verdict_for
from register.rules.flags import flags_for_activity

from ..conftest import make_agreement, make_flow, make_product, make_supplier

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)
DAY = datetime.timedelta(days=1)
TRANSFER = "transfer_not_in_register"
SPECIAL = "special_category_unjustified"


def approved(products, **fields):
    fields.setdefault("signed_on", TODAY - 30 * DAY)
    return make_agreement(products, status=AgreementStatus.APPROVED, **fields)


def activity(*products, **fields) -> ProcessingActivity:
    values = {
        "name": f"Verwerking {ProcessingActivity.objects.count() + 1}",
        "purposes": "Onderwijs",
        "legal_bases": ["algemeen_belang"],
        "data_subjects": "Leerlingen",
        "personal_data": "Naam",
        "recipients": "Leverancier (verwerker)",
        "third_country_transfers": "geen",
        "retention": "1 jaar",
        "security_measures": "MFA",
        **fields,
    }
    made = ProcessingActivity.objects.create(**values)
    made.products.set(products)
    return made


def codes_for(target: ProcessingActivity) -> list[str]:
    return [f.code for f in compute_flags(TODAY) if f.activity == target]


def us_tool(name="Vertaalwolk", **agreement_fields):
    product = make_product(name, supplier=make_supplier(f"{name} BV"))
    make_flow(product, "eckId")
    agreement = approved(
        [product],
        attributes=("eckId",),
        subprocessors=(("Speech Inc.", "US", "DPF"),),
        **agreement_fields,
    )
    return product, agreement


@pytest.mark.parametrize("says", ["", "geen", "Nee", "N.v.t.", "  GEEN \n"])
def test_a_transfer_to_the_us_that_the_activity_does_not_mention_is_flagged(says):
    product, agreement = us_tool()
    target = activity(product, third_country_transfers=says)
    flags = [f for f in compute_flags(TODAY) if f.activity == target and f.code == TRANSFER]
    assert len(flags) == 1
    assert flags[0].severity == "medium"
    assert "Vertaalwolk" in flags[0].message and agreement.reference in flags[0].message
    assert "US" in flags[0].message


def test_the_agreement_saying_it_transfers_outside_the_eea_is_enough():
    product = make_product("Cloudschrift", supplier=make_supplier("Cloudschrift BV"))
    make_flow(product, "eckId")
    approved([product], attributes=("eckId",), transfer_outside_eea=True, transfer_safeguard="SCC")
    assert TRANSFER in codes_for(activity(product))


def test_an_activity_that_records_the_transfer_is_not_flagged():
    product, _agreement = us_tool()
    target = activity(product, third_country_transfers="VS (subverwerker Speech Inc., DPF)")
    assert TRANSFER not in codes_for(target)


def test_a_transfer_inside_the_eea_or_under_an_agreement_that_is_not_current_is_not_flagged():
    inside = make_product("Leesland", supplier=make_supplier("Leesland BV"))
    approved([inside], subprocessors=(("Hosting", "IE", ""),))
    draft_only = make_product("Wolkwerk", supplier=make_supplier("Wolkwerk BV"))
    make_agreement([draft_only], subprocessors=(("Cloud Inc.", "US", ""),))
    assert TRANSFER not in codes_for(activity(inside, draft_only))


def test_special_category_data_without_an_art_9_exception_is_flagged_naming_product_and_agreement():
    product = make_product("Zorgdossier", supplier=make_supplier("Zorgpunt"))
    make_flow(product, "gezondheid", channel="direct")
    agreement = approved([product], attributes=("gezondheid",))
    target = activity(product)
    flags = [f for f in compute_flags(TODAY) if f.activity == target and f.code == SPECIAL]
    assert len(flags) == 1
    # The label first, the code beside it, as every flag names an attribute.
    assert "Gezondheidsgegevens en ondersteuningsbehoefte (gezondheid) naar Zorgdossier" in (
        flags[0].message
    )
    assert agreement.reference in flags[0].message
    assert "art. 9" in flags[0].message


def test_an_exception_or_no_special_attribute_raises_no_special_category_flag():
    special = make_product("Zorgdossier", supplier=make_supplier("Zorgpunt"))
    make_flow(special, "gezondheid", channel="direct")
    plain = make_product("Rekenrijk", supplier=make_supplier("Noorderlicht"))
    make_flow(plain, "eckId")
    # bsn_pgn is sensitive (art. 87), not special (art. 9): no flag (DESIGN.md 11.1).
    make_flow(plain, "bsn_pgn", channel="direct")
    justified = activity(special, special_category_exception="Art. 9 lid 2 sub g AVG")
    ordinary = activity(plain)
    assert SPECIAL not in codes_for(justified)
    assert SPECIAL not in codes_for(ordinary)


def test_flags_json_lists_the_new_flags_with_the_activity(capsys):
    product, _agreement = us_tool()
    make_flow(product, "gezondheid", channel="direct")
    activity(product, name="Voorlezen")
    call_command("flags", "--json")
    found = {(row["code"], row["activity"]) for row in json.loads(capsys.readouterr().out)}
    assert (TRANSFER, "Voorlezen") in found and (SPECIAL, "Voorlezen") in found


def test_the_activity_page_finds_the_same_flags_as_the_whole_register():
    product, _agreement = us_tool()
    make_flow(product, "gezondheid", channel="direct")
    target = activity(product)
    whole = sorted((f.code, f.message) for f in compute_flags(TODAY) if f.activity == target)
    alone = sorted((f.code, f.message) for f in flags_for_activity(target, TODAY))
    assert alone == whole and {TRANSFER, SPECIAL} <= {code for code, _m in alone}


def test_the_new_flags_change_neither_the_verdict_nor_the_level():
    product, _agreement = us_tool()
    make_flow(product, "gezondheid", channel="direct")
    target = activity(product, special_category_exception="Art. 9 lid 2 sub g", name="Voorlezen")
    before_level = compute_level(TODAY).level
    before_verdict = verdict_for("Vertaalwolk", today=TODAY).verdict
    target.special_category_exception = ""
    target.save()
    assert {TRANSFER, SPECIAL} <= set(codes_for(target))
    assert compute_level(TODAY).level == before_level
    assert verdict_for("Vertaalwolk", today=TODAY).verdict == before_verdict


def test_a_subprocessor_working_worldwide_counts_as_a_transfer():
    product = make_product("Overal", supplier=make_supplier("Overal BV"))
    agreement = approved([product], subprocessors=(("Support", "wereldwijd", "SCC"),))
    target = activity(product)
    flags = [f for f in compute_flags(TODAY) if f.activity == target and f.code == TRANSFER]
    assert len(flags) == 1 and agreement.reference in flags[0].message
    assert "wereldwijd" in flags[0].message
