"""Writes that touch several agreement rows or need the acting user (STYLE.md: services)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from .models import Agreement, Document

PDF_MAGIC = b"%PDF-"


def validate_pdf(content: bytes) -> None:
    """A document must be a PDF by its content (magic bytes), not by its name, and not too big."""
    if not content:
        raise ValidationError(_("Het bestand is leeg. Kies een PDF-bestand."), code="empty")
    if len(content) > settings.DOCUMENT_MAX_BYTES:
        limit = settings.DOCUMENT_MAX_BYTES // (1024 * 1024)
        raise ValidationError(
            _("Het bestand is groter dan %(limit)s MB. Verklein de PDF of splits hem op.")
            % {"limit": limit},
            code="too_large",
        )
    # The PDF spec lets the header start within the first 1024 bytes.
    if PDF_MAGIC not in content[:1024]:
        raise ValidationError(
            _("Dit bestand is geen PDF. Upload de overeenkomst of bijlage als PDF-bestand."),
            code="not_pdf",
        )


@transaction.atomic
def add_document(
    *, agreement: Agreement, kind: str, content: bytes, original_name: str, user=None
) -> Document:
    """Store a new version of a document; earlier versions are kept untouched."""
    validate_pdf(content)
    # Lock the agreement row so two uploads of the same kind cannot take the same version.
    Agreement.objects.select_for_update().filter(pk=agreement.pk).first()
    latest = agreement.documents.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0
    document = Document(
        agreement=agreement,
        kind=kind,
        version=latest + 1,
        original_name=original_name.replace("\\", "/").rsplit("/", 1)[-1][:255],
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        uploaded_by=user,
    )
    document.file.save("upload.pdf", ContentFile(content), save=False)
    document.full_clean()
    document.save()
    return document
