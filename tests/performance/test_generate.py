"""`generate_register`: the large register the benchmark runs on (issue 8)."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.test import override_settings
from pypdf import PdfReader

from agreements.models import Agreement, AgreementStatus, Document, Subprocessor
from bench.generate import generate_register, register_counts, scaled_counts
from register.models import School
from suppliers.models import DataFlow, Product, Supplier

from ..conftest import make_product

pytestmark = pytest.mark.django_db

HEADLINE = ["schools", "suppliers", "products", "agreements", "subprocessors", "data_flows"]
HEADLINE += ["activities"]


def register_digest() -> str:
    """A digest of the register by natural keys (database ids and timestamps left out)."""
    rows = []
    rows += School.objects.order_by("brin").values_list("brin", "name", "sector")
    rows += Supplier.objects.order_by("name").values_list("name", "kvk_number", "convenant")
    rows += Product.objects.order_by("name").values_list(
        "supplier__name", "name", "kind", "status", "processes_personal_data"
    )
    rows += DataFlow.objects.order_by(
        "product__name", "attribute__code", "channel", "subject"
    ).values_list("product__name", "attribute__code", "channel", "subject")
    agreements = Agreement.objects.select_related("supplier").with_fingerprint_content()
    for agreement in agreements.order_by("reference"):
        rows.append(
            (
                agreement.reference,
                agreement.supplier.name,
                agreement.status,
                str(agreement.starts_on),
                str(agreement.ends_on),
                str(agreement.signed_on),
                sorted(p.name for p in agreement.products.all()),
                sorted(a.code for a in agreement.attributes.all()),
                sorted((s.name.split()[0], s.countries) for s in agreement.subprocessors.all()),
                sorted((d.kind, d.version, d.sha256) for d in agreement.documents.all()),
                sorted(r.decision for r in agreement.reviews.all()),
                agreement.approval_matches_content(),
            )
        )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_counts_follow_the_scale():
    small = generate_register(scale=0.002, seed=3)
    assert {k: small[k] for k in HEADLINE} == scaled_counts(0.002)
    bigger = generate_register(scale=0.01, seed=3, flush=True)
    assert {k: bigger[k] for k in HEADLINE} == scaled_counts(0.01)
    assert scaled_counts(0.01)["data_flows"] == 480
    assert scaled_counts(1) == {
        "schools": 250,
        "suppliers": 1500,
        "products": 6000,
        "agreements": 1500,
        "subprocessors": 3000,
        "data_flows": 48000,
        "activities": 500,
    }


def test_the_same_seed_gives_the_same_register_and_another_seed_another():
    generate_register(scale=0.01, seed=7)
    first = register_digest()
    generate_register(scale=0.01, seed=7, flush=True)
    assert register_digest() == first
    generate_register(scale=0.01, seed=8, flush=True)
    assert register_digest() != first


def test_the_register_has_every_status_outdated_approvals_and_transfers_outside_the_eea():
    generate_register(scale=0.02, seed=1)
    agreements = list(Agreement.objects.with_fingerprint_content())
    assert {a.status for a in agreements} == set(AgreementStatus.values)
    approved = [a for a in agreements if a.status == AgreementStatus.APPROVED]
    assert any(a.approval_matches_content() for a in approved)
    assert any(a.changed_since_approval() for a in approved)
    assert any(a.is_current() for a in approved)
    assert any(s.unsafe_transfer for s in Subprocessor.objects.all())
    assert any(a.privacy_notices.all() for a in agreements)


def test_generated_documents_are_real_pdfs_whose_hash_matches_the_stored_file():
    generate_register(scale=0.005, seed=1)
    document = Document.objects.order_by("pk").first()
    content = document.file.read()
    assert hashlib.sha256(content).hexdigest() == document.sha256
    assert document.agreement.reference in PdfReader(io.BytesIO(content)).pages[0].extract_text()


def test_history_is_written_for_rows_and_their_links():
    generate_register(scale=0.005, seed=1)
    agreement = Agreement.objects.order_by("pk").first()
    record = agreement.history.get()
    assert record.history_type == "+"
    assert {p.product_id for p in record.products.all()} == set(
        agreement.products.values_list("pk", flat=True)
    )
    assert DataFlow.history.count() == DataFlow.objects.count()


def test_it_refuses_a_register_that_holds_data_and_says_how_to_replace_it():
    make_product(name="Bestaand product")
    with pytest.raises(CommandError, match="--flush"):
        call_command("generate_register", "--scale", "0.002")
    assert Product.objects.get().name == "Bestaand product"

    with override_settings(DEBUG=True):
        call_command("generate_register", "--scale", "0.002", "--flush", stdout=io.StringIO())
    assert not Product.objects.filter(name="Bestaand product").exists()
    assert register_counts()["products"] == scaled_counts(0.002)["products"]


def test_flush_is_refused_with_debug_off_and_nothing_is_deleted():
    make_product(name="Bestaand product")
    with pytest.raises(CommandError, match="refused with debug off"):
        call_command("generate_register", "--scale", "0.002", "--flush")
    assert Product.objects.get().name == "Bestaand product"


def test_flows_carry_pupils_parents_and_staff_data():
    generate_register(scale=0.01, seed=3)
    subjects = dict(
        DataFlow.objects.values_list("subject").annotate(n=Count("pk")).order_by("subject")
    )
    assert set(subjects) == {"leerling", "ouder", "medewerker"}
    assert subjects["leerling"] > subjects["medewerker"] > 0
    # Parents' flows are contact details, never a pupil's identifiers.
    parents = set(
        DataFlow.objects.filter(subject="ouder").values_list("attribute__code", flat=True)
    )
    assert parents <= {"mail", "telefoonnummer", "adres", "givenName", "sn"}


def test_the_fields_of_issue_15_are_populated():
    from agreements.models import PrivacyNotice

    generate_register(scale=0.02, seed=1)
    assert Subprocessor.objects.filter(countries__contains=",").exists()
    assert Subprocessor.objects.exclude(headquarters="").exists()
    assert Subprocessor.objects.exclude(safeguard_kind="").exists()
    assert Agreement.objects.exclude(dvo_reference="").exists()
    assert PrivacyNotice.objects.exclude(retention="").exists()
    assert PrivacyNotice.subprocessors.through.objects.exists()
    assert {"arp", "dpia"} <= set(Document.objects.values_list("kind", flat=True))
