"""The workbook columns of DESIGN.md 11.4 for agreements: Subverwerkers Land as a list,
Hoofdvestiging, Soort waarborg; Bijsluiters Doeleinden .. Subverwerkers; Overeenkomsten
DVO-kenmerk; the new models and document kinds. Lossless, any order, any case."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction

from agreements.models import Agreement, PrivacyNotice, Subprocessor
from agreements.services import add_document
from register.workbook import import_workbook

from ..conftest import make_agreement, make_product, make_supplier
from .conftest import MINIMAL_PDF, as_dicts, read_sheets, write_workbook

pytestmark = pytest.mark.django_db


def build() -> Agreement:
    supplier = make_supplier("Schoolwolk")
    app = make_product("Ouderapp", supplier=supplier)
    agreement = make_agreement(
        [app], attributes=("mail",), model="convenant_2", dvo_reference="DVO-2019-0001"
    )
    cloud = Subprocessor.objects.create(
        agreement=agreement,
        name="Cloud BV",
        service="Hosting",
        countries="NL, BE",
        headquarters="US",
        safeguard_kind="dpf",
    )
    Subprocessor.objects.create(
        agreement=agreement, name="Cloud BV", service="Back-up", countries="EER"
    )
    Subprocessor.objects.create(
        agreement=agreement, name="CDN Ltd", countries="wereldwijd", safeguard="SCC's"
    )
    notice = PrivacyNotice.objects.create(
        agreement=agreement,
        product=app,
        purposes="Contact tussen school en ouders",
        data_subjects="Ouders en leerlingen",
        retention="1 jaar na uitschrijving",
        processing_locations="Nederland, België",
    )
    notice.attributes.set(agreement.attributes.all())
    notice.subprocessors.set([cloud])
    add_document(agreement=agreement, kind="arp", content=MINIMAL_PDF, original_name="arp.pdf")
    add_document(
        agreement=agreement, kind="dpia", content=MINIMAL_PDF + b"1", original_name="d.pdf"
    )
    Agreement.objects.filter(pk=agreement.pk).update(model="bewerkersovereenkomst")
    return agreement


def snapshot() -> dict:
    agreement = Agreement.objects.get()
    return {
        "agreement": (agreement.model, agreement.dvo_reference),
        "subprocessors": sorted(
            (s.name, s.service, s.countries, s.headquarters, s.safeguard_kind, s.safeguard)
            for s in agreement.subprocessors.all()
        ),
        "notices": [
            (
                n.purposes,
                n.data_subjects,
                n.retention,
                n.processing_locations,
                sorted((s.name, s.service) for s in n.subprocessors.all()),
            )
            for n in agreement.privacy_notices.all()
        ],
        "documents": sorted(agreement.documents.values_list("kind", "sha256")),
    }


def test_every_new_field_survives_a_round_trip_through_an_empty_register(tmp_path):
    first = tmp_path / "first" / "register.xlsx"
    first.parent.mkdir()
    with transaction.atomic():
        build()
        before = snapshot()
        call_command("export_register", str(first), "--with-documents")
        transaction.set_rollback(True)
    assert not Agreement.objects.exists()

    result = import_workbook(first)

    assert result.errors == []
    assert snapshot() == before
    second = tmp_path / "second.xlsx"
    call_command("export_register", str(second))
    sheets = read_sheets(first)
    for name in ("Overeenkomsten", "Bijsluiters", "Subverwerkers"):
        assert sheets[name] == read_sheets(second)[name], name
    rows = as_dicts(sheets, "Subverwerkers")
    assert {r["Land"] for r in rows} == {"NL; BE", "EER", "wereldwijd"}
    assert as_dicts(sheets, "Bijsluiters")[0]["Subverwerkers"] == "Cloud BV (Hosting)"
    assert as_dicts(sheets, "Overeenkomsten")[0]["Model"] == (
        "Bewerkersovereenkomst (Wbp, vóór 25 mei 2018)"
    )
    # And back into the same register: nothing to change.
    again = import_workbook(second)
    assert again.errors == [] and again.changes == []


def base_sheets() -> dict:
    return {
        "Leveranciers": [["Naam"], ["Schoolwolk"]],
        "Producten": [["Naam", "Leverancier", "Status"], ["Ouderapp", "Schoolwolk", "in_gebruik"]],
        "Overeenkomsten": [
            ["kenmerk", "LEVERANCIER", "Producten", "Status", "dvo-KENMERK", "model"],
            ["VO-1", "Schoolwolk", "Ouderapp", "concept", "DVO-7", "convenant 2"],
        ],
    }


def test_new_columns_import_in_any_order_and_any_case(tmp_path):
    sheets = base_sheets()
    sheets["Subverwerkers"] = [
        ["SOORT WAARBORG", "land", "naam", "Overeenkomst", "hoofdvestiging", "dienst"],
        ["scc", "nl, be", "Cloud BV", "VO-1", "us", "Hosting"],
        ["EU-US Data Privacy Framework (DPF)", "US", "Mailer", "VO-1", None, None],
    ]
    sheets["Bijsluiters"] = [
        ["subverwerkers", "BEWAARTERMIJN", "Product", "betrokkenen", "Overeenkomst", "Attributen"],
        ["Cloud BV; mailer", "1 jaar", "Ouderapp", "Ouders", "VO-1", "mail"],
    ]

    result = import_workbook(write_workbook(tmp_path / "w.xlsx", sheets))

    assert result.errors == []
    agreement = Agreement.objects.get()
    assert (agreement.model, agreement.dvo_reference) == ("convenant_2", "DVO-7")
    subs = {s.name: s for s in agreement.subprocessors.all()}
    assert (subs["Cloud BV"].countries, subs["Cloud BV"].headquarters) == ("NL, BE", "US")
    assert subs["Cloud BV"].safeguard_kind == "scc"
    assert subs["Mailer"].safeguard_kind == "dpf"
    notice = agreement.privacy_notices.get()
    assert (notice.retention, notice.data_subjects) == ("1 jaar", "Ouders")
    assert sorted(s.name for s in notice.subprocessors.all()) == ["Cloud BV", "Mailer"]


@pytest.mark.parametrize(
    "sheet, row, message",
    [
        ("Subverwerkers", ["VO-1", "Cloud", "Nederland", None, None], "in Land is geen landcode"),
        ("Subverwerkers", ["VO-1", "Cloud", "NL", "VS", None], "in Hoofdvestiging is geen"),
        ("Subverwerkers", ["VO-1", "Cloud", "NL", None, "contract"], "Soort waarborg"),
    ],
)
def test_a_bad_subprocessor_value_fails_with_sheet_and_row(tmp_path, sheet, row, message):
    sheets = base_sheets()
    sheets[sheet] = [
        ["Overeenkomst", "Naam", "Land", "Hoofdvestiging", "Soort waarborg"],
        ["VO-1", "Goed BV", "NL", None, None],
        row,
    ]
    result = import_workbook(write_workbook(tmp_path / "w.xlsx", sheets))
    assert len(result.errors) == 1, result.errors
    assert result.errors[0].startswith("Subverwerkers!row 3: ")
    assert message in result.errors[0]
    assert not Agreement.objects.exists()


def test_a_notice_naming_a_subprocessor_of_no_such_agreement_fails_with_its_row(tmp_path):
    make_agreement([make_product()], subprocessors=(("Elders BV", "NL", ""),))
    sheets = base_sheets()
    sheets["Bijsluiters"] = [
        ["Overeenkomst", "Product", "Attributen", "Subverwerkers"],
        ["VO-1", "Ouderapp", "mail", "Elders BV"],
    ]
    result = import_workbook(write_workbook(tmp_path / "w.xlsx", sheets))
    assert len(result.errors) == 1, result.errors
    assert result.errors[0].startswith("Bijsluiters!row 2: ")
    assert "zet hem op het tabblad Subverwerkers" in result.errors[0]
    assert not Agreement.objects.filter(reference="VO-1").exists()


def test_an_unknown_document_kind_fails_and_the_new_kinds_are_read(tmp_path):
    sheets = base_sheets()
    (tmp_path / "a.pdf").write_bytes(MINIMAL_PDF)
    sheets["Documenten"] = [
        ["Overeenkomst", "Soort", "Bestand"],
        ["VO-1", "ARP", "a.pdf"],
        ["VO-1", "Toetsrapport (FG of SIVON)", "a.pdf"],
        ["VO-1", "onzin", "a.pdf"],
    ]
    result = import_workbook(write_workbook(tmp_path / "w.xlsx", sheets))
    assert len(result.errors) == 1, result.errors
    assert result.errors[0].startswith("Documenten!row 4: ")
