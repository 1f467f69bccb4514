"""The board's level on the Kennisnet ict-voorwaarde "Verwerking van gegevens" (DESIGN.md
section 7), theme Toegang leermiddelen.

The level is the highest L (1-5) for which every criterion of levels 2..L holds. The
criteria are read from the open flags (rules/flags.py) plus one check of our own: that
every agreement covering a product in use has been reviewed by the FG at least once
(Kennisnet level 2: "... en vervolgens getoetst door een FG"). The texts of the levels
are data (`LevelText`); the rules are here.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agreements.models import Agreement, Review
from suppliers.models import Product

from ..models import LevelSnapshot, LevelText
from . import cache
from .flags import FLAG_CODES, collector_paused

CONDITION_NAME = "Verwerking van gegevens"
THEME_NAME = "Toegang leermiddelen"
LEVELS = (1, 2, 3, 4, 5)
SEVERITIES = ("high", "medium", "low")

# The workbook's export-only `Niveau` sheet (DESIGN.md section 9).
LEVEL_SHEET = "Niveau"
LEVEL_SHEET_COLUMNS = ("Niveau", "Criterium", "Voldaan", "Toelichting")

# How many blocking records a one-line detail names before it says "en nog N".
_NAMES_IN_DETAIL = 10
# How many blocking records a `Niveau` sheet cell lists in full.
_ITEMS_IN_SHEET = 50
# How many blocking records the Niveau page and the PDF report list per criterion; the
# rest is counted ("en N andere") and, on the page, linked to the dashboard's flag list.
EVIDENCE_SHOWN = 25
# The PDF report names fewer per criterion: it is read on paper, and stays quick to make.
REPORT_EVIDENCE_SHOWN = 10


@dataclass(frozen=True)
class CriterionSpec:
    level: int
    key: str
    # Flag codes any one of which breaks the criterion; None for a check of our own.
    flag_codes: tuple[str, ...] | None
    title: str
    # What to do about each blocking record, shown above the list of what to fix.
    advice: str


def _criteria_specs() -> list[CriterionSpec]:
    # Built per call so that the texts follow the active language.
    return [
        CriterionSpec(
            2,
            "products_covered",
            ("no_agreement",),
            _(
                "Elk product in gebruik dat persoonsgegevens verwerkt, valt onder een "
                "verwerkersovereenkomst (AVG art. 28 lid 3)."
            ),
            _("Sluit een verwerkersovereenkomst met de leverancier en leg die vast."),
        ),
        CriterionSpec(
            2,
            "agreements_reviewed",
            None,
            _(
                "Elke verwerkersovereenkomst voor zo'n product is ten minste één keer door de "
                "FG getoetst (elk besluit telt, ook een geïmporteerd)."
            ),
            _("Dien de overeenkomst in ter beoordeling en laat de FG een besluit nemen."),
        ),
        CriterionSpec(
            3,
            "agreements_approved",
            ("no_agreement", "not_approved", "approval_outdated", "expired"),
            _(
                "Elk product in gebruik dat persoonsgegevens verwerkt, heeft een geldende "
                "verwerkersovereenkomst die de FG heeft goedgekeurd."
            ),
            _(
                "Laat de FG de overeenkomst (opnieuw) goedkeuren, of verleng een verlopen "
                "overeenkomst."
            ),
        ),
        CriterionSpec(
            4,
            "documents_stored",
            ("no_document",),
            _(
                "Van elke goedgekeurde of getekende overeenkomst is de verwerkersovereenkomst "
                "zelf centraal opgeslagen."
            ),
            _("Upload de getekende verwerkersovereenkomst (PDF) bij de overeenkomst."),
        ),
        CriterionSpec(
            4,
            "register_complete",
            ("register_incomplete",),
            _(
                "Het verwerkingsregister (AVG art. 30) is volledig en elk product in gebruik "
                "hoort bij een verwerking."
            ),
            _("Vul de ontbrekende velden aan of koppel het product aan een verwerking."),
        ),
        CriterionSpec(
            5,
            "flows_recorded",
            ("flows_unknown",),
            _(
                "Van elk product in gebruik is op attribuutniveau vastgelegd welke gegevens "
                "er naartoe gaan (Entree Federatie, directe koppelingen)."
            ),
            _("Leg de gegevensstromen van het product vast."),
        ),
        CriterionSpec(
            5,
            "flows_within_agreements",
            ("flow_exceeds_agreement",),
            _(
                "Geen gegevensstroom gaat verder dan de verwerkersovereenkomst toestaat: de "
                "verstrekte attributen komen overeen met de overeenkomsten."
            ),
            _(
                "Stop de verstrekking van het attribuut of neem het op in de overeenkomst "
                "(privacybijsluiter)."
            ),
        ),
    ]


@dataclass(frozen=True)
class Evidence:
    """One record that blocks a criterion: what it is, where to fix it, and why."""

    kind: str  # "product", "agreement" or "activity"
    label: str
    reason: str
    code: str = ""
    severity: str = ""
    # The record itself; its URL is only worked out for the records a page shows.
    subject: Any = field(default=None, repr=False, compare=False)

    @cached_property
    def url(self) -> str:
        get_url = getattr(self.subject, "get_absolute_url", None)
        return get_url() if get_url else ""


@dataclass
class Criterion:
    level: int
    key: str
    title: str
    advice: str
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return not self.evidence

    @property
    def shown_evidence(self) -> list[Evidence]:
        """The first EVIDENCE_SHOWN blocking records, the ones a page lists."""
        return self.evidence[:EVIDENCE_SHOWN]

    @property
    def hidden_count(self) -> int:
        """How many blocking records are left out of `shown_evidence`."""
        return self._left_out(EVIDENCE_SHOWN)

    @property
    def report_evidence(self) -> list[Evidence]:
        """The first REPORT_EVIDENCE_SHOWN blocking records, the ones the PDF report lists."""
        return self.evidence[:REPORT_EVIDENCE_SHOWN]

    @property
    def report_hidden_count(self) -> int:
        return self._left_out(REPORT_EVIDENCE_SHOWN)

    def _left_out(self, shown: int) -> int:
        return max(0, len(self.evidence) - shown)

    def flag_list_links(self) -> list[dict[str, Any]]:
        """Per flag code among the blocking records: its label, count and a link to the
        dashboard's flag list filtered by that code. Checks of our own have no link."""
        counts = Counter(item.code for item in self.evidence if item.code in FLAG_CODES)
        if not counts:
            return []
        base = reverse("dashboard")
        return [
            {
                "code": code,
                "label": str(FLAG_CODES[code][1]),
                "count": count,
                "url": f"{base}?{urlencode({'code': code})}#flags",
            }
            for code, count in counts.items()
        ]

    @property
    def names(self) -> str:
        """The blocking records by name, at most ten, then "en nog N"."""
        labels = list(dict.fromkeys(item.label for item in self.evidence))
        shown = ", ".join(labels[:_NAMES_IN_DETAIL])
        if len(labels) > _NAMES_IN_DETAIL:
            shown += " " + _("en nog %(count)d") % {"count": len(labels) - _NAMES_IN_DETAIL}
        return shown

    @property
    def summary(self) -> str:
        """How many points block it and which records, in one line; empty when met."""
        if self.met:
            return ""
        count = len(self.evidence)
        return ngettext(
            "%(count)d punt: %(names)s.",
            "%(count)d punten: %(names)s.",
            count,
        ) % {"count": count, "names": self.names}

    @property
    def detail(self) -> str:
        if self.met:
            return f"{self.title} " + _("Voldaan.")
        return f"{self.title} " + _("Niet voldaan, %(summary)s") % {"summary": self.summary}

    def as_json(self) -> dict[str, Any]:
        return {"level": self.level, "key": self.key, "met": self.met, "detail": self.detail}


