"""Daily snapshots of the level and the open flags: once per day, for the chart over time."""

from __future__ import annotations

import datetime
import io
import json

import pytest
import time_machine
from django.core.management import call_command

from register.charts import level_chart_svg
from register.models import LevelSnapshot
from register.rules.level import record_snapshot, snapshot_history

from ..conftest import client_for, make_product
from .helpers import level5_product

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_snapshot_level_records_one_snapshot_per_day():
    make_product()  # level 1, one high flag

    with time_machine.travel(datetime.datetime(2026, 3, 2, 6, 0, tzinfo=datetime.UTC)):
        first = run("snapshot_level")
        second = run("snapshot_level")
    with time_machine.travel(datetime.datetime(2026, 3, 3, 6, 0, tzinfo=datetime.UTC)):
        run("snapshot_level")

    assert "Meting vastgelegd voor 2026-03-02" in first
    assert "Er was al een meting voor 2026-03-02" in second
    assert list(LevelSnapshot.objects.values_list("day", "level", "high")) == [
        (datetime.date(2026, 3, 2), 1, 1),
        (datetime.date(2026, 3, 3), 1, 1),
    ]


def test_the_page_and_the_cron_job_share_the_days_snapshot(reader):
    level5_product()
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)):
        client_for(reader).get("/register/niveau/")
        run("snapshot_level")
        client_for(reader).get("/register/niveau/")

    assert LevelSnapshot.objects.count() == 1
    assert LevelSnapshot.objects.get().level == 5


def test_the_snapshot_counts_open_flags_per_severity():
    make_product()  # no agreement (high), no flows (low), not in the register (medium)

    snapshot, created = record_snapshot(today=datetime.date(2026, 3, 2))

    assert created
    assert (snapshot.high, snapshot.medium, snapshot.low) == (1, 1, 1)


def test_the_chart_shows_the_last_year_of_snapshots():
    for day, level in [("2025-01-10", 1), ("2026-01-10", 2), ("2026-03-01", 3)]:
        LevelSnapshot.objects.create(day=datetime.date.fromisoformat(day), level=level, high=1)

    history = snapshot_history(today=datetime.date(2026, 3, 2))
    svg = level_chart_svg(history, advised_level=3)

    assert [s.level for s in history] == [2, 3]
    assert "10 jan 2026" in svg or "10 januari 2026" in svg
    assert "2025" not in svg
    assert "style=" not in svg


def test_the_last_date_under_the_chart_ends_inside_the_drawing():
    import re

    for day in ("2026-01-10", "2026-03-01"):
        LevelSnapshot.objects.create(day=datetime.date.fromisoformat(day), level=2)
    svg = level_chart_svg(snapshot_history(today=datetime.date(2026, 3, 2)), advised_level=3)
    last = re.search(r'<text[^>]*text-anchor="(\w+)"[^>]*>1 mrt 2026</text>', svg)
    assert last is not None and last.group(1) == "end", svg


def test_the_advised_level_is_named_in_the_legend_not_over_the_level_line():
    import re

    for day, level in [("2026-02-01", 4), ("2026-03-01", 5)]:
        LevelSnapshot.objects.create(day=datetime.date.fromisoformat(day), level=level)
    svg = level_chart_svg(snapshot_history(today=datetime.date(2026, 3, 2)), advised_level=5)
    texts = re.findall(r'<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>', svg)
    advice = [(float(x), float(y)) for x, y, text in texts if "minimaal niveau 5" in text]
    # Once, in the legend below both panels (the flags panel ends at y 288).
    assert len(advice) == 1 and advice[0][1] > 288, texts


def test_the_chart_without_snapshots_says_so():
    assert "Nog geen metingen" in level_chart_svg([], advised_level=3)


def test_condition_level_json_prints_only_the_json():
    make_product("Muziekmaker")

    data = json.loads(run("condition_level", "--json"))

    assert data["level"] == 1
    assert set(data) == {"level", "advised_level", "criteria", "next_step"}


def test_condition_level_without_json_explains_each_criterion():
    make_product("Muziekmaker")

    out = run("condition_level")

    assert "Niveau: 1 (geadviseerd minimum: 3)" in out
    assert "Muziekmaker" in out
    assert "Volgende stap" in out
