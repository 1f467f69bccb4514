"""The condition report: the board's level on "Verwerking van gegevens" as a Dutch A4 PDF,
made with weasyprint from templates/register/condition_report.html. The Niveau page and
`condition_report PATH` both use it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from suppliers.models import Product

from .charts import level_chart_svg
from .models import Organisation, ProcessingActivity
from .rules.level import (
    CONDITION_NAME,
    THEME_NAME,
    LevelResult,
    compute_level,
    history_with_today,
)

# How many open flags of one code the report's annex lists; the rest is counted and left to
# the Excel export (sheet Signaleringen), which holds them all.
ANNEX_PER_CODE = 10


@dataclass(frozen=True)
class AnnexGroup:
    """The open flags of one code in the annex: the first ANNEX_PER_CODE, and how many more."""

    code: str
    count: int
    flags: list[Any]

    @property
    def hidden_count(self) -> int:
        return self.count - len(self.flags)


def annex_groups(flags: list[Any], *, per_code: int = ANNEX_PER_CODE) -> list[AnnexGroup]:
    """The open flags (of a level result: most severe first, `flags_by_severity()`),
    grouped by code, each group cut at `per_code`."""
    groups = []
    for code, members in groupby(flags, key=lambda flag: flag.code):
        members = list(members)
        groups.append(AnnexGroup(code=code, count=len(members), flags=members[:per_code]))
    return groups


def level_context(
    *, today: datetime.date | None = None, chart_id: str = "niveau-grafiek", annex: bool = True
) -> dict[str, Any]:
    """Everything the Niveau page and the report show. Writes nothing: the chart's point for
    today is measured now when the daily `snapshot_level` has not recorded it yet. Only the
    report has the annex of open flags (`annex=False` leaves it out: sorting every open flag
    of a large register for it takes some 10 ms)."""
    today = today or timezone.localdate()
    result: LevelResult = compute_level(today=today)
    snapshots = history_with_today(result, today)
    return {
        "organisation": Organisation.load(),
        # Every criterion holds for a register without products: the page and the report say
        # that the level then means nothing yet.
        "register_empty": not Product.objects.exists(),
        "today": today,
        "condition_name": CONDITION_NAME,
        "theme_name": THEME_NAME,
        "result": result,
        "texts": [result.texts[level] for level in sorted(result.texts)],
        "growth": result.growth_perspective(),
        "snapshots": snapshots,
        "chart": level_chart_svg(snapshots, advised_level=result.advised_level, chart_id=chart_id),
        "annex_count": len(result.flags),
        "annex_groups": annex_groups(result.flags) if annex else [],
    }


def render_condition_report(*, today: datetime.date | None = None) -> bytes:
    """The PDF report of DESIGN.md section 7."""
    from weasyprint import HTML  # heavy import; only when a report is made

    context = level_context(today=today, chart_id="rapport-grafiek")
    html = render_to_string("register/condition_report.html", context)
    return HTML(string=html).write_pdf()


def report_filename(today: datetime.date) -> str:
    return f"niveau-verwerking-van-gegevens-{today.isoformat()}.pdf"


# --- the Verwerkingsregister (Art. 30(1) AVG) as a PDF ---------------------------------------


def activity_register_context(*, today: datetime.date | None = None) -> dict[str, Any]:
    """The rows of the workbook's Verwerkingen sheet (one generator for both formats), with
    the sheet's headers and the organisation."""
    from .workbook.export import RegisterExport, sheet_rows
    from .workbook.sheets import ACTIVITIES

    today = today or timezone.localdate()
    export = RegisterExport(today=today)
    headers = ACTIVITIES.headers
    shown = [i for i, column in enumerate(ACTIVITIES.columns) if column.field != "controller"]
    # A required Art. 30(1) field left empty reads "ontbreekt", not "—" like an optional one.
    required = {
        i for i in shown if ACTIVITIES.columns[i].field in ProcessingActivity.REQUIRED_FIELDS
    }
    rows = []
    for row in sheet_rows(ACTIVITIES, export.activity_records()):
        rows.append([(headers[i], _pdf_value(row[i]), i in required) for i in shown])
    return {"organisation": Organisation.load(), "today": today, "rows": rows}


def _pdf_value(value: Any) -> str:
    if isinstance(value, datetime.date):
        return value.strftime("%d-%m-%Y")
    return "" if value is None else str(value)


def render_activity_register(*, today: datetime.date | None = None) -> bytes:
    """The Verwerkingsregister PDF: one block per activity with every Art. 30(1) field."""
    from weasyprint import HTML

    html = render_to_string(
        "register/activity_register_pdf.html", activity_register_context(today=today)
    )
    return HTML(string=html).write_pdf()


def activity_register_filename(today: datetime.date) -> str:
    return f"verwerkingsregister-{today.isoformat()}.pdf"


def dpia_documents(evidence) -> list:
    """The DPIA documents (latest version per agreement) of the agreements covering the
    activity's linked products (a DPIA is often made before the agreement is approved); one
    query."""
    from agreements.models import Document, DocumentKind

    kind = DocumentKind.DPIA
    # The loaded content lists each agreement's document kinds: no query when none is a DPIA.
    agreements = [
        a
        for a in evidence.covering_agreements
        if any(document[0] == kind for document in a.content_values().documents)
    ]
    if not agreements:
        return []
    latest: dict[int, Document] = {}
    documents = Document.objects.filter(
        agreement__in=[a.pk for a in agreements], kind=kind
    ).select_related("agreement")
    for document in documents.order_by("agreement__reference", "version"):
        latest[document.agreement_id] = document
    return list(latest.values())
