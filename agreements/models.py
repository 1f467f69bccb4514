"""Processing agreements (verwerkersovereenkomsten, AVG art. 28) and the FG's reviews."""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from suppliers.links import detail_url
from suppliers.models import Attribute, Product, Supplier, choice_label

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

# The regions a subprocessor's location may name instead of countries (DESIGN.md 11.2):
# `EER` is inside the EEA, `wereldwijd` (anywhere) is outside it.
REGION_EEA = "EER"
REGION_WORLDWIDE = "wereldwijd"
REGIONS = (REGION_EEA, REGION_WORLDWIDE)
# What real subprocessor lists write for a region, read as the region (case-insensitive).
REGION_ALIASES = {
    "eer": REGION_EEA,
    "eea": REGION_EEA,
    "eu": REGION_EEA,
    "wereldwijd": REGION_WORLDWIDE,
}
# How the countries of one subprocessor are stored and shown: "NL, BE".
COUNTRY_SEPARATOR = ", "


class InvalidLocation(ValueError):
    """A location that is neither an ISO 3166 alpha-2 code nor a region; `value` names it."""

    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value


def parse_locations(text: str) -> list[str]:
    """Countries and regions from "NL, BE", "nl;be" or "EER": ISO codes upper-cased, regions in
    their canonical spelling, duplicates dropped, order kept. Raises `InvalidLocation`."""
    locations: list[str] = []
    for item in re.split(r"[,;/]|\s+", text or ""):
        item = item.strip()
        if not item:
            continue
        location = REGION_ALIASES.get(item.lower()) or item.upper()
        if location not in REGIONS and location not in ISO_COUNTRIES:
            raise InvalidLocation(item)
        if location not in locations:
            locations.append(location)
    return locations


def location_outside_eea(location: str) -> bool:
    """An ISO code outside the EEA, or the region `wereldwijd`; `EER` is inside."""
    if location == REGION_WORLDWIDE:
        return True
    return location != REGION_EEA and location.upper() not in EEA_COUNTRIES


# Statuses in which the content may still be edited (terminated is final).
EDITABLE_STATUSES = frozenset(
    {"concept", "ter_beoordeling", "goedgekeurd", "afgekeurd", "aanpassing_gevraagd"}
)


class AgreementModel(models.TextChoices):
    CONVENANT_4 = "convenant_4", _("Model Convenant 4.0")
    CONVENANT_3 = "convenant_3", _("Model Convenant 3.0")
    GENERAL_EDUCATION = "algemeen_onderwijs", _("Algemeen model onderwijs")
    SUPPLIER_OWN = "eigen", _("Eigen model leverancier")
    CONVENANT_2 = "convenant_2", _("Model Convenant 2.0")
    PROCESSOR_AGREEMENT_WBP = (
        "bewerkersovereenkomst",
        _("Bewerkersovereenkomst (Wbp, vóór 25 mei 2018)"),
    )


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
# The history's change reason of a status moved by a workbook import (DESIGN.md 11.4).
IMPORTED_STATUS_REASON = "import"

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
    DPIA = "dpia", _("DPIA (gegevensbeschermingseffectbeoordeling)")
    REVIEW_REPORT = "toetsrapport", _("Toetsrapport (FG of SIVON)")
    ARP = "arp", _("Attribuutvrijgavebeleid Entree (ARP)")
    MAIN_AGREEMENT = "hoofdovereenkomst", _("Hoofdovereenkomst")
    TIA = "tia", _("Doorgiftetoetsing (TIA)")


class SafeguardKind(models.TextChoices):
    """The legal ground of a transfer outside the EEA (AVG art. 45-47); blank: not given."""

    ADEQUACY = "adequaatheidsbesluit", _("Adequaatheidsbesluit")
    DPF = "dpf", _("EU-US Data Privacy Framework (DPF)")
    SCC = "scc", _("Modelcontractbepalingen (SCC)")
    BCR = "bcr", _("Bindende bedrijfsvoorschriften (BCR)")
    NONE = "geen", _("Geen waarborg")


