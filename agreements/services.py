"""Writes that touch several agreement rows or need the acting user (STYLE.md: services)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from suppliers.concurrency import StaleEditError, claim_version
from suppliers.models import Attribute, Product

from . import notifications
from .checklist import checklist_queryset, describe_missing, missing_items
from .history import changes_since, content_written_by, version_baseline
from .models import (
    APPROVED_NOTICE_FIELDS,
    Agreement,
    AgreementStatus,
    Decision,
    Document,
    DocumentKind,
    Finding,
    FindingStatus,
    PrivacyNotice,
    Review,
    Subprocessor,
    pdf_file_name,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.forms import BaseInlineFormSet

    from .forms import AgreementForm

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
        original_name=pdf_file_name(original_name),
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        uploaded_by=user,
    )
    document.file.save("upload.pdf", ContentFile(content), save=False)
    document.full_clean()
    document.save()
    return document


class ConcurrentEditError(StaleEditError):
    """Someone else saved the agreement after this editor loaded it; nothing was written.

    Carries their changes, so the page can show what the editor would have overwritten.
    """

    def __init__(self, changes: list) -> None:
        super().__init__("concurrent edit")
        self.changes = changes


def _acting_on(agreement: models.Model, user: User | None) -> None:
    if user is not None:
        agreement._history_user = user


def _refuse_if_final(agreement: Agreement) -> None:
    if not agreement.is_editable:
        raise ValidationError(
            _("Deze overeenkomst is beëindigd en kan niet meer worden gewijzigd."),
            code="terminated",
        )


def _back_to_draft_after_edit(agreement: Agreement, user: User | None) -> None:
    """A rejected or changes-requested agreement goes back to draft when edited."""
    if agreement.edit_returns_to_draft:
        # Re-read under lock: set_status saves every field, never from a stale instance.
        fresh = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if fresh.edit_returns_to_draft:
            fresh.set_status(AgreementStatus.DRAFT, user=user)
        agreement.status = fresh.status


def _require(user: User | None, perm: str, message: str) -> None:
    if user is None or not user.has_perm(perm):
        raise PermissionDenied(message)


FG_GROUP = settings.FG_GROUP


def is_fg(user: User | None) -> bool:
    """Whether `user` is in the group `fg` itself: the only ones who may record an FG decision.

    A permission is not enough: a superuser has every permission, but the decision is the
    FG's own (AVG art. 38-39), so it takes membership of the group, which nothing inherits.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    # Read with the user by accounts.backends on every request; asked once otherwise.
    if getattr(user, "in_fg_group", None) is None:
        user.in_fg_group = user.groups.filter(name=FG_GROUP).exists()
    return user.in_fg_group and user.has_perm("agreements.review_agreement")


def wrote_content(user: User, agreement: Agreement) -> bool:
    """An FG who may also edit agreements (a second role, a superuser in fg) and changed this
    agreement's content since the last decision (`content_written_by`): they may not decide
    on it (AVG art. 38). No query for an FG who may not edit."""
    return user.has_perm("agreements.change_agreement") and content_written_by(agreement, user)


def wrote_content_message() -> str:
    return _(
        "U heeft de inhoud van deze overeenkomst zelf gewijzigd sinds het laatste besluit van "
        "de FG. Een FG beoordeelt onafhankelijk (AVG art. 38): een andere FG moet over deze "
        "overeenkomst besluiten."
    )


def _claim_version(agreement: Agreement, expected_version: int | None) -> Agreement:
    """Move the agreement to the next version, if it is still at `expected_version`.

    `claim_version` (the one helper for every edited record): 0 rows claimed means someone
    else saved after this editor loaded the page, and ConcurrentEditError carries their
    changes. Returns the locked, current row (with the new version). Call inside a
    transaction.
    """
    current = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _refuse_if_final(current)
    try:
        claim_version(current, expected_version)
    except StaleEditError:
        since = version_baseline(current, expected_version or 0)
        raise ConcurrentEditError(changes_since(current, since) if since else []) from None
    return current


