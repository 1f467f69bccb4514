"""One measurement in a process of its own, so that its peak RSS is its own (bench/run.py).

    python bench/child.py export PATH          time export_register, count queries
    python bench/child.py floor SOURCE TARGET  time bare openpyxl writing SOURCE's cells
    python bench/child.py import PATH [--migrate]  time import_workbook (on a fresh DB)

Prints one JSON object on the last line of standard output. The database and DATA_DIR
come from the environment that bench/run.py passes on.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_kb() -> int:
    """Peak RSS of this process in KiB: VmHWM, not ru_maxrss, which on Linux carries the
    parent's peak over fork + exec and would report the benchmark's own memory."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


def export(path: str) -> dict:
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    baseline = rss_kb()
    with CaptureQueriesContext(connection) as queries:
        start, cpu = time.perf_counter(), time.process_time()
        call_command("export_register", path, stdout=io.StringIO(), stderr=io.StringIO())
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "queries": len(queries),
        "maxrss_kb": rss_kb(),
        "baseline_rss_kb": baseline,
        "bytes": Path(path).stat().st_size,
    }


def floor(source: str, target: str) -> dict:
    """Bare openpyxl write-only, writing exactly the cells of `source` (read beforehand)."""
    from openpyxl import Workbook, load_workbook

    book = load_workbook(source, read_only=True)
    sheets = [(ws.title, [list(row) for row in ws.iter_rows(values_only=True)]) for ws in book]
    book.close()
    baseline = rss_kb()
    start, cpu = time.perf_counter(), time.process_time()
    out = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = out.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out.save(target)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "maxrss_kb": rss_kb(),
        "baseline_rss_kb": baseline,
        "cells": sum(len(row) for _title, rows in sheets for row in rows),
        "rows": sum(len(rows) for _title, rows in sheets),
    }


def import_(path: str, migrate: bool) -> dict:
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    if migrate:
        call_command("migrate", verbosity=0)
    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    out, err = io.StringIO(), io.StringIO()
    ok = True
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        try:
            call_command("import_workbook", path, stdout=out, stderr=err)
        except SystemExit:
            ok = False
        seconds = time.perf_counter() - start
    lines = out.getvalue().splitlines()
    return {
        "seconds": seconds,
        "queries": count,
        "ok": ok,
        "maxrss_kb": rss_kb(),
        "summary": lines[-1] if ok and lines else "",
        "errors": lines[:5] if not ok else [],
    }


def main(argv: list[str]) -> None:
    task = argv[0]
    if task == "export":
        result = export(argv[1])
    elif task == "floor":
        result = floor(argv[1], argv[2])
    elif task == "import":
        result = import_(argv[1], migrate="--migrate" in argv)
    else:
        raise SystemExit(f"unknown task {task}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
