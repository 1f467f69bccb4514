"""Processing agreements (verwerkersovereenkomsten, AVG art. 28) and the FG's reviews."""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections.abc import Iterable
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from suppliers.models import Attribute, Product, Supplier

# The EEA: the EU-27 plus Iceland, Liechtenstein and Norway (DESIGN.md section 5).
EEA_COUNTRIES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split()
)

# ISO 3166-1 alpha-2: the officially assigned country codes (249).
ISO_COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()
)

# Statuses in which the content may still be edited (terminated is final).
EDITABLE_STATUSES = frozenset(
    {"concept", "ter_beoordeling", "goedgekeurd", "afgekeurd", "aanpassing_gevraagd"}
)


class AgreementModel(models.TextChoices):
    CONVENANT_4 = "convenant_4", _("Model Convenant 4.0")
    CONVENANT_3 = "convenant_3", _("Model Convenant 3.0")
    GENERAL_EDUCATION = "algemeen_onderwijs", _("Algemeen model onderwijs")
    SUPPLIER_OWN = "eigen", _("Eigen model leverancier")


class AgreementStatus(models.TextChoices):
    DRAFT = "concept", _("Concept")
    SUBMITTED = "ter_beoordeling", _("Ter beoordeling")
    APPROVED = "goedgekeurd", _("Goedgekeurd")
    REJECTED = "afgekeurd", _("Afgekeurd")
    CHANGES_REQUESTED = "aanpassing_gevraagd", _("Aanpassing gevraagd")
    TERMINATED = "beeindigd", _("Beëindigd")


class Decision(models.TextChoices):
    """The FG's decision; the values equal the agreement status each one leads to."""

    APPROVED = AgreementStatus.APPROVED.value, _("Goedgekeurd")
    REJECTED = AgreementStatus.REJECTED.value, _("Afgekeurd")
    CHANGES_REQUESTED = AgreementStatus.CHANGES_REQUESTED.value, _("Aanpassing gevraagd")


# DESIGN.md section 3: the only legal status moves. Any status may move to terminated
# (final). An approved agreement may be submitted again, for a new review after a change.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    AgreementStatus.DRAFT: frozenset({AgreementStatus.SUBMITTED, AgreementStatus.TERMINATED}),
    AgreementStatus.SUBMITTED: frozenset(
        {
            AgreementStatus.APPROVED,
            AgreementStatus.REJECTED,
            AgreementStatus.CHANGES_REQUESTED,
            AgreementStatus.TERMINATED,
        }
    ),
    AgreementStatus.APPROVED: frozenset({AgreementStatus.SUBMITTED, AgreementStatus.TERMINATED}),
    AgreementStatus.REJECTED: frozenset({AgreementStatus.DRAFT, AgreementStatus.TERMINATED}),
    AgreementStatus.CHANGES_REQUESTED: frozenset(
        {AgreementStatus.DRAFT, AgreementStatus.TERMINATED}
    ),
    AgreementStatus.TERMINATED: frozenset(),
}


class DocumentKind(models.TextChoices):
    AGREEMENT = "overeenkomst", _("Verwerkersovereenkomst")
    PRIVACY_NOTICE = "bijsluiter", _("Privacybijsluiter")
    SECURITY_ANNEX = "beveiligingsbijlage", _("Beveiligingsbijlage")


# Why an agreement is not current (DESIGN.md section 5), in the order `why_not_current()`
# decides it; the flags and the verdict each word these reasons for their reader.
class NotCurrentReason(models.TextChoices):
    TERMINATED = "terminated", _("beëindigd")
    ENDED = "ended", _("verlopen")
    CHANGED_SINCE_APPROVAL = "changed_since_approval", _("gewijzigd na akkoord")
    NOT_STARTED = "not_started", _("nog niet ingegaan")
    NO_APPROVAL = "no_approval", _("geen akkoord van de FG vastgelegd")
    SUBMITTED = "submitted", _("wacht op de FG")
    CHANGES_REQUESTED = "changes_requested", _("aanpassing gevraagd")
    REJECTED = "rejected", _("afgekeurd")
    DRAFT = "draft", _("concept")