@dataclass
class LevelResult:
    level: int
    advised_level: int
    criteria: list[Criterion]
    next_step: str | None
    texts: dict[int, LevelText]
    flags: list[Any]  # most severe first (`flags_by_severity()`), as the annex lists them
    today: datetime.date

    @property
    def meets_advice(self) -> bool:
        return self.level >= self.advised_level

    @property
    def severity_counts(self) -> dict[str, int]:
        counts = Counter(flag.severity for flag in self.flags)
        return {severity: counts.get(severity, 0) for severity in SEVERITIES}

    @property
    def unmet_criteria(self) -> list[Criterion]:
        return [criterion for criterion in self.criteria if not criterion.met]

    @property
    def next_level(self) -> int | None:
        return self.level + 1 if self.level < LEVELS[-1] else None

    @property
    def next_level_text(self) -> LevelText | None:
        return self.texts.get(self.next_level) if self.next_level else None

    @property
    def blocking_next_level(self) -> list[Criterion]:
        """The unmet criteria that stand between the board and the next level."""
        return [c for c in self.unmet_criteria if c.level == self.next_level]

    def text(self, level: int) -> LevelText | None:
        return self.texts.get(level)

    def growth_perspective(self) -> list[tuple[str, int, LevelText | None]]:
        """The Kennisnet report's layout: current situation, then growth steps 1 and 2."""
        steps = [(_("Onze huidige situatie"), self.level)]
        for number, level in enumerate(range(self.level + 1, min(self.level + 2, 5) + 1), 1):
            steps.append((_("Groeistap %(number)d") % {"number": number}, level))
        return [(heading, level, self.texts.get(level)) for heading, level in steps]

    def as_json(self) -> dict[str, Any]:
        """The contract of `condition_level --json` (DESIGN.md section 8)."""
        return {
            "level": self.level,
            "advised_level": self.advised_level,
            "criteria": [criterion.as_json() for criterion in self.criteria],
            "next_step": self.next_step,
        }