@transaction.atomic
def save_agreement(
    *,
    form: AgreementForm,
    subprocessor_formset: BaseInlineFormSet,
    user: User,
    expected_version: int | None,
) -> Agreement:
    """Create or edit an agreement with its subprocessors in one go.

    An edit only goes through when the agreement is still at the version the editor
    loaded; otherwise ConcurrentEditError carries the other user's changes and nothing
    is written (the editor's input stays in the form).
    """
    agreement = form.instance
    creating = agreement.pk is None
    _require(
        user,
        "agreements.add_agreement" if creating else "agreements.change_agreement",
        _("U mag overeenkomsten niet aanmaken of wijzigen."),
    )
    if not creating:
        current = _claim_version(agreement, expected_version)
        agreement.version = current.version
        agreement.status = current.status
    agreement = form.save(commit=False)
    _acting_on(agreement, user)
    agreement.full_clean(exclude=["products", "attributes"])
    agreement.save()
    form.save_m2m()
    subprocessor_formset.instance = agreement
    for subprocessor in subprocessor_formset.save(commit=False):
        _acting_on(subprocessor, user)
        subprocessor.save()
    for subprocessor in subprocessor_formset.deleted_objects:
        _acting_on(subprocessor, user)
        subprocessor.delete()
    if not creating:
        _back_to_draft_after_edit(agreement, user)
    return agreement


@transaction.atomic
def upload_document(
    *,
    agreement: Agreement,
    kind: str,
    upload: UploadedFile,
    user: User,
    reuse_identical: bool = False,
) -> Document:
    """A new document version through the UI (permission, status, and back to draft).

    The file the latest version of its kind already holds (same sha256) is no new version:
    refused, so that an approved agreement does not go back to draft for nothing; or, with
    `reuse_identical` (a privacy notice's own document), that version is taken as it is."""
    _require(user, "agreements.add_document", _("U mag geen documenten toevoegen."))
    _refuse_if_final(agreement)
    upload.seek(0)
    content = upload.read()
    latest = agreement.documents.filter(kind=kind).order_by("-version").first()
    if latest is not None and latest.sha256 == hashlib.sha256(content).hexdigest():
        if reuse_identical:
            return latest
        raise ValidationError(
            _(
                "Dit bestand is al opgeslagen als versie %(version)s (%(name)s); er is niets "
                "gewijzigd."
            )
            % {"version": latest.version, "name": latest.display_name},
            code="same_document",
        )
    document = add_document(
        agreement=agreement,
        kind=kind,
        content=content,
        original_name=upload.name or "",
        user=user,
    )
    _back_to_draft_after_edit(agreement, user)
    return document


@transaction.atomic
def save_privacy_notice(
    *,
    agreement: Agreement,
    product: Product,
    attributes: Iterable[Attribute],
    note: str = "",
    content: dict[str, str] | None = None,
    subprocessors: Iterable[Subprocessor] | None = None,
    upload: UploadedFile | None = None,
    user: User,
    expected_version: int | None = None,
) -> PrivacyNotice:
    """Set the agreed attributes of one covered product, optionally with its own content
    (`content`: purposes, data subjects, retention, locations), the agreement's subprocessors
    that serve it, and its own document.

    With `expected_version` (the page sends it) the save is refused like an agreement edit
    when someone else changed the agreement in the meantime.
    """
    _require(user, "agreements.change_privacynotice", _("U mag geen privacybijsluiters wijzigen."))
    _refuse_if_final(agreement)
    if expected_version is not None:
        current = _claim_version(agreement, expected_version)
        # Record the new version in history so a later conflict has a baseline.
        _acting_on(current, user)
        current.save()
        agreement.version = current.version
    if not agreement.products.filter(pk=product.pk).exists():
        raise ValidationError(
            _("%(product)s valt niet onder deze overeenkomst. Voeg het product eerst toe.")
            % {"product": product.name},
            code="product_not_covered",
        )
    notice = PrivacyNotice.objects.filter(agreement=agreement, product=product).first()
    if notice is None:
        notice = PrivacyNotice(agreement=agreement, product=product)
    notice.note = note
    for name, value in (content or {}).items():
        if name not in APPROVED_NOTICE_FIELDS:
            raise ValueError(f"not a notice field: {name}")
        setattr(notice, name, value)
    if upload is not None:
        notice.document = upload_document(
            agreement=agreement,
            kind=DocumentKind.PRIVACY_NOTICE,
            upload=upload,
            user=user,
            reuse_identical=True,
        )
    _acting_on(notice, user)
    notice.full_clean()
    notice.save()
    notice.attributes.set(attributes)
    if subprocessors is not None:
        notice.subprocessors.set(subprocessors)  # checked: only this agreement's (signals.py)
    _back_to_draft_after_edit(agreement, user)
    return notice


