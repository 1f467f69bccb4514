"""The flags of DESIGN.md 11.3 owned by the agreements: `subprocessor_location_unknown` and
`arp_missing`. Shown and exported; neither changes the verdict nor the level."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import AgreementStatus, Subprocessor
from agreements.services import add_document
from register.rules import compute_flags, compute_level, verdict_for

from ..conftest import client_for, make_agreement, make_flow, make_product
from .test_flags import in_register

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)
PDF = b"%PDF-1.4\n%%EOF\n"


def flags_of(code):
    return [f for f in compute_flags(TODAY) if f.code == code]


def current(product, **fields):
    return make_agreement(
        [product],
        status=AgreementStatus.APPROVED,
        attributes=("eckId", "nlEduPersonRealId"),
        signed_on=datetime.date(2026, 1, 1),
        **fields,
    )


def entree_product(*codes):
    product = make_product("Toetsplatform")
    in_register(product)
    for code in codes:
        make_flow(product, code, "entree")
    return product


# --- subprocessor_location_unknown ------------------------------------------------------


def test_a_subprocessor_without_a_country_raises_location_unknown_once_per_agreement():
    agreement = make_agreement(
        [make_product()],
        subprocessors=(("Cloud BV", "", ""), ("Mailer", "", ""), ("Host", "NL", "")),
    )
    [flag] = flags_of("subprocessor_location_unknown")
    assert flag.agreement == agreement and flag.severity == "medium"
    assert "Cloud BV, Mailer" in flag.message and "Host" not in flag.message
    assert "vul het land of de regio in" in flag.message


@pytest.mark.parametrize("countries", ["NL", "NL, BE", "EER", "wereldwijd"])
def test_a_country_or_region_means_no_location_flag(countries):
    make_agreement([make_product()], subprocessors=(("Cloud BV", countries, "SCC's"),))
    assert not flags_of("subprocessor_location_unknown")


def test_a_terminated_agreement_raises_no_location_flag():
    make_agreement(
        [make_product()], status=AgreementStatus.TERMINATED, subprocessors=(("X", "", ""),)
    )
    assert not flags_of("subprocessor_location_unknown")


def test_a_safeguard_kind_decides_the_transfer_flag():
    safe = make_agreement([make_product()])
    Subprocessor.objects.create(agreement=safe, name="Mailer", countries="US", safeguard_kind="dpf")
    unsafe = make_agreement([make_product()])
    Subprocessor.objects.create(
        agreement=unsafe,
        name="Mailer",
        countries="wereldwijd",
        safeguard="?",
        safeguard_kind="geen",
    )
    assert [f.agreement for f in flags_of("transfer_outside_eea")] == [unsafe]


# --- arp_missing --------------------------------------------------------------------------


def test_an_arp_attribute_through_entree_without_an_arp_document_is_flagged_per_attribute():
    product = entree_product("eckId", "nlEduPersonRealId", "givenName")
    agreement = current(product)

    flags = flags_of("arp_missing")

    assert sorted(f.attribute.code for f in flags) == ["eckId", "nlEduPersonRealId"]
    assert {f.product for f in flags} == {product}
    assert {f.agreement for f in flags} == {agreement}
    assert all(f.severity == "medium" for f in flags)
    assert "Upload het getekende ARP" in flags[0].message


def test_an_arp_document_on_a_covering_agreement_silences_it():
    product = entree_product("eckId")
    agreement = current(product)
    add_document(agreement=agreement, kind="arp", content=PDF, original_name="arp.pdf")
    assert not flags_of("arp_missing")


@pytest.mark.parametrize(
    "setup",
    [
        "direct_channel",
        "no_arp_attribute",
        "proposed_product",
        "arp_on_terminated_agreement",
    ],
)
def test_arp_missing_does_not_fire(setup):
    if setup == "direct_channel":
        product = make_product()
        in_register(product)
        make_flow(product, "eckId", "direct")
        current(product)
    elif setup == "no_arp_attribute":
        current(entree_product("givenName"))
    elif setup == "proposed_product":
        product = make_product(status="voorgesteld")
        make_flow(product, "eckId", "entree")
        current(product)
    else:
        product = entree_product("eckId")
        current(product)
        ended = make_agreement([product], status=AgreementStatus.TERMINATED)
        add_document(agreement=ended, kind="arp", content=PDF, original_name="arp.pdf")
        assert len(flags_of("arp_missing")) == 1
        return
    assert not flags_of("arp_missing")


def test_the_new_flags_change_neither_the_verdict_nor_the_level():
    product = entree_product("eckId")
    current(product, subprocessors=(("Onbekend BV", "", ""),))
    flags = compute_flags(TODAY)
    new = {"arp_missing", "subprocessor_location_unknown"}
    assert {f.code for f in flags} >= new

    assert verdict_for(product.name, today=TODAY).verdict == "allowed"
    without = [f for f in flags if f.code not in new]
    assert compute_level(TODAY).level == compute_level(TODAY, flags=without).level


def test_the_new_flags_are_in_the_json_and_on_the_pages(reader):
    product = entree_product("eckId")
    agreement = current(product)
    Subprocessor.objects.create(agreement=agreement, name="Onbekend BV")
    out = StringIO()
    call_command("flags", "--json", stdout=out)
    found = {(f["code"], f["attribute"], f["agreement"]) for f in json.loads(out.getvalue())}
    assert ("arp_missing", "eckId", agreement.reference) in found
    assert ("subprocessor_location_unknown", None, agreement.reference) in found
    client = client_for(reader)
    assert "ARP ontbreekt voor Entree-attribuut" in client.get("/").content.decode()
    product_page = client.get(product.get_absolute_url()).content.decode()
    assert "Upload het getekende ARP" in product_page
    agreement_page = client.get(agreement.get_absolute_url()).content.decode()
    assert "Locatie subverwerker onbekend" in agreement_page
    assert "niet vastgelegd waar Onbekend BV" in agreement_page


def test_the_agreement_page_shows_its_flags_without_extra_queries(reader):
    agreement = make_agreement([entree_product("eckId")])
    client = client_for(reader)
    client.get(agreement.get_absolute_url())
    with CaptureQueriesContext(connection) as clean:
        client.get(agreement.get_absolute_url())
    for i in range(5):
        Subprocessor.objects.create(agreement=agreement, name=f"Onbekend {i}")
    client.get(agreement.get_absolute_url())
    with CaptureQueriesContext(connection) as flagged:
        page = client.get(agreement.get_absolute_url()).content.decode()
    assert "Locatie subverwerker onbekend" in page
    assert len(flagged) == len(clean)


def test_the_new_flags_are_in_the_exports_signaleringen_sheet(tmp_path):
    from openpyxl import load_workbook

    product = entree_product("eckId")
    agreement = current(product)
    Subprocessor.objects.create(agreement=agreement, name="Onbekend BV")
    path = tmp_path / "register.xlsx"
    call_command("export_register", str(path))
    sheet = load_workbook(path, read_only=True)["Signaleringen"]
    rows = [row for row in sheet.iter_rows(values_only=True)]
    code = rows[0].index("Code")  # the last column: the sheet leads with the labels
    codes = {row[code] for row in rows[1:]}
    assert {"arp_missing", "subprocessor_location_unknown"} <= codes
