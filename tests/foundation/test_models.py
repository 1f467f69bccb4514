import datetime

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from agreements.models import Agreement, Document, Review
from agreements.services import add_document
from register.models import Organisation, School
from suppliers.models import Attribute, DataFlow, Product

from ..conftest import attrs, make_agreement, make_flow, make_product, make_supplier

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_product_names_are_unique_per_supplier_whatever_the_case():
    product = make_product("Rekenrijk")
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.create(supplier=product.supplier, name="REKENRIJK")
    # Another supplier may use the same name.
    make_product("Rekenrijk", supplier=make_supplier())


def test_supplier_names_are_unique_whatever_the_case():
    make_supplier("Noorderlicht")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_supplier("noorderlicht")


def test_an_agreement_cannot_end_before_it_starts():
    product = make_product()
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.create(
            reference="X-1",
            supplier=product.supplier,
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2025, 12, 31),
        )


def test_a_data_flow_is_recorded_once_per_product_attribute_and_channel():
    product = make_product()
    make_flow(product, "eckId", "entree")
    make_flow(product, "eckId", "direct")  # another channel is another flow
    with pytest.raises(IntegrityError), transaction.atomic():
        make_flow(product, "eckId", "entree")


def test_school_brin_is_unique():
    School.objects.create(brin="12AB", name="A")
    with pytest.raises(IntegrityError), transaction.atomic():
        School.objects.create(brin="12AB", name="B")


def test_there_is_one_organisation():
    Organisation(name="Eerste").save()
    Organisation(name="Tweede").save()
    assert Organisation.objects.count() == 1
    assert Organisation.load().name == "Tweede"


def test_agreements_documents_and_reviews_are_never_deleted(fg):
    agreement = make_agreement([make_product()], status="goedgekeurd", reviewer=fg)
    document = add_document(
        agreement=agreement, kind="overeenkomst", content=PDF, original_name="a.pdf"
    )
    for obj in (Review.objects.get(), document, agreement):
        with pytest.raises(ProtectedError), transaction.atomic():
            obj.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        Agreement.objects.all().delete()
    assert Agreement.objects.count() == 1
    assert Document.objects.count() == 1
    assert Review.objects.count() == 1


def test_the_attribute_vocabulary_is_seeded():
    codes = set(Attribute.objects.values_list("code", flat=True))
    assert {
        "eckId",
        "givenName",
        "nlEduPersonHomeOrganizationBranchId",
        "bsn_pgn",
        "gebruiksgegevens",
    } <= codes
    # 27 seeded at install, 15 added for real privacy notices (DESIGN.md 11.1).
    assert len(codes) == 27 + 15
    sensitive = set(Attribute.objects.filter(sensitive=True).values_list("code", flat=True))
    assert {"gezondheid", "bsn_pgn", "foto", "godsdienst"} <= sensitive
    assert Attribute.objects.get(code="eckId").standard == "entree"
    assert Attribute.objects.get(code="leerlingnummer").standard == "generiek"


def test_attribute_codes_are_case_sensitive():
    assert not Attribute.objects.filter(code="eckid").exists()
    assert Attribute.objects.filter(code="eckId").exists()


def test_deleting_a_product_removes_its_flows_only():
    product = make_product()
    make_flow(product, "eckId")
    product.delete()
    assert DataFlow.objects.count() == 0
    assert attrs("eckId")