@transaction.atomic
def submit_agreement(*, agreement: Agreement, user: User) -> Agreement:
    """The privacy officer asks the FG for a decision ("Indienen ter beoordeling")."""
    _require(user, "agreements.submit_agreement", _("U mag geen overeenkomsten indienen."))
    agreement = checklist_queryset().select_for_update().get(pk=agreement.pk)
    if agreement.can_move_to(AgreementStatus.SUBMITTED) and not agreement.may_be_submitted():
        raise ValidationError(
            _(
                "Niet ingediend: de FG heeft deze overeenkomst goedgekeurd en de inhoud is "
                "sindsdien niet gewijzigd. Opnieuw indienen zou het geldige akkoord intrekken."
            ),
            code="approval_current",
        )
    _refuse_if_incomplete(agreement)
    agreement.set_status(AgreementStatus.SUBMITTED, user=user)
    transaction.on_commit(lambda: notifications.notify_submitted(agreement.pk))
    return agreement


def _refuse_if_incomplete(agreement: Agreement) -> None:
    """An agreement goes to the FG only when the checklist is complete (issue 17: an empty
    agreement was submitted and approved). An imported status is taken as it is."""
    missing = missing_items(agreement)
    if missing and agreement.can_move_to(AgreementStatus.SUBMITTED):
        raise ValidationError(
            _("Niet ingediend: de controlelijst is nog niet compleet. Vul eerst aan: %(list)s.")
            % {"list": describe_missing(missing)},
            code="incomplete",
        )


def _check_approval_readiness(agreement: Agreement, decision: str, incomplete_reason: str) -> None:
    """An approval needs no finding left for the supplier to resolve, and a stated reason
    when the checklist misses an item (the reason is stored with the review)."""
    if decision != Decision.APPROVED:
        return
    open_findings = list(agreement.findings.to_resolve().order_by("created_at", "pk"))
    if open_findings:
        raise ValidationError(
            _(
                "Goedkeuren kan nog niet: de leverancier moet eerst deze bevindingen oplossen: "
                "%(topics)s. Markeer ze als opgelost of als geaccepteerd risico, of vraag om "
                "aanpassing."
            )
            % {"topics": ", ".join(f.topic for f in open_findings)},
            code="findings_open",
        )
    missing = missing_items(checklist_queryset().get(pk=agreement.pk))
    if missing and not incomplete_reason.strip():
        raise ValidationError(
            _(
                "De controlelijst is niet compleet (%(list)s). Geef aan waarom u toch "
                "goedkeurt, of vraag om aanpassing."
            )
            % {"list": describe_missing(missing)},
            code="incomplete_reason_required",
        )


def _accept_findings(review: Review, user: User) -> None:
    """The approval lists the risks it accepts: every finding accepted at that moment."""
    if review.decision != Decision.APPROVED:
        return
    for finding in review.agreement.findings.accepted():
        finding.accepted_in = review
        _acting_on(finding, user)
        finding.save()


def _not_open_for_decision(agreement: Agreement) -> ValidationError:
    """Why no decision can be taken now; the usual case is another FG who was just faster."""
    latest = agreement.reviews.first()
    if agreement.status in Decision.values and latest is not None:
        return ValidationError(
            _(
                "Over deze overeenkomst is al besloten: %(decision)s door %(reviewer)s. Uw "
                "besluit is niet vastgelegd. Open de overeenkomst opnieuw om het besluit te zien."
            )
            % {"decision": latest.get_decision_display().lower(), "reviewer": latest.reviewer_name},
            code="already_decided",
        )
    return ValidationError(
        _("Alleen een overeenkomst met status \u201cTer beoordeling\u201d kan worden beoordeeld."),
        code="not_submitted",
    )


