"""The condition report: the board's level on "Verwerking van gegevens" as a Dutch A4 PDF,
made with weasyprint from templates/register/condition_report.html. The Niveau page and
`condition_report PATH` both use it."""

from __future__ import annotations

import datetime
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
    record_snapshot,
    snapshot_history,
)


def level_context(
    *, today: datetime.date | None = None, chart_id: str = "niveau-grafiek"
) -> dict[str, Any]:
    """Everything the Niveau page and the report show; records today's snapshot if missing."""
    today = today or timezone.localdate()
    result: LevelResult = compute_level(today=today)
    record_snapshot(today=today, result=result)
    snapshots = snapshot_history(today=today)
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
        "annex_flags": flags_by_severity(result.flags),
    }


def render_condition_report(*, today: datetime.date | None = None) -> bytes:
    """The PDF report of DESIGN.md section 7."""
    from weasyprint import HTML  # heavy import; only when a report is made

    context = level_context(today=today, chart_id="rapport-grafiek")
    html = render_to_string("register/condition_report.html", context)
    return HTML(string=html).write_pdf()


def report_filename(today: datetime.date) -> str:
    return f"niveau-verwerking-van-gegevens-{today.isoformat()}.pdf"