# The kinds that safeguard a transfer on their own (DESIGN.md 11.3).
SAFEGUARDING_KINDS = frozenset(
    {SafeguardKind.ADEQUACY, SafeguardKind.DPF, SafeguardKind.SCC, SafeguardKind.BCR}
)


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
                queryset=PrivacyNotice.objects.select_related(
                    "product", "document"
                ).prefetch_related("attributes", "subprocessors"),
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
    dvo_reference = models.CharField(
        _("DVO-kenmerk"),
        max_length=100,
        blank=True,
        help_text=_(
            "Het kenmerk van de overeenkomst in de Dienst Verwerkersovereenkomsten (DVO) van "
            "Kennisnet, als ze daar is getekend."
        ),
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
        return detail_url("agreements:agreement_detail", self.pk)

    def get_status_display(self) -> str:
        return choice_label(AgreementStatus, self.status)

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

    def may_be_submitted(self, approval_matches: bool | None = None) -> bool:
        """Whether "Indienen ter beoordeling" makes sense now. An approved agreement goes
        back to the FG only when its content changed since the approval: submitting one the
        approval still covers would only withdraw a valid approval. `approval_matches` is
        `approval_matches_content()` when the caller has it already."""
        if not self.can_move_to(AgreementStatus.SUBMITTED):
            return False
        if self.status != AgreementStatus.APPROVED:
            return True
        if approval_matches is None:
            approval_matches = self.approval_matches_content()
        return not approval_matches

    def set_status(
        self, status: str, *, user=None, reason: str = "", imported: bool = False
    ) -> None:
        """The one place where the status changes: checks STATUS_TRANSITIONS and saves.

        Raises ValidationError (code `illegal_transition`) on a move the table forbids.
        The acting user and time are recorded by simple-history; `imported` marks a move
        made by a workbook import (its history record says so).
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
        if imported and not getattr(self, "_change_reason", None):
            # A reason already given (the operator who imports) is kept.
            self._change_reason = IMPORTED_STATUS_REASON
        self.save()

    set_status.alters_data = True

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def approving_review(self) -> Review | None:
        """The latest review that approved this agreement (reads prefetched reviews).

        An agreement read in bulk by `load_content_values()` is a snapshot (its content and
        fingerprint are read once): its answer is kept with it, as the rules ask it for
        every product it covers."""
        if "_approving_review" in self.__dict__:
            return self.__dict__["_approving_review"]
        approvals = [r for r in self.reviews.all() if r.decision == Decision.APPROVED]
        review = max(approvals, key=lambda r: (r.decided_at, r.pk), default=None)
        if "_content_values" in self.__dict__:
            self.__dict__["_approving_review"] = review
        return review

    def approval_matches_content(self) -> bool:
        """Approved, and the approval covers exactly the current content (DESIGN.md section 3).
        Kept with a snapshot like `approving_review()`."""
        if "_approval_matches" in self.__dict__:
            return self.__dict__["_approval_matches"]
        review = self.approving_review()
        matches = (
            self.status == AgreementStatus.APPROVED
            and review is not None
            and review.fingerprint == self.content_fingerprint()
        )
        if "_content_values" in self.__dict__:
            self.__dict__["_approval_matches"] = matches
        return matches

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
                NoticeValues(
                    notice.product_id,
                    [a.code for a in notice.attributes.all()],
                    notice_content(
                        notice,
                        [subprocessor_label(s.name, s.service) for s in notice.subprocessors.all()],
                    ),
                    notice.document.sha256 if notice.document_id else "",
                )
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

        Agreements read by `load_content_values()` keep it, computed once when first asked
        (the rules ask only of an approved agreement)."""
        known = self.__dict__.get("_content_fingerprint")
        if known is not None:
            return known
        computed = fingerprint(self.fingerprint_content())
        if "_content_values" in self.__dict__:
            self.__dict__["_content_fingerprint"] = computed
        return computed


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
# Content added after approvals were given (DESIGN.md 11.2). It enters the fingerprint only
# when filled, so an approval given before these fields existed still matches its agreement
# (the FG saw none of them, and none is filled until someone fills it: then the approval
# rightly no longer holds). This keeps every existing approval without rewriting the
# append-only reviews.
ADDED_APPROVED_FIELDS = ("dvo_reference",)
# Besides these fields: the covered products as the FG saw them (supplier and name), the
# agreed attributes, each privacy notice's attributes and content, the subprocessors with
# these fields, and the latest document of each kind (its sha256). `countries` is stored as
# "NL, BE": a single country reads exactly as the old `country` did.
APPROVED_SUBPROCESSOR_FIELDS = (
    "name",
    "service",
    "countries",
    "safeguard",
    "headquarters",
    "safeguard_kind",
)
_COUNTRIES = APPROVED_SUBPROCESSOR_FIELDS.index("countries")
# The subprocessor fields the first approvals covered; the others are added when filled.
_FIRST_SUBPROCESSOR_FIELDS = 4
# A privacy notice's own content (DESIGN.md 11.2) besides its attributes; `subprocessors`
# holds the names of the agreement's subprocessors that serve the product.
APPROVED_NOTICE_FIELDS = (
    "purposes",
    "data_subjects",
    "retention",
    "processing_locations",
)


def subprocessor_label(name: str, service: str) -> str:
    """A subprocessor as a notice names it: "Naam (Dienst)", or its name without a service
    (a subprocessor is unique per agreement, name and service)."""
    return f"{name} ({service})" if service else name


def notice_content(notice, subprocessor_names: Iterable[str]) -> dict:
    """A notice's own content as plain values (`APPROVED_NOTICE_FIELDS` and the names of its
    subprocessors, sorted)."""
    content = {name: getattr(notice, name) for name in APPROVED_NOTICE_FIELDS}
    content["subprocessors"] = sorted(subprocessor_names)
    return content


_NOT_CURRENT_BY_STATUS = {
    AgreementStatus.TERMINATED: NotCurrentReason.TERMINATED,
    AgreementStatus.SUBMITTED: NotCurrentReason.SUBMITTED,
    AgreementStatus.CHANGES_REQUESTED: NotCurrentReason.CHANGES_REQUESTED,
    AgreementStatus.REJECTED: NotCurrentReason.REJECTED,
    AgreementStatus.DRAFT: NotCurrentReason.DRAFT,
}


class NoticeValues(NamedTuple):
    """A privacy notice's content as plain values."""

    product_id: int
    codes: list[str]  # its agreed attribute codes
    own: dict  # notice_content()
    document: str  # the sha256 of its own document, "" without one


class ContentValues(NamedTuple):
    """An agreement's related content as plain values (the input of the fingerprint)."""

    supplier_name: str
    products: list[tuple[int, str, str]]  # (product_id, supplier name, product name)
    attribute_codes: list[str]
    notices: list[NoticeValues]
    subprocessors: list[tuple]  # APPROVED_SUBPROCESSOR_FIELDS, in that order
    documents: list[tuple[str, int, str]]  # (kind, version, sha256)

    @property
    def product_ids(self) -> list[int]:
        return [product_id for product_id, _supplier, _name in self.products]


@functools.cache
def _approved_attnames() -> tuple[tuple[str, str], ...]:
    """`APPROVED_FIELDS` with the attribute each is read from (`supplier_id` for `supplier`)."""
    return tuple((name, Agreement._meta.get_field(name).attname) for name in APPROVED_FIELDS)


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
    # The latest bijsluiter is in the documents' entry: a notice linking it needs no more.
    covered = latest_documents.get(DocumentKind.PRIVACY_NOTICE, (0, ""))[1]
    content: dict = {}
    for name, attname in _approved_attnames():
        value = getattr(agreement, attname)
        if name == "supplier":
            value = [value, values.supplier_name]  # the id, and the name the FG read
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        content[name] = value
    for name in ADDED_APPROVED_FIELDS:
        value = getattr(agreement, name, "")
        if value:
            content[name] = value
    content.update(
        {
            "products": sorted(list(product) for product in values.products),
            "attributes": sorted(values.attribute_codes),
            "privacy_notices": sorted(
                _notice_fingerprint(notice, covered) for notice in values.notices
            ),
            "subprocessors": sorted(_subprocessor_fingerprint(s) for s in values.subprocessors),
            "documents": sorted([kind, sha256] for kind, (_v, sha256) in latest_documents.items()),
        }
    )
    return content


def _notice_fingerprint(notice: NoticeValues, covered: str) -> list:
    # Its own content only when any of it is filled (see ADDED_APPROVED_FIELDS). Its own
    # document only when it is not the latest bijsluiter (`covered`, its sha256), which the
    # documents' entry holds: an approval of a notice that links the latest bijsluiter keeps
    # holding, and a notice linked to any other document (a second product's bijsluiter, a
    # new upload with the latest bijsluiter put back after it, the agreement's own PDF) is
    # covered too.
    filled = {name: value for name, value in notice.own.items() if value}
    if notice.document and notice.document != covered:
        filled["document"] = notice.document
    codes = sorted(notice.codes)
    return [notice.product_id, codes, filled] if filled else [notice.product_id, codes]


def _subprocessor_fingerprint(values: tuple) -> list:
    # The fields added after the first approvals only when any is filled.
    first, added = values[:_FIRST_SUBPROCESSOR_FIELDS], values[_FIRST_SUBPROCESSOR_FIELDS:]
    return list(first) + list(added) if any(added) else list(first)


class _ReadOnce:
    """What `load_content_values()` read inside `content_read_once()`: per agreement its
    content and fingerprint, and the register revision they were read at."""

    def __init__(self, revision: Callable[[], object]) -> None:
        self.revision = revision
        self.read_at: object = None
        self.known: dict[int, Agreement] = {}


_read_once: ContextVar[_ReadOnce | None] = ContextVar("content_read_once", default=None)


@contextmanager
def content_read_once(revision: Callable[[], object]) -> Iterator[None]:
    """Inside this block `load_content_values()` reads an agreement's content once while the
    register does not change: a later call takes what an earlier one read when `revision()`
    (the register's revision, which every write changes) still returns what it returned
    before that read. A write in between, or no revision (None), and it reads afresh.

    The export reads the content of every agreement for its sheets, and the flags engine,
    which it runs for its Signaleringen sheet, reads it again (docs/performance.md)."""
    token = _read_once.set(_ReadOnce(revision))
    try:
        yield
    finally:
        _read_once.reset(token)


def load_content_values(
    agreements: Iterable[Agreement], *, all_agreements: bool = False, approvals: bool = False
) -> list[Agreement]:
    """Read the related content of many agreements as tuples (5 queries, whatever their
    number, and one more for the suppliers' names unless `select_related("supplier")` read
    them); `content_values()` and `content_fingerprint()` (computed once, when first asked)
    then need no queries. With `all_agreements`, the link tables are
    read without a filter (cheaper than a long IN list when the agreements are all of them).
    With `approvals`, each agreement's approving review is read too (one more query), so that
    `approving_review()` and the approval checks need no prefetched reviews.
    Inside `content_read_once()`, one more query (the revision), and none of the others for
    agreements already read there.
    """
    agreements = list(agreements)
    memo = _read_once.get()
    if memo is None:
        return _read_content_values(agreements, all_agreements=all_agreements, approvals=approvals)
    revision = memo.revision()
    if revision is None or revision != memo.read_at:
        # Read before the content: a write after this read changes the revision again.
        memo.known, memo.read_at = {}, revision
    missing = [
        a
        for a in agreements
        if a.pk not in memo.known
        or (approvals and "_approving_review" not in memo.known[a.pk].__dict__)
    ]
    if missing:
        everything = all_agreements and len(missing) == len(agreements)
        for agreement in _read_content_values(
            missing, all_agreements=everything, approvals=approvals
        ):
            memo.known[agreement.pk] = agreement
    for agreement in agreements:
        # What the first reader read, and what it has computed since (the fingerprint is
        # computed when first asked).
        read = memo.known[agreement.pk].__dict__
        for name in ("_content_values", "_content_fingerprint", "_approving_review"):
            if name in read:
                agreement.__dict__[name] = read[name]
    return agreements


def _read_content_values(
    agreements: list[Agreement], *, all_agreements: bool, approvals: bool
) -> list[Agreement]:
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

    for row in scoped(
        Agreement.products.through.objects.values_list(
            "agreement_id", "product_id", "product__supplier__name", "product__name"
        )
    ):
        if row[0] in values:
            values[row[0]].products.append(row[1:])
    for agreement_id, code in scoped(
        Agreement.attributes.through.objects.values_list("agreement_id", "attribute__code")
    ):
        found = values.get(agreement_id)
        if found is not None:
            found.attribute_codes.append(code)
    # One row per notice, attribute and subprocessor (one query; a notice without attributes
    # or subprocessors gives rows with None), read by position: tens of thousands of rows at
    # ten times a large board. Per notice, in the order first read: its agreement, product,
    # own document, own content, attribute codes (a dict as an ordered set), subprocessors.
    notices: dict[int, tuple[int, int, str, dict, dict[str, None], set[tuple[str, str]]]] = {}
    for row in scoped(
        PrivacyNotice.objects.values_list(
            "pk",
            "agreement_id",
            "product_id",
            "document__sha256",
            "attributes__code",
            "subprocessors__name",
            "subprocessors__service",
            *APPROVED_NOTICE_FIELDS,
        )
    ):
        notice = notices.get(row[0])
        if notice is None:
            if row[1] not in values:
                continue
            notice = notices[row[0]] = (
                row[1],
                row[2],
                row[3] or "",
                dict(zip(APPROVED_NOTICE_FIELDS, row[7:], strict=True)),
                {},
                set(),
            )
        if row[4] is not None:
            notice[4][row[4]] = None
        if row[5] is not None:
            notice[5].add(row[5:7])
    for agreement_id, product_id, document, own, codes, subprocessors in notices.values():
        own["subprocessors"] = sorted(
            {subprocessor_label(name, service) for name, service in subprocessors}
        )
        values[agreement_id].notices.append(NoticeValues(product_id, list(codes), own, document))
    for row in scoped(
        Subprocessor.objects.order_by("name", "pk").values_list(
            "agreement_id", *APPROVED_SUBPROCESSOR_FIELDS
        )
    ):
        if row[0] in values:
            values[row[0]].subprocessors.append(row[1:])
    for row in scoped(
        Document.objects.order_by("pk").values_list("agreement_id", "kind", "version", "sha256")
    ):
        if row[0] in values:
            values[row[0]].documents.append(row[1:])
    if approvals:
        approving: dict[int, Review] = {}
        for review in scoped(Review.objects.filter(decision=Decision.APPROVED)).order_by(
            "decided_at", "pk"
        ):
            approving[review.agreement_id] = review  # the latest one stays
        for pk, agreement in by_id.items():
            agreement.__dict__["_approving_review"] = approving.get(pk)
    for pk, agreement in by_id.items():
        agreement._content_values = values[pk]
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
    purposes = models.TextField(
        _("doeleinden"),
        blank=True,
        help_text=_("De doeleinden voor dit product, zoals de bijsluiter ze noemt."),
    )
    data_subjects = models.TextField(
        _("betrokkenen"),
        blank=True,
        help_text=_("Van wie dit product gegevens verwerkt, zoals leerlingen, ouders, docenten."),
    )
    retention = models.TextField(_("bewaartermijn"), blank=True)
    processing_locations = models.TextField(
        _("verwerkingslocatie"),
        blank=True,
        help_text=_("Waar de gegevens voor dit product worden verwerkt; beschrijvend."),
    )
    subprocessors = models.ManyToManyField(
        "Subprocessor",
        related_name="privacy_notices",
        blank=True,
        verbose_name=_("subverwerkers"),
        help_text=_("De subverwerkers van de overeenkomst die voor dit product werken."),
    )
    note = models.TextField(_("toelichting"), blank=True)

    history = HistoricalRecords(m2m_fields=[attributes, subprocessors])

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

    def clean(self) -> None:
        # Its own document is one of its agreement's: the approval covers that one's content.
        if (
            self.document_id
            and self.agreement_id
            and self.document.agreement_id != self.agreement_id
        ):
            message = _(
                "Dit document hoort bij een andere overeenkomst. Kies een document van "
                "overeenkomst %(ref)s of laad de bijsluiter hier op."
            ) % {"ref": self.agreement.reference}
            raise ValidationError({"document": ValidationError(message, code="foreign_document")})

    def clean_subprocessors(self, subprocessors: Iterable[Subprocessor]) -> None:
        """Only the agreement's own subprocessors may serve its products; raises
        ValidationError naming the others."""
        foreign = [s.name for s in subprocessors if s.agreement_id != self.agreement_id]
        if foreign:
            raise ValidationError(
                {
                    "subprocessors": _(
                        "%(names)s hoort niet bij overeenkomst %(ref)s. Kies alleen "
                        "subverwerkers van deze overeenkomst."
                    )
                    % {"names": ", ".join(sorted(foreign)), "ref": self.agreement.reference}
                },
                code="foreign_subprocessor",
            )


class Subprocessor(models.Model):
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        related_name="subprocessors",
        verbose_name=_("overeenkomst"),
    )
    name = models.CharField(_("naam"), max_length=200)
    service = models.CharField(_("dienst"), max_length=200, blank=True)
    countries = models.CharField(
        _("landen"),
        max_length=300,
        blank=True,
        help_text=_(
            "Waar de subverwerker de gegevens verwerkt: ISO 3166-landcodes, zoals NL, BE, "
            "of de regio EER of wereldwijd."
        ),
    )
    headquarters = models.CharField(
        _("hoofdvestiging"),
        max_length=2,
        blank=True,
        help_text=_("Land van de hoofdvestiging (ISO 3166-landcode), bijvoorbeeld US."),
    )
    safeguard_kind = models.CharField(
        _("soort waarborg"),
        max_length=30,
        choices=SafeguardKind.choices,
        blank=True,
        help_text=_("Voor landen buiten de EER; leeg: niet opgegeven."),
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
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "name", "service"],
                name="subprocessor_unique_per_agreement",
                violation_error_message=_(
                    "Deze subverwerker staat met deze dienst al bij de overeenkomst."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def locations(self) -> list[str]:
        return split_locations(self.countries)

    @property
    def outside_eea(self) -> bool:
        return outside_eea(self.countries)

    @property
    def unsafe_transfer(self) -> bool:
        return unsafe_transfer(self.countries, self.safeguard, self.safeguard_kind)


def split_locations(countries: str) -> list[str]:
    """The stored "NL, BE" as a list; no validation (stored values were validated)."""
    return [c.strip() for c in countries.split(",") if c.strip()]


def join_locations(locations: Iterable[str]) -> str:
    return COUNTRY_SEPARATOR.join(locations)


def locations_as_stored(typed: str, stored: str) -> str:
    """`typed` (stored form, "NL, BE"), or `stored` when both name the same places in another
    order: retyping "BE, NL" over "NL, BE" (in the form or a workbook cell) changes nothing the
    FG approved, so it must not void the approval."""
    if stored and set(split_locations(typed)) == set(split_locations(stored)):
        return stored
    return typed


def outside_eea(countries: str) -> bool:
    """Any of the stored locations ("NL, US", "wereldwijd") lies outside the EEA."""
    return any(location_outside_eea(c) for c in split_locations(countries))


def is_safeguarded(safeguard: str, safeguard_kind: str = "") -> bool:
    """A transfer is safeguarded by a kind that is a legal ground on its own, or, with no kind
    given, by a filled safeguard text (DESIGN.md 11.3). `geen` safeguards nothing."""
    if safeguard_kind:
        return safeguard_kind in SAFEGUARDING_KINDS
    return bool(safeguard.strip())


def unsafe_transfer(countries: str, safeguard: str, safeguard_kind: str = "") -> bool:
    """A subprocessor outside the EEA without a safeguard (AVG art. 44-46)."""
    return outside_eea(countries) and not is_safeguarded(safeguard, safeguard_kind)


def transfers_outside_eea(agreement: Agreement) -> bool:
    """The agreement transfers data outside the EEA: it says so, or a subprocessor's country is
    outside the EEA or `wereldwijd` (DESIGN.md 11.3). Reads content loaded by
    `load_content_values()` or prefetched subprocessors; no query when either is there."""
    if agreement.transfer_outside_eea:
        return True
    loaded = agreement.__dict__.get("_content_values")
    if loaded is not None:
        countries = [values[_COUNTRIES] for values in loaded.subprocessors]
    else:
        countries = [s.countries for s in agreement.subprocessors.all()]
    return any(outside_eea(c) for c in countries)


def attach_subprocessors(agreement: Agreement) -> None:
    """Read the agreement's subprocessors and which of its notices each serves in ONE query,
    into the caches `.subprocessors.all()` reads on the agreement and on its (prefetched)
    notices: a page that shows both stays within its query budget."""
    rows = Subprocessor.objects.filter(agreement=agreement).annotate(
        notice_id=F("privacy_notices__id")
    )
    subprocessors: dict[int, Subprocessor] = {}
    served: dict[int, list[Subprocessor]] = {}
    for row in rows.order_by("name", "pk"):
        sub = subprocessors.setdefault(row.pk, row)
        if row.notice_id is not None:
            served.setdefault(row.notice_id, []).append(sub)
    _prefetched(agreement, "subprocessors", list(subprocessors.values()))
    for notice in agreement.privacy_notices.all():
        _prefetched(notice, "subprocessors", served.get(notice.pk, []))


def attach_product_names(agreements: Iterable[Agreement]) -> None:
    """Set `product_names` on each agreement: the names of the products it lists, in the
    products' order, read in one query of names. A list page of 50 agreements showed them
    through prefetched products, whose objects cost more than the rest of its queries."""
    names: dict[int, list[str]] = {agreement.pk: [] for agreement in agreements}
    rows = (
        Agreement.products.through.objects.filter(agreement_id__in=list(names))
        .order_by("product__name", "product__supplier__name")
        .values_list("agreement_id", "product__name")
    )
    for agreement_id, name in rows:
        names[agreement_id].append(name)
    for agreement in agreements:
        agreement.product_names = names[agreement.pk]


def _prefetched(instance: models.Model, name: str, rows: list) -> None:
    # As prefetch_related() leaves it: a queryset whose results are already read.
    queryset = Subprocessor.objects.all()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def location_unknown(countries: str) -> bool:
    """No country or region recorded (`subprocessor_location_unknown`)."""
    return not split_locations(countries)


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
    incomplete_reason = models.TextField(
        _("reden akkoord bij onvolledige overeenkomst"),
        blank=True,
        help_text=_(
            "Waarom de FG goedkeurde terwijl de controlelijst nog onderdelen mist; "
            "verplicht bij zo'n akkoord."
        ),
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


class ReviewReminderSent(models.Model):
    """The day an FG was mailed the agreements waiting for them: one such mail a day however
    often `send_reminders` runs (run by hand again, or by the cron of a second server)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("FG"),
    )
    day = models.DateField(_("dag"))
    sent_at = models.DateTimeField(_("verstuurd op"), default=timezone.now)

    class Meta:
        verbose_name = _("verstuurde FG-herinnering")
        verbose_name_plural = _("verstuurde FG-herinneringen")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="review_reminder_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.day}"


class FindingRisk(models.TextChoices):
    """SIVON's scale for a difference from Model 4.0 or the AVG: a risk, not right or wrong."""

    LOW = "laag", _("Laag")
    MEDIUM = "midden", _("Middel")  # the value stays; the label as the flags say it
    HIGH = "hoog", _("Hoog")


class FindingStatus(models.TextChoices):
    TO_RESOLVE = "op_te_lossen", _("Op te lossen door leverancier")
    ACCEPTED = "geaccepteerd", _("Risico geaccepteerd")
    RESOLVED = "opgelost", _("Opgelost")
    WITHDRAWN = "ingetrokken", _("Ingetrokken")


class FindingQuerySet(models.QuerySet):
    def accepted(self) -> FindingQuerySet:
        return self.filter(status=FindingStatus.ACCEPTED)

    def to_resolve(self) -> FindingQuerySet:
        return self.filter(status=FindingStatus.TO_RESOLVE)


class Finding(models.Model):
    """A difference the FG found between an agreement and Model 4.0 or the AVG, with its risk.

    Like SIVON's central review: a finding is a risk (laag / middel / hoog), not right or
    wrong; the board accepts it or the supplier resolves it. Never deleted: withdrawn at most.
    """

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="findings", verbose_name=_("overeenkomst")
    )
    topic = models.CharField(
        _("artikel of onderwerp"),
        max_length=200,
        help_text=_("Bijvoorbeeld: Model 4.0 art. 7 (subverwerkers) of AVG art. 28 lid 3 sub h."),
    )
    difference = models.TextField(
        _("wat wijkt af"),
        help_text=_("Wat er in de overeenkomst anders staat, en waarom dat telt."),
    )
    risk = models.CharField(_("risico"), max_length=10, choices=FindingRisk.choices)
    status = models.CharField(
        _("afhandeling"),
        max_length=20,
        choices=FindingStatus.choices,
        default=FindingStatus.TO_RESOLVE,
        help_text=_(
            "Een bevinding die de leverancier moet oplossen, houdt een akkoord tegen; een "
            "geaccepteerd risico wordt bij het akkoord vermeld."
        ),
    )
    accepted_in = models.ForeignKey(
        Review,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accepted_findings",
        verbose_name=_("geaccepteerd in besluit"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vastgelegd door"),
    )
    created_at = models.DateTimeField(_("vastgelegd op"), default=timezone.now)

    history = HistoricalRecords()
    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("bevinding")
        verbose_name_plural = _("bevindingen")
        ordering = ["agreement", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.agreement.reference}: {self.topic} ({self.get_risk_display()})"
