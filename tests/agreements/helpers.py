"""Small helpers shared by the agreement tests."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from agreements.models import Agreement

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def pdf_upload(name: str = "overeenkomst.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def edit_data(agreement: Agreement, **overrides) -> dict:
    """The POST data of the edit form as the page would send it, with overrides."""
    data = {
        "reference": agreement.reference,
        "products": [p.pk for p in agreement.products.all()],
        "model": agreement.model,
        "signed_on": agreement.signed_on.isoformat() if agreement.signed_on else "",
        "signed_by": agreement.signed_by,
        "starts_on": agreement.starts_on.isoformat() if agreement.starts_on else "",
        "ends_on": agreement.ends_on.isoformat() if agreement.ends_on else "",
        "purposes": agreement.purposes,
        "data_subjects": agreement.data_subjects,
        "retention": agreement.retention,
        "processing_locations": agreement.processing_locations,
        "dvo_reference": agreement.dvo_reference,
        "transfer_safeguard": agreement.transfer_safeguard,
        "attributes": [a.pk for a in agreement.attributes.all()],
        "version": agreement.version,
    }
    if agreement.transfer_outside_eea:
        data["transfer_outside_eea"] = "on"
    subprocessors = list(agreement.subprocessors.all())
    data.update(
        {
            "sub-TOTAL_FORMS": str(len(subprocessors) + 1),
            "sub-INITIAL_FORMS": str(len(subprocessors)),
            "sub-MIN_NUM_FORMS": "0",
            "sub-MAX_NUM_FORMS": "1000",
        }
    )
    for i, sub in enumerate(subprocessors):
        data.update(
            {
                f"sub-{i}-id": str(sub.pk),
                f"sub-{i}-agreement": str(agreement.pk),
                f"sub-{i}-name": sub.name,
                f"sub-{i}-service": sub.service,
                f"sub-{i}-countries": sub.countries,
                f"sub-{i}-headquarters": sub.headquarters,
                f"sub-{i}-safeguard_kind": sub.safeguard_kind,
                f"sub-{i}-safeguard": sub.safeguard,
            }
        )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