@transaction.atomic
def decide_agreement(
    *,
    agreement: Agreement,
    user: User,
    decision: str,
    comment: str,
    seen_fingerprint: str | None = None,
    incomplete_reason: str = "",
) -> Review:
    """The FG's decision, fingerprinted on exactly the content it covers (AVG art. 38-39)."""
    if not is_fg(user):
        raise PermissionDenied(_("Alleen de FG mag een besluit nemen over een overeenkomst."))
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if decision not in Decision.values:
        raise ValidationError(_("Kies een geldig besluit."), code="invalid_decision")
    if agreement.submitted_by_id is not None and agreement.submitted_by_id == user.pk:
        # AVG art. 38: the FG reviews independently, never their own submission.
        raise PermissionDenied(
            _(
                "U heeft deze overeenkomst zelf ingediend en mag er daarom niet over besluiten. "
                "Een andere FG moet haar beoordelen."
            )
        )
    if wrote_content(user, agreement):
        raise PermissionDenied(wrote_content_message())
    if not comment.strip():
        raise ValidationError(
            _("Licht uw besluit toe; een toelichting is verplicht."), code="comment_required"
        )
    if agreement.status != AgreementStatus.SUBMITTED:
        raise _not_open_for_decision(agreement)
    _check_approval_readiness(agreement, decision, incomplete_reason)
    fingerprint_now = agreement.content_fingerprint()
    if seen_fingerprint is not None and seen_fingerprint != fingerprint_now:
        raise ValidationError(
            _(
                "De overeenkomst is gewijzigd terwijl u haar bekeek; uw besluit is niet "
                "vastgelegd. Bekijk de nieuwe inhoud (wat er veranderde staat onder "
                "Geschiedenis) en bevestig dan opnieuw: uw toelichting staat nog in het "
                "formulier."
            ),
            code="stale",
        )
    review = Review(
        agreement=agreement,
        decision=decision,
        comment=comment.strip(),
        reviewer=user,
        reviewer_name=user.get_full_name() or user.get_username(),
        decided_at=timezone.now(),
        fingerprint=fingerprint_now,
        imported=False,
        incomplete_reason=incomplete_reason.strip() if decision == Decision.APPROVED else "",
    )
    _acting_on(review, user)
    review.full_clean()
    review.save()
    _accept_findings(review, user)
    agreement.set_status(decision, user=user)
    transaction.on_commit(lambda: notifications.notify_decided(review.pk))
    return review


@transaction.atomic
def terminate_agreement(*, agreement: Agreement, user: User, reason: str) -> Agreement:
    """End an agreement early or archive it; final, with a reason."""
    _require(user, "agreements.terminate_agreement", _("U mag geen overeenkomsten beëindigen."))
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    agreement.set_status(AgreementStatus.TERMINATED, user=user, reason=reason)
    return agreement


@transaction.atomic
def record_finding(
    *, agreement: Agreement, user: User, topic: str, difference: str, risk: str, status: str
) -> Finding:
    """The FG records a difference from Model 4.0 or the AVG, with its risk (as SIVON's
    central review does: a risk, not right or wrong)."""
    _require(user, "agreements.add_finding", _("Alleen de FG mag bevindingen vastleggen."))
    _refuse_if_final(agreement)
    finding = Finding(
        agreement=agreement,
        topic=topic.strip(),
        difference=difference.strip(),
        risk=risk,
        status=status,
        created_by=user,
    )
    _acting_on(finding, user)
    finding.full_clean()
    finding.save()
    return finding


@transaction.atomic
def settle_finding(*, finding: Finding, user: User, status: str) -> Finding:
    """Accept a finding's risk, mark it resolved by the supplier, or withdraw it; a finding
    is never deleted, its history shows every change."""
    _require(user, "agreements.change_finding", _("Alleen de FG mag bevindingen afhandelen."))
    finding = Finding.objects.select_for_update().select_related("agreement").get(pk=finding.pk)
    _refuse_if_final(finding.agreement)
    if status not in FindingStatus.values:
        raise ValidationError(_("Kies een geldige afhandeling."), code="invalid_status")
    finding.status = status
    if status != FindingStatus.ACCEPTED:
        finding.accepted_in = None
    _acting_on(finding, user)
    finding.full_clean()
    finding.save()
    return finding