def compute_level(
    today: datetime.date | None = None, flags: Sequence[Any] | None = None
) -> LevelResult:
    """The level of DESIGN.md section 7, each criterion with the records that block it.

    Pass `flags` when the caller already computed them for the same day. Reads the
    register in a fixed number of queries (the flags engine's, plus three); without
    `flags`, computed once per register revision and day (rules/cache.py), and the result
    is shared: read it, never change it.
    """
    today = today or timezone.localdate()
    if flags is None:
        return cache.kept_rules(today).level()
    return _level(today, flags_by_severity(flags))


def level_from_state(state: Any) -> LevelResult:
    """The level from the rules' kept state (rules/incremental.py): its flags, the evidence
    it kept per flag and per unreviewed agreement; one query (the level texts). Like the
    flags, with the collector paused: it adds thousands of objects that all stay, beside a
    kept state the collector would otherwise walk again and again."""
    with collector_paused():
        return _level_from_state(state)


def _level_from_state(state: Any) -> LevelResult:
    kept = state.evidence
    if state.unreviewed is None:
        state.unreviewed = {item.subject.pk: item for item in unreviewed_agreements()}

    def evidence_of(flag: Any) -> Evidence:
        found = kept.get(id(flag))
        if found is None or found[0] is not flag:  # an id is only unique while alive
            found = kept[id(flag)] = (flag, _flag_evidence(flag))
        return found[1]

    unreviewed = [state.unreviewed[pk] for pk in sorted(state.unreviewed, key=_reference_of(state))]
    return _level(state.today, state.flags, evidence_of=evidence_of, unreviewed=unreviewed)


def _reference_of(state: Any):
    return lambda pk: state.unreviewed[pk].subject.reference


def _level(
    today: datetime.date,
    flags: Sequence[Any],
    evidence_of: Any = None,
    unreviewed: list[Evidence] | None = None,
) -> LevelResult:
    flags = list(flags)
    evidence_of = evidence_of or _flag_evidence
    by_code: dict[str, list[Any]] = {}
    for flag in flags:
        by_code.setdefault(flag.code, []).append(flag)

    criteria = []
    for spec in _criteria_specs():
        if spec.flag_codes is None:
            evidence = unreviewed_agreements() if unreviewed is None else list(unreviewed)
        else:
            evidence = [
                evidence_of(flag) for code in spec.flag_codes for flag in by_code.get(code, [])
            ]
        criteria.append(Criterion(spec.level, spec.key, spec.title, spec.advice, evidence=evidence))

    level = 1
    for candidate in LEVELS[1:]:
        if not all(c.met for c in criteria if c.level == candidate):
            break
        level = candidate

    texts = {text.level: text for text in LevelText.objects.all()}
    result = LevelResult(
        level=level,
        advised_level=settings.ADVISED_CONDITION_LEVEL,
        criteria=criteria,
        next_step=None,
        texts=texts,
        flags=flags,
        today=today,
    )
    result.next_step = _next_step(result)
    return result


def _next_step(result: LevelResult) -> str | None:
    if result.next_level is None:
        return None
    text = result.text(result.next_level)
    step = _("Naar niveau %(level)d") % {"level": result.next_level}
    if text is not None:
        step += f" ({text.text.rstrip('.')})"
    todo = " ".join(f"{c.advice.rstrip('.')}: {c.names}." for c in result.blocking_next_level)
    return f"{step}. {todo}"


def _subject_of(flag: Any) -> Any:
    subject = getattr(flag, "subject", None)
    if subject is not None:
        return subject
    return flag.product or flag.agreement or flag.activity


def _flag_evidence(flag: Any) -> Evidence:
    subject = _subject_of(flag)
    if flag.product is not None and subject is flag.product:
        kind = "product"
    elif flag.agreement is not None and subject is flag.agreement:
        kind = "agreement"
    else:
        kind = "activity"
    return Evidence(
        kind=kind,
        label=_label(kind, subject),
        reason=str(flag.message),
        code=flag.code,
        severity=flag.severity,
        subject=subject,
    )


