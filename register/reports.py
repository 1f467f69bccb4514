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

from .charts import level_chart_svg
from .models import Organisation
from .rules.level import (
    CONDITION_NAME,
    THEME_NAME,
    LevelResult,
    compute_level,
    flags_by_severity,
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
    """The open flags most severe first, grouped by code, each group cut at `per_code`."""
    groups = []
    for code, members in groupby(flags_by_severity(flags), key=lambda flag: flag.code):
        members = list(members)
        groups.append(AnnexGroup(code=code, count=len(members), flags=members[:per_code]))
    return groups


def level_context(
    *, today: datetime.date | None = None, chart_id: str = "niveau-grafiek"
) -> dict[str, Any]:
    """Everything the Niveau page and the report show. Writes nothing: the chart's point for
    today is measured now when the daily `snapshot_level` has not recorded it yet."""
    today = today or timezone.localdate()
    result: LevelResult = compute_level(today=today)
    snapshots = history_with_today(result, today)
    return {
        "organisation": Organisation.load(),
        "today": today,
        "condition_name": CONDITION_NAME,
        "theme_name": THEME_NAME,
        "result": result,
        "texts": [result.texts[level] for level in sorted(result.texts)],
        "growth": result.growth_perspective(),
        "snapshots": snapshots,
        "chart": level_chart_svg(snapshots, advised_level=result.advised_level, chart_id=chart_id),
        "annex_count": len(result.flags),
        "annex_groups": annex_groups(result.flags),
    }


def render_condition_report(*, today: datetime.date | None = None) -> bytes:
    """The PDF report of DESIGN.md section 7."""
    from weasyprint import HTML  # heavy import; only when a report is made

    context = level_context(today=today, chart_id="rapport-grafiek")
    html = render_to_string("register/condition_report.html", context)
    return HTML(string=html).write_pdf()


def report_filename(today: datetime.date) -> str:
    return f"niveau-verwerking-van-gegevens-{today.isoformat()}.pdf"