def expiry_window_end(today: datetime.date) -> datetime.date:
    """The last day of the `expiring` window (settings.EXPIRING_WITHIN_DAYS from today): the
    flags, the agreement list's filter and the reminders all read this one window."""
    return today + datetime.timedelta(days=settings.EXPIRING_WITHIN_DAYS)


class AgreementQuerySet(models.QuerySet):
    def not_terminated(self) -> AgreementQuerySet:
        return self.exclude(status=AgreementStatus.TERMINATED)

    def awaiting_review_by(self, user) -> AgreementQuerySet:
        """Submitted agreements this FG may decide: never their own submission (AVG art. 38).
        The same rule as `Agreement.awaits_review_by()`."""
        return self.filter(status=AgreementStatus.SUBMITTED).exclude(submitted_by=user)

    def in_force_on(self, day: datetime.date) -> AgreementQuerySet:
        return self.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=day)).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=day)
        )

    def ending_within(self, days: int, today: datetime.date | None = None) -> AgreementQuerySet:
        today = today or timezone.localdate()
        return self.filter(ends_on__gte=today, ends_on__lte=today + datetime.timedelta(days=days))

    def ending_in_expiry_window(self, today: datetime.date | None = None) -> AgreementQuerySet:
        """Ending from today up to `expiry_window_end()`; the same rule as
        `Agreement.ends_in_expiry_window()`."""
        today = today or timezone.localdate()
        return self.filter(ends_on__gte=today, ends_on__lte=expiry_window_end(today))

    def with_fingerprint_content(self) -> AgreementQuerySet:
        """Prefetch everything `content_fingerprint()` and the approval checks read,
        in a fixed number of queries."""
        return self.select_related("supplier").prefetch_related(
            "reviews",
            models.Prefetch("products", queryset=Product.objects.select_related("supplier")),
            "attributes",
            "subprocessors",
            "documents",
            models.Prefetch(
                "privacy_notices",
                queryset=PrivacyNotice.objects.select_related("product").prefetch_related(
                    "attributes"
                ),
            ),
        )


