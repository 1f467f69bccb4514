"""A register built to sit exactly at level 5, and the single changes that lower it."""

from __future__ import annotations

import datetime

from agreements.models import Agreement, AgreementStatus, Decision, DocumentKind, Review
from agreements.services import add_document
from register.models import ProcessingActivity
from suppliers.models import Product

from ..conftest import make_agreement, make_flow, make_product, make_supplier

TODAY = datetime.date(2026, 6, 1)
DAY = datetime.timedelta(days=1)
PDF = b"%PDF-1.4\n%%EOF\n"


def review(agreement: Agreement, decision: str = Decision.APPROVED, **fields) -> Review:
    """An FG decision on the agreement's current content; the status follows it."""
    made = Review.objects.create(
        agreement=agreement,
        decision=decision,
        comment="Beoordeeld",
        reviewer_name="FG",
        fingerprint=agreement.content_fingerprint(),
        **fields,
    )
    agreement.status = decision
    agreement.save()
    return made


def activity_for(*products: Product, **fields) -> ProcessingActivity:
    values = {
        "name": f"Verwerking {ProcessingActivity.objects.count() + 1}",
        "purposes": "Onderwijs geven",
        "legal_bases": ["algemeen_belang"],
        "data_subjects": "Leerlingen",
        "personal_data": "Naam, klas",
        "recipients": "Leveranciers van leermiddelen",
        "retention": "Tot een jaar na uitschrijving",
        "security_measures": "Versleuteling, MFA",
    }
    values.update(fields)
    activity = ProcessingActivity.objects.create(**values)
    activity.products.set(products)
    return activity


def level5_product(
    name: str | None = None, reference: str | None = None
) -> tuple[Product, Agreement]:
    """A product in use whose evidence meets every criterion: an approved, signed agreement
    with its DPA stored, recorded flows within the agreed attributes, in a complete activity."""
    supplier = make_supplier()
    product = make_product(name, supplier=supplier)
    fields = {"reference": reference} if reference else {}
    agreement = make_agreement(
        [product],
        status=AgreementStatus.DRAFT,
        attributes=("eckId", "givenName"),
        signed_on=TODAY - 30 * DAY,
        **fields,
    )
    add_document(
        agreement=agreement, kind=DocumentKind.AGREEMENT, content=PDF, original_name="vo.pdf"
    )
    review(agreement)
    make_flow(product, "eckId")
    make_flow(product, "givenName", channel="direct")
    activity_for(product)
    return product, agreement