def _label(kind: str, subject: Any) -> str:
    if kind == "agreement" and isinstance(subject, Agreement):
        return f"{subject.reference} ({subject.supplier.name})"
    return str(subject)


def unreviewed_agreements(agreement_ids: Iterable[int] | None = None) -> list[Evidence]:
    """Agreements covering a product in use with personal data that no FG ever reviewed
    (among `agreement_ids` when given).

    Two queries whatever the size of the register (AVG art. 38-39: the FG reviews).
    """
    in_scope = Product.objects.in_scope()
    candidates = Agreement.objects.not_terminated()
    if agreement_ids is not None:
        candidates = candidates.filter(pk__in=list(agreement_ids))
    agreements = (
        candidates.filter(Exists(in_scope.filter(agreements=OuterRef("pk"))))
        .filter(~Exists(Review.objects.filter(agreement=OuterRef("pk"))))
        .select_related("supplier")
        .prefetch_related(
            Prefetch(
                "products",
                queryset=in_scope.select_related("supplier").order_by("name"),
                to_attr="in_scope_products",
            )
        )
        .order_by("reference")
    )
    evidence = []
    for agreement in agreements:
        names = ", ".join(product.name for product in agreement.in_scope_products)
        evidence.append(
            Evidence(
                kind="agreement",
                label=_label("agreement", agreement),
                subject=agreement,
                reason=_(
                    "Nog nooit door de FG getoetst (status: %(status)s); geldt voor %(products)s."
                )
                % {"status": agreement.get_status_display().lower(), "products": names},
                code="not_reviewed",
                severity="high",
            )
        )
    return evidence


def level_rows(result: LevelResult) -> Iterator[tuple[int, str, str, str]]:
    """Rows of the workbook's `Niveau` sheet: Niveau, Criterium, Voldaan, Toelichting."""
    for criterion in result.criteria:
        if criterion.met:
            explanation = _("Voldaan.")
        else:
            items = [f"{item.label}: {item.reason}" for item in criterion.evidence]
            if len(items) > _ITEMS_IN_SHEET:  # a spreadsheet cell holds 32,767 characters
                rest = len(items) - _ITEMS_IN_SHEET
                items = items[:_ITEMS_IN_SHEET] + [_("en nog %(count)d") % {"count": rest}]
            explanation = " ".join([criterion.summary, criterion.advice, *items])
        yield (criterion.level, criterion.title, "ja" if criterion.met else "nee", explanation)


def snapshot_history(today: datetime.date | None = None, days: int = 365) -> list[LevelSnapshot]:
    """The daily snapshots of the last `days` days, oldest first, for the chart."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=days)
    return list(LevelSnapshot.objects.filter(day__gt=since, day__lte=today).order_by("day"))


@transaction.atomic
def record_snapshot(
    *, today: datetime.date | None = None, result: LevelResult | None = None
) -> tuple[LevelSnapshot, bool]:
    """Record today's level and open flag counts, once per day.

    Returns the snapshot and whether it was created now. An existing snapshot of the day is
    left alone: the first measurement of a day stands (the unique day makes concurrent
    requests safe).
    """
    today = today or timezone.localdate()
    existing = LevelSnapshot.objects.filter(day=today).first()
    if existing is not None:
        return existing, False
    result = result or compute_level(today=today)
    measured = snapshot_of(result, today)
    return LevelSnapshot.objects.get_or_create(
        day=today,
        defaults={
            "level": measured.level,
            "high": measured.high,
            "medium": measured.medium,
            "low": measured.low,
        },
    )


def snapshot_of(result: LevelResult, day: datetime.date) -> LevelSnapshot:
    """The level and open flag counts of `result` as a snapshot of `day`, not stored."""
    counts = result.severity_counts
    return LevelSnapshot(
        day=day,
        level=result.level,
        high=counts["high"],
        medium=counts["medium"],
        low=counts["low"],
    )


def history_with_today(result: LevelResult, today: datetime.date) -> list[LevelSnapshot]:
    """The stored snapshots of the last year with today's point as measured now, for the chart.

    Today's point is always the page's own measurement, even when the daily `snapshot_level`
    (cron) recorded an earlier one: the chart and the counts above it must agree (issue 17).
    Nothing is stored: a page view never writes.
    """
    snapshots = [s for s in snapshot_history(today=today) if s.day != today]
    snapshots.append(snapshot_of(result, today))
    return snapshots


def flags_by_severity(flags: Iterable[Any]) -> list[Any]:
    """The open flags, most severe first, then by code and subject (the report's annex)."""
    return sorted(flags, key=lambda flag: flag.sort_key())
