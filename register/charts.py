"""Server-side SVG charts: no JavaScript, valid under the strict CSP (presentation attributes,
never a style attribute) and rendered as vector graphics by weasyprint in the PDF report."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Protocol

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# The stylesheet's severity colours (static/css/app.css), darkened enough for print.
COLOURS = {
    "level": "#0b5394",
    "advised": "#1e6b37",
    "high": "#b3261e",
    "medium": "#d08a1b",
    "low": "#6f9bc8",
    "grid": "#d5dbe3",
    "axis": "#4f5b69",
    "ink": "#1b2430",
}
FONT = 'font-family="DejaVu Sans, Verdana, sans-serif"'

WIDTH = 760
LEFT = 56
RIGHT = 20
TOP_PANEL = (28, 148)  # y range of the level panel (top, bottom)
BOTTOM_PANEL = (178, 288)  # y range of the flags panel
AXIS_LABELS_Y = 306
LEGEND_Y = 336
HEIGHT = 352


class Snapshot(Protocol):
    day: datetime.date
    level: int
    high: int
    medium: int
    low: int


def level_chart_svg(
    snapshots: Sequence[Snapshot], *, advised_level: int, chart_id: str = "niveau-grafiek"
) -> SafeString:
    """The level (step line, 1-5) above the open flags per severity (stacked bars), per day."""
    chart_id = escape(chart_id)
    if not snapshots:
        return mark_safe(
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} 60" width="{WIDTH}" '
            f'height="60" role="img" aria-label="{escape(_("Nog geen metingen"))}" class="chart">'
            f'<text x="{WIDTH / 2}" y="34" text-anchor="middle" {FONT} font-size="13" '
            f'fill="{COLOURS["axis"]}">{escape(_("Nog geen metingen"))}</text></svg>'
        )
    snapshots = sorted(snapshots, key=lambda s: s.day)
    first, last = snapshots[0].day, snapshots[-1].day
    span = (last - first).days
    plot_left, plot_right = LEFT, WIDTH - RIGHT
    plot_width = plot_right - plot_left
    slot = plot_width / (span + 1)
    bar_width = max(min(slot * 0.7, 22.0), 1.0)

    def x(day: datetime.date) -> float:
        return plot_left + slot * ((day - first).days + 0.5)

    level_top, level_bottom = TOP_PANEL

    def y_level(level: float) -> float:
        return level_bottom - (level - 0.5) / 5 * (level_bottom - level_top)

    flag_top, flag_bottom = BOTTOM_PANEL
    peak = max(s.high + s.medium + s.low for s in snapshots)
    flag_max = _nice_ceiling(peak)

    def y_flags(count: float) -> float:
        return flag_bottom - count / flag_max * (flag_bottom - flag_top)

    latest = snapshots[-1]
    title = _("Niveau en open signaleringen per dag")
    description = _(
        "Van %(first)s tot %(last)s. Laatste meting: niveau %(level)d, %(high)d hoog, "
        "%(medium)d middel en %(low)d laag. Advies: minimaal niveau %(advised)d."
    ) % {
        "first": date_format(first, "j F Y"),
        "last": date_format(last, "j F Y"),
        "level": latest.level,
        "high": latest.high,
        "medium": latest.medium,
        "low": latest.low,
        "advised": advised_level,
    }

    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" class="chart" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]

    # Level panel: a grid line per level, the advised minimum, and the step line.
    parts.append(_panel_title(_("Niveau"), level_top - 10))
    for level in range(1, 6):
        y = y_level(level)
        parts.append(_hline(plot_left, plot_right, y, COLOURS["grid"]))
        parts.append(_label(plot_left - 10, y + 4, str(level), anchor="end"))
    advised_y = y_level(advised_level)
    parts.append(
        f'<line x1="{plot_left}" y1="{advised_y:.1f}" x2="{plot_right}" y2="{advised_y:.1f}" '
        f'stroke="{COLOURS["advised"]}" stroke-width="1.5" stroke-dasharray="6 4"/>'
    )
    # The advised level is named in the legend, not beside its line: there the level's own
    # line and points (at level 5, or a step near the right edge) ran through the words.
    points: list[str] = []
    for index, snapshot in enumerate(snapshots):
        cx, cy = x(snapshot.day), y_level(snapshot.level)
        if index:
            points.append(f"{cx:.1f},{y_level(snapshots[index - 1].level):.1f}")
        points.append(f"{cx:.1f},{cy:.1f}")
    if len(snapshots) > 1:
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{COLOURS["level"]}" '
            f'stroke-width="2.5" stroke-linejoin="round"/>'
        )
    if len(snapshots) <= 62:
        for snapshot in snapshots:
            parts.append(
                f'<circle cx="{x(snapshot.day):.1f}" cy="{y_level(snapshot.level):.1f}" r="3.5" '
                f'fill="{COLOURS["level"]}"><title>{escape(_point_title(snapshot))}</title>'
                "</circle>"
            )
    else:
        parts.append(
            f'<circle cx="{x(latest.day):.1f}" cy="{y_level(latest.level):.1f}" r="3.5" '
            f'fill="{COLOURS["level"]}"/>'
        )

    # Flags panel: stacked bars, high at the bottom.
    parts.append(_panel_title(_("Open signaleringen"), flag_top - 10))
    for tick in _ticks(flag_max):
        y = y_flags(tick)
        parts.append(_hline(plot_left, plot_right, y, COLOURS["grid"]))
        parts.append(_label(plot_left - 10, y + 4, str(tick), anchor="end"))
    for snapshot in snapshots:
        base = 0
        for severity in ("high", "medium", "low"):
            count = getattr(snapshot, severity)
            if not count:
                continue
            top, bottom = y_flags(base + count), y_flags(base)
            parts.append(
                f'<rect x="{x(snapshot.day) - bar_width / 2:.1f}" y="{top:.1f}" '
                f'width="{bar_width:.1f}" height="{bottom - top:.1f}" '
                f'fill="{COLOURS[severity]}"><title>{escape(_point_title(snapshot))}</title>'
                "</rect>"
            )
            base += count
    parts.append(
        f'<line x1="{plot_left}" y1="{flag_bottom}" x2="{plot_right}" y2="{flag_bottom}" '
        f'stroke="{COLOURS["axis"]}" stroke-width="1"/>'
    )

    # Dates along the bottom: the first, the last and a few in between.
    for day in _date_ticks(first, last):
        # The last date ends at the plot's right edge: centred, it ran off the drawing.
        anchor = "end" if day == last and day != first else "middle"
        parts.append(_label(x(day), AXIS_LABELS_Y, date_format(day, "j b Y"), anchor=anchor))

    # Legend.
    legend = [
        ("line", COLOURS["level"], _("Niveau")),
        (
            "dash",
            COLOURS["advised"],
            _("Advies: minimaal niveau %(level)d") % {"level": advised_level},
        ),
        ("box", COLOURS["high"], _("Hoog")),
        ("box", COLOURS["medium"], _("Middel")),
        ("box", COLOURS["low"], _("Laag")),
    ]
    lx = plot_left
    for kind, colour, text in legend:
        if kind == "box":
            parts.append(
                f'<rect x="{lx}" y="{LEGEND_Y - 9}" width="12" height="12" fill="{colour}"/>'
            )
        else:
            dash = ' stroke-dasharray="6 4"' if kind == "dash" else ""
            parts.append(
                f'<line x1="{lx - 2}" y1="{LEGEND_Y - 3}" x2="{lx + 16}" y2="{LEGEND_Y - 3}" '
                f'stroke="{colour}" stroke-width="2.5"{dash}/>'
            )
        parts.append(_label(lx + 22, LEGEND_Y + 1, text, anchor="start"))
        lx += 40 + 7 * len(text)
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _point_title(snapshot: Snapshot) -> str:
    return _("%(day)s: niveau %(level)d; %(high)d hoog, %(medium)d middel, %(low)d laag") % {
        "day": date_format(snapshot.day, "j F Y"),
        "level": snapshot.level,
        "high": snapshot.high,
        "medium": snapshot.medium,
        "low": snapshot.low,
    }


def _hline(x1: float, x2: float, y: float, colour: str) -> str:
    return (
        f'<line x1="{x1}" y1="{y:.1f}" x2="{x2}" y2="{y:.1f}" stroke="{colour}" stroke-width="1"/>'
    )


def _label(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str,
    fill: str = COLOURS["axis"],
    size: int = 11,
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {FONT} font-size="{size}" '
        f'fill="{fill}">{escape(text)}</text>'
    )


def _panel_title(text: str, y: float) -> str:
    return (
        f'<text x="{LEFT}" y="{y:.1f}" {FONT} font-size="12" font-weight="bold" '
        f'fill="{COLOURS["ink"]}">{escape(text)}</text>'
    )


def _nice_ceiling(value: int) -> int:
    """The smallest 4 x (1, 2, 3, 5, 10, 15, 20, 25, ...) >= value: four whole-number ticks."""
    magnitude = 1
    while True:
        for step in (1, 1.5, 2, 2.5, 3, 5):
            scaled = step * magnitude
            if scaled == int(scaled) and 4 * scaled >= value:
                return int(4 * scaled)
        magnitude *= 10


def _ticks(maximum: int) -> list[int]:
    return [round(maximum * i / 4) for i in range(5)]


def _date_ticks(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    span = (last - first).days
    if span == 0:
        return [first]
    count = min(span, 4)
    days = {first + datetime.timedelta(days=round(span * i / count)) for i in range(count + 1)}
    return sorted(days)