class Agreement(models.Model):
    reference = models.CharField(
        _("kenmerk"),
        max_length=100,
        unique=True,
        help_text=_("Uw eigen kenmerk of dossiernummer voor deze overeenkomst."),
    )
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("leverancier")
    )
    products = models.ManyToManyField(
        Product,
        related_name="agreements",
        verbose_name=_("producten"),
        help_text=_("De producten van deze leverancier waarvoor de overeenkomst geldt."),
    )
    model = models.CharField(
        _("model"),
        max_length=30,
        choices=AgreementModel.choices,
        default=AgreementModel.CONVENANT_4,
    )
    signed_on = models.DateField(_("getekend op"), null=True, blank=True)
    signed_by = models.CharField(
        _("getekend door"),
        max_length=200,
        blank=True,
        help_text=_("Wie namens het schoolbestuur heeft getekend."),
    )
    starts_on = models.DateField(_("ingangsdatum"), null=True, blank=True)
    ends_on = models.DateField(_("einddatum"), null=True, blank=True)
    purposes = models.TextField(_("doeleinden"), blank=True)
    data_subjects = models.TextField(
        _("betrokkenen"),
        blank=True,
        help_text=_("Categorieën betrokkenen, zoals leerlingen en docenten."),
    )
    retention = models.TextField(_("bewaartermijn"), blank=True)
    processing_locations = models.TextField(
        _("verwerkingslocatie"),
        blank=True,
        help_text=_(
            "Waar de gegevens worden verwerkt; beschrijvend, wordt niet automatisch gelezen."
        ),
    )
    transfer_outside_eea = models.BooleanField(
        _("doorgifte buiten de EER"),
        default=False,
        help_text=_(
            "Aanvinken als de leverancier gegevens buiten de Europese Economische Ruimte brengt."
        ),
    )
    transfer_safeguard = models.TextField(
        _("waarborg doorgifte"),
        blank=True,
        help_text=_("Bijvoorbeeld een adequaatheidsbesluit of modelcontractbepalingen (SCC's)."),
    )
    attributes = models.ManyToManyField(
        Attribute,
        related_name="agreements",
        blank=True,
        verbose_name=_("overeengekomen attributen"),
        help_text=_("Geldt voor elk product zonder eigen privacybijsluiter."),
    )
    status = models.CharField(
        _("status"), max_length=30, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    status_reason = models.TextField(
        _("reden beëindiging"), blank=True, help_text=_("Waarom de overeenkomst is beëindigd.")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ingediend door"),
    )
    submitted_at = models.DateTimeField(_("ingediend op"), null=True, blank=True)
    version = models.PositiveIntegerField(
        _("versie"),
        default=1,
        editable=False,
        help_text=_("Voor het weigeren van gelijktijdige wijzigingen."),
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[products, attributes])
    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("verwerkersovereenkomst")
        verbose_name_plural = _("verwerkersovereenkomsten")
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="agreement_ends_after_start",
                violation_error_message=_("De einddatum ligt vóór de ingangsdatum."),
            ),
        ]
        permissions = [
            ("submit_agreement", _("Mag overeenkomsten indienen ter beoordeling")),
            ("review_agreement", _("Mag overeenkomsten beoordelen (FG)")),
            ("terminate_agreement", _("Mag overeenkomsten beëindigen")),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("agreements:agreement_detail", args=[self.pk])

    def is_in_force(self, day: datetime.date | None = None) -> bool:
        day = day or timezone.localdate()
        started = self.starts_on is None or self.starts_on <= day
        not_ended = self.ends_on is None or self.ends_on >= day
        return started and not_ended

    def has_ended(self, day: datetime.date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.ends_on is not None and self.ends_on < day

    def ends_in_expiry_window(self, day: datetime.date | None = None) -> bool:
        """Ends from `day` up to `expiry_window_end()` (the `expiring` window)."""
        day = day or timezone.localdate()
        return self.ends_on is not None and day <= self.ends_on <= expiry_window_end(day)

    @property
    def is_terminated(self) -> bool:
        return self.status == AgreementStatus.TERMINATED

    @property
    def is_approved(self) -> bool:
        """Status approved (whether or not the approval still matches the content)."""
        return self.status == AgreementStatus.APPROVED

    @property
    def awaits_review(self) -> bool:
        return self.status == AgreementStatus.SUBMITTED

    def awaits_review_by(self, user) -> bool:
        """Submitted, and not by this user: an FG never decides their own submission (AVG
        art. 38). The same rule as `AgreementQuerySet.awaiting_review_by()`."""
        return self.awaits_review and self.submitted_by_id != user.pk

    @property
    def edit_returns_to_draft(self) -> bool:
        """A rejected agreement or one with changes requested goes back to draft when edited."""
        return self.status in (AgreementStatus.REJECTED, AgreementStatus.CHANGES_REQUESTED)

    @property
    def edit_voids_approval(self) -> bool:
        """An edit to an approved agreement's content voids the approval until a new review."""
        return self.is_approved

    def can_move_to(self, status: str) -> bool:
        return status in STATUS_TRANSITIONS[self.status]

    def set_status(self, status: str, *, user=None, reason: str = "") -> None:
        """The one place where the status changes: checks STATUS_TRANSITIONS and saves.

        Raises ValidationError (code `illegal_transition`) on a move the table forbids.
        The acting user and time are recorded by simple-history.
        """
        if not self.can_move_to(status):
            raise ValidationError(
                _(
                    "Een overeenkomst met status “%(current)s” kan niet naar "
                    "“%(new)s”. Toegestaan vanaf hier: %(allowed)s."
                ),
                code="illegal_transition",
                params={
                    "current": self.get_status_display(),
                    "new": AgreementStatus(status).label,
                    "allowed": ", ".join(
                        str(AgreementStatus(s).label)
                        for s in sorted(STATUS_TRANSITIONS[self.status])
                    )
                    or _("geen (definitief)"),
                },
            )
        if status == AgreementStatus.TERMINATED:
            if not reason.strip():
                raise ValidationError(
                    _("Geef een reden op waarom de overeenkomst wordt beëindigd."),
                    code="reason_required",
                )
            self.status_reason = reason.strip()
        if status == AgreementStatus.SUBMITTED:
            self.submitted_by = user
            self.submitted_at = timezone.now()
        self.status = status
        if user is not None:
            self._history_user = user
        self.save()

    set_status.alters_data = True

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def approving_review(self) -> Review | None:
        """The latest review that approved this agreement (reads prefetched reviews)."""
        approvals = [r for r in self.reviews.all() if r.decision == Decision.APPROVED]
        return max(approvals, key=lambda r: (r.decided_at, r.pk), default=None)

    def approval_matches_content(self) -> bool:
        """Approved, and the approval covers exactly the current content (DESIGN.md section 3)."""
        review = self.approving_review()
        return (
            self.status == AgreementStatus.APPROVED
            and review is not None
            and review.fingerprint == self.content_fingerprint()
        )

    def changed_since_approval(self) -> bool:
        """Approved once, but the content no longer matches what the FG approved."""
        return (
            self.status == AgreementStatus.APPROVED
            and self.approving_review() is not None
            and not self.approval_matches_content()
        )

    def is_current(self, day: datetime.date | None = None) -> bool:
        """Approved, approval still matching, and in force (DESIGN.md section 5)."""
        return self.approval_matches_content() and self.is_in_force(day)

    def why_not_current(self, day: datetime.date | None = None) -> NotCurrentReason | None:
        """Why this agreement is not current on `day`, or None when it is (DESIGN.md section
        5). An approved agreement that has ended counts as ended even if it also changed
        since its approval: ended is what blocks procurement (section 6, step 3)."""
        day = day or timezone.localdate()
        if self.status == AgreementStatus.APPROVED:
            if self.has_ended(day):
                return NotCurrentReason.ENDED
            if self.changed_since_approval():
                return NotCurrentReason.CHANGED_SINCE_APPROVAL
            if self.starts_on is not None and self.starts_on > day:
                return NotCurrentReason.NOT_STARTED
            if not self.approval_matches_content():
                return NotCurrentReason.NO_APPROVAL
            return None
        return _NOT_CURRENT_BY_STATUS[self.status]

    def content_values(self) -> ContentValues:
        """The related content an approval covers, as plain values: loaded in bulk by
        `load_content_values()`, else read through `.all()` (so that a queryset prefetched
        with `with_fingerprint_content()` needs no further queries)."""
        loaded = self.__dict__.get("_content_values")
        if loaded is not None:
            return loaded
        return ContentValues(
            supplier_name=self.supplier.name,
            products=[(p.pk, p.supplier.name, p.name) for p in self.products.all()],
            attribute_codes=[a.code for a in self.attributes.all()],
            notices=[
                (notice.product_id, [a.code for a in notice.attributes.all()])
                for notice in self.privacy_notices.all()
            ],
            subprocessors=[
                tuple(getattr(s, name) for name in APPROVED_SUBPROCESSOR_FIELDS)
                for s in self.subprocessors.all()
            ],
            documents=[(d.kind, d.version, d.sha256) for d in self.documents.all()],
        )

    def fingerprint_content(self) -> dict:
        """What an FG's approval covers (DESIGN.md section 3), as plain, sorted values."""
        return fingerprint_content_from(self, self.content_values())

    def content_fingerprint(self) -> str:
        """sha256 of `fingerprint_content()`; a review stores it, a mismatch voids the approval.

        Agreements read by `load_content_values()` carry it, computed once."""
        known = self.__dict__.get("_content_fingerprint")
        if known is not None:
            return known
        return fingerprint(self.fingerprint_content())


# What an FG's approval covers (DESIGN.md section 3, AVG art. 38-39): the agreement as the
# FG saw it, its reference and supplier in the heading and every field of "Gegevens" on its
# page. The fingerprint and the "changed since approval" diff (history.py) both read
# `fingerprint_content_from()`, which reads these lists: a field added here is covered by
# both at once, so they cannot disagree. Workflow fields (status, submitted_*) and
# bookkeeping (version, timestamps) are not content.
APPROVED_FIELDS = (
    "reference",
    "supplier",
    "model",
    "signed_on",
    "signed_by",
    "starts_on",
    "ends_on",
    "purposes",
    "data_subjects",
    "retention",
    "processing_locations",
    "transfer_outside_eea",
    "transfer_safeguard",
)
# Besides these fields: the covered products as the FG saw them (supplier and name), the
# agreed attributes, each privacy notice's attributes, the subprocessors with these fields,
# and the latest document of each kind (its sha256).
APPROVED_SUBPROCESSOR_FIELDS = ("name", "service", "country", "safeguard")


_NOT_CURRENT_BY_STATUS = {
    AgreementStatus.TERMINATED: NotCurrentReason.TERMINATED,
    AgreementStatus.SUBMITTED: NotCurrentReason.SUBMITTED,
    AgreementStatus.CHANGES_REQUESTED: NotCurrentReason.CHANGES_REQUESTED,
    AgreementStatus.REJECTED: NotCurrentReason.REJECTED,
    AgreementStatus.DRAFT: NotCurrentReason.DRAFT,
}


class ContentValues(NamedTuple):
    """An agreement's related content as plain values (the input of the fingerprint)."""

    supplier_name: str
    products: list[tuple[int, str, str]]  # (product_id, supplier name, product name)
    attribute_codes: list[str]
    notices: list[tuple[int, list[str]]]  # (product_id, attribute codes)
    subprocessors: list[tuple]  # APPROVED_SUBPROCESSOR_FIELDS, in that order
    documents: list[tuple[str, int, str]]  # (kind, version, sha256)

    @property
    def product_ids(self) -> list[int]:
        return [product_id for product_id, _supplier, _name in self.products]


def fingerprint_content_from(agreement, values: ContentValues) -> dict:
    """The one definition of what an FG's approval covers (DESIGN.md section 3): the
    agreement's own `APPROVED_FIELDS` plus its related content, as plain, sorted values.

    `agreement` may also be a historical record of one (history.py rebuilds the content as
    it was when the FG decided)."""
    latest_documents: dict[str, tuple[int, str]] = {}
    for kind, version, sha256 in values.documents:
        current = latest_documents.get(kind)
        if current is None or version > current[0]:
            latest_documents[kind] = (version, sha256)
    content: dict = {}
    for name in APPROVED_FIELDS:
        value = getattr(agreement, Agreement._meta.get_field(name).attname)
        if name == "supplier":
            value = [value, values.supplier_name]  # the id, and the name the FG read
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        content[name] = value
    content.update(
        {
            "products": sorted(list(product) for product in values.products),
            "attributes": sorted(values.attribute_codes),
            "privacy_notices": sorted(
                [product_id, sorted(codes)] for product_id, codes in values.notices
            ),
            "subprocessors": sorted(list(s) for s in values.subprocessors),
            "documents": sorted([kind, sha256] for kind, (_v, sha256) in latest_documents.items()),
        }
    )
    return content


def load_content_values(
    agreements: Iterable[Agreement], *, all_agreements: bool = False
) -> list[Agreement]:
    """Read the related content of many agreements as tuples (5 queries, whatever their
    number, and one more for the suppliers' names unless `select_related("supplier")` read
    them) and fingerprint each agreement once; `content_values()` and
    `content_fingerprint()` then need no queries. With `all_agreements`, the link tables are
    read without a filter (cheaper than a long IN list when the agreements are all of them).
    """
    agreements = list(agreements)
    by_id = {a.pk: a for a in agreements}
    supplier_names = {
        a.supplier_id: a.supplier.name for a in agreements if Agreement.supplier.is_cached(a)
    }
    missing = {a.supplier_id for a in agreements} - set(supplier_names)
    if missing:
        supplier_names.update(Supplier.objects.filter(pk__in=missing).values_list("pk", "name"))
    values = {
        pk: ContentValues(
            supplier_name=supplier_names[agreement.supplier_id],
            products=[],
            attribute_codes=[],
            notices=[],
            subprocessors=[],
            documents=[],
        )
        for pk, agreement in by_id.items()
    }

    def scoped(qs, field="agreement_id"):
        return qs if all_agreements else qs.filter(**{f"{field}__in": list(by_id)})

    for agreement_id, *product in scoped(
        Agreement.products.through.objects.values_list(
            "agreement_id", "product_id", "product__supplier__name", "product__name"
        )
    ):
        if agreement_id in values:
            values[agreement_id].products.append(tuple(product))
    for agreement_id, code in scoped(
        Agreement.attributes.through.objects.values_list("agreement_id", "attribute__code")
    ):
        if agreement_id in values:
            values[agreement_id].attribute_codes.append(code)
    # One row per notice and attribute; a notice without attributes gives one row with None.
    notice_codes: dict[int, list[str]] = {}
    for notice_id, agreement_id, product_id, code in scoped(
        PrivacyNotice.objects.values_list("pk", "agreement_id", "product_id", "attributes__code")
    ):
        if agreement_id not in values:
            continue
        if notice_id not in notice_codes:
            notice_codes[notice_id] = []
            values[agreement_id].notices.append((product_id, notice_codes[notice_id]))
        if code is not None:
            notice_codes[notice_id].append(code)
    for agreement_id, *subprocessor in scoped(
        Subprocessor.objects.order_by("name", "pk").values_list(
            "agreement_id", *APPROVED_SUBPROCESSOR_FIELDS
        )
    ):
        if agreement_id in values:
            values[agreement_id].subprocessors.append(tuple(subprocessor))
    for agreement_id, *document in scoped(
        Document.objects.order_by("pk").values_list("agreement_id", "kind", "version", "sha256")
    ):
        if agreement_id in values:
            values[agreement_id].documents.append(tuple(document))
    for pk, agreement in by_id.items():
        agreement._content_values = values[pk]
        agreement._content_fingerprint = fingerprint(
            fingerprint_content_from(agreement, values[pk])
        )
    return agreements


def fingerprint(content: dict) -> str:
    payload = json.dumps(content, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def fingerprints_for(agreements: Iterable[Agreement]) -> dict[int, str]:
    """Fingerprints of many agreements in a fixed number of queries (`load_content_values`)."""
    return {
        agreement.pk: agreement.content_fingerprint()
        for agreement in load_content_values(agreements)
    }


def pdf_file_name(name: str) -> str:
    """A client's file name as stored and served: without folders, at most 255 characters,
    always ending in `.pdf`; a PDF uploaded as `x.html` must never be offered as HTML."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name.lower().endswith(".pdf"):
        name = f"{name}.pdf" if name else "document.pdf"
    return name if len(name) <= 255 else f"{name[: 255 - 4]}.pdf"


def document_upload_to(instance: Document, filename: str) -> str:
    # Stored under a generated name, never the client's (which may hold a path).
    return f"documents/{uuid.uuid4().hex}.pdf"


class Document(models.Model):
    """One uploaded version of a DPA, privacy notice or security annex; never overwritten."""

    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("overeenkomst"),
    )
    kind = models.CharField(
        _("soort"), max_length=30, choices=DocumentKind.choices, default=DocumentKind.AGREEMENT
    )
    version = models.PositiveIntegerField(_("versie"), default=1)
    file = models.FileField(_("bestand"), upload_to=document_upload_to, max_length=255)
    original_name = models.CharField(_("oorspronkelijke bestandsnaam"), max_length=255, blank=True)
    sha256 = models.CharField(_("sha256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("grootte (bytes)"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("geüpload door"),
    )
    uploaded_at = models.DateTimeField(_("geüpload op"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documenten")
        ordering = ["agreement", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "kind", "version"], name="document_unique_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.reference}: {self.get_kind_display()} v{self.version}"

    @property
    def display_name(self) -> str:
        # pdf_file_name() again for rows stored before every name was made to end in .pdf.
        return pdf_file_name(self.original_name) if self.original_name else f"{self.kind}.pdf"


class PrivacyNotice(models.Model):
    """The privacybijsluiter of one covered product, with that product's agreed attributes."""

    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        related_name="privacy_notices",
        verbose_name=_("overeenkomst"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="privacy_notices", verbose_name=_("product")
    )
    attributes = models.ManyToManyField(
        Attribute,
        related_name="privacy_notices",
        blank=True,
        verbose_name=_("overeengekomen attributen"),
        help_text=_("Vervangt voor dit product de attributen van de overeenkomst."),
    )
    document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    note = models.TextField(_("toelichting"), blank=True)

    history = HistoricalRecords(m2m_fields=[attributes])

    class Meta:
        verbose_name = _("privacybijsluiter")
        verbose_name_plural = _("privacybijsluiters")
        ordering = ["agreement", "product__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "product"],
                name="privacynotice_one_per_product",
                violation_error_message=_(
                    "Dit product heeft al een privacybijsluiter bij deze overeenkomst."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.reference}: {self.product.name}"


class Subprocessor(models.Model):
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        related_name="subprocessors",
        verbose_name=_("overeenkomst"),
    )
    name = models.CharField(_("naam"), max_length=200)
    service = models.CharField(_("dienst"), max_length=200, blank=True)
    country = models.CharField(
        _("land"),
        max_length=2,
        blank=True,
        help_text=_("ISO 3166 alpha-2 landcode, bijvoorbeeld NL, IE of US."),
    )
    safeguard = models.TextField(
        _("waarborg"),
        blank=True,
        help_text=_("Voor landen buiten de EER: adequaatheidsbesluit, SCC's of andere waarborg."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subverwerker")
        verbose_name_plural = _("subverwerkers")
        ordering = ["agreement", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def outside_eea(self) -> bool:
        return outside_eea(self.country)

    @property
    def unsafe_transfer(self) -> bool:
        return unsafe_transfer(self.country, self.safeguard)


def outside_eea(country: str) -> bool:
    return bool(country) and country.upper() not in EEA_COUNTRIES


def unsafe_transfer(country: str, safeguard: str) -> bool:
    """A subprocessor outside the EEA without a recorded safeguard (AVG art. 44-46)."""
    return outside_eea(country) and not safeguard.strip()


class Review(models.Model):
    """The FG's decision on one exact version of an agreement (AVG art. 38-39)."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("overeenkomst")
    )
    decision = models.CharField(_("besluit"), max_length=30, choices=Decision.choices)
    comment = models.TextField(_("toelichting"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("FG"),
    )
    reviewer_name = models.CharField(
        _("naam FG"),
        max_length=200,
        blank=True,
        help_text=_("Naam van de FG, ook bij geïmporteerde besluiten."),
    )
    decided_at = models.DateTimeField(_("besloten op"), default=timezone.now)
    fingerprint = models.CharField(
        _("vingerafdruk"),
        max_length=64,
        help_text=_(
            "sha256 van de beoordeelde inhoud; wijkt de overeenkomst daarna af, dan vervalt het akkoord."
        ),
    )
    imported = models.BooleanField(
        _("geïmporteerd"),
        default=False,
        help_text=_("Overgenomen uit een bestaand register (Excel)."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("beoordeling")
        verbose_name_plural = _("beoordelingen")
        ordering = ["-decided_at", "-pk"]
        get_latest_by = ["decided_at", "pk"]

    def __str__(self) -> str:
        return f"{self.agreement.reference}: {self.get_decision_display()}"

    def matches(self, agreement: Agreement) -> bool:
        return self.fingerprint == agreement.content_fingerprint()


class ReminderThreshold(models.IntegerChoices):
    DAYS_90 = 90, _("90 dagen")
    DAYS_30 = 30, _("30 dagen")
    DAYS_7 = 7, _("7 dagen")


class ReminderSent(models.Model):
    """An expiry reminder that went out; keyed on ends_on so that a new end date re-arms it."""

    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        related_name="reminders_sent",
        verbose_name=_("overeenkomst"),
    )
    threshold = models.PositiveSmallIntegerField(_("drempel"), choices=ReminderThreshold.choices)
    ends_on = models.DateField(_("einddatum"))
    sent_at = models.DateTimeField(_("verstuurd op"), default=timezone.now)

    class Meta:
        verbose_name = _("verstuurde herinnering")
        verbose_name_plural = _("verstuurde herinneringen")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "threshold", "ends_on"], name="reminder_once_per_threshold"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.reference}: {self.threshold} dagen ({self.ends_on})"
