#!/usr/bin/env python
"""CPU per page of the load test's visits, in-process (docs/load.md, "CPU per page").

    DATABASE_URL=postgres://... .venv/bin/python bench/load/pages_cpu.py [--repeat 20]
    ... bench/load/pages_cpu.py --profile "agreement list" --profile-out /tmp/list.prof

Runs the pages that bench/load/locustfile.py visits, as the users it logs in as (`fg` with
its code, `inkoop`, `lezer`), through Django's full request handling (every middleware,
the session, the context processors) with the production settings (debug off), on the
register that DATABASE_URL holds (load it as run.sh does: `generate_register`, then
`load_demo`). The detail pages are taken from the links of their list pages, like the
users do. Prints the median CPU time (this process: the worker's share of a request) and
wall time per page, and the queries of one request. The load test's CPU is mostly this:
gunicorn adds little per request, PostgreSQL runs in its own processes.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

AGREEMENT_LINK = re.compile(r'href="(/overeenkomsten/\d+/)"')
PRODUCT_LINK = re.compile(r'href="(/leveranciers/producten/\d+/)"')
SUPPLIER_LINK = re.compile(r'href="(/leveranciers/\d+/)"')
ACTIVITY_LINK = re.compile(r'href="(/register/verwerkingen/\d+/)"')

# label, user, address, pattern of the detail links it offers, label of those details;
# the locustfile's pages and users (the shared pages as the FG, who has the menu's count).
PAGES = [
    ("dashboard", "fg", "/", None, ""),
    ("review queue", "fg", "/overeenkomsten/ter-beoordeling/", AGREEMENT_LINK, ""),
    ("agreement list", "fg", "/overeenkomsten/", AGREEMENT_LINK, "agreement detail"),
    ("product list", "inkoop", "/leveranciers/producten/", PRODUCT_LINK, "product detail"),
    ("supplier list", "lezer", "/leveranciers/", SUPPLIER_LINK, "supplier detail"),
    ("activity list", "lezer", "/register/verwerkingen/", ACTIVITY_LINK, "activity detail"),
    ("level", "lezer", "/register/niveau/", None, ""),
    ("procurement check", "inkoop", "/register/inkoopcheck/?q=Rekentuin", None, ""),
    ("procurement check, partial", "inkoop", "/register/inkoopcheck/?q=a", None, ""),
]


def setup() -> None:
    os.environ.setdefault("DJANGO_SECRET_KEY", "pages-cpu-not-for-production-0123456789abcdef")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    for name in ("DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SECURE_COOKIES", "DJANGO_HSTS_SECONDS"):
        os.environ.setdefault(name, "0")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "ERROR")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "register.settings")
    import django

    django.setup()


def client_for(username: str):
    """A browser session of `username`, logged in (and, with a device, past its code)."""
    from django.contrib.auth.models import User
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User.objects.get(username=username)
    client = Client(raise_request_exception=True)
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def measure(client, url: str, repeat: int) -> tuple[float, float, int, str]:
    """Median CPU ms, median wall ms, queries of one request, and the page's HTML."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up: the rules' kept state, templates, URL caches
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    connection.queries_log.clear()  # each request clears it when it starts
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured)  # now: the next request clears the log
    cpu, wall = [], []
    for _ in range(repeat):
        start_cpu, start = time.process_time(), time.perf_counter()
        client.get(url)
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return (
        statistics.median(cpu) * 1000,
        statistics.median(wall) * 1000,
        queries,
        response.content.decode(),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--details", type=int, default=5, help="detail pages per list")
    parser.add_argument("--profile", action="append", default=[], help="page label")
    parser.add_argument("--profile-out", default="")
    args = parser.parse_args()
    setup()
    clients = {name: client_for(name) for name in ("fg", "inkoop", "lezer")}
    rows = []
    for label, username, url, pattern, detail_label in PAGES:
        client = clients[username]
        cpu, wall, queries, html = measure(client, url, args.repeat)
        rows.append((label, cpu, wall, queries))
        if pattern is not None and detail_label:
            links = sorted(set(pattern.findall(html)))[: args.details]
            results = [measure(client, link, max(3, args.repeat // 4)) for link in links]
            rows.append(
                (
                    detail_label,
                    statistics.median(r[0] for r in results),
                    statistics.median(r[1] for r in results),
                    max(r[2] for r in results),
                )
            )
            if detail_label in args.profile:
                profile(client, links[0], detail_label, args)
        if label in args.profile:
            profile(client, url, label, args)
    print(f"{'page':<28} {'CPU ms':>7} {'wall ms':>8} {'queries':>8}")
    for label, cpu, wall, queries in rows:
        print(f"{label:<28} {cpu:>7.1f} {wall:>8.1f} {queries:>8}")
    weights = _locust_mix()
    mean = sum(weights.get(label, 0) * cpu for label, cpu, _w, _q in rows) / sum(
        weights.get(label, 0) for label, *_ in rows
    )
    print(f"{'weighted as the load test':<28} {mean:>7.1f}")


def _locust_mix() -> dict[str, float]:
    """Each page's share of the load test's requests (docs/load.md, from the task weights)."""
    fg, procurement, reader = 2 / 5, 2 / 5, 1 / 5
    shared = {"dashboard": 3, "products": 2, "suppliers": 1, "agreements": 2}
    mix: dict[str, float] = {}

    def add(label: str, share: float) -> None:
        mix[label] = mix.get(label, 0) + share

    for users, own in (
        (fg, {"queue": 3, "level": 1}),
        (procurement, {"check": 4}),
        (reader, {"activities": 2, "level": 1}),
    ):
        tasks = {**shared, **own}
        total = sum(tasks.values())
        for task, weight in tasks.items():
            share = users * weight / total
            pages = {
                "dashboard": ["dashboard"],
                "products": ["product list", "product detail"],
                "suppliers": ["supplier list", "supplier detail"],
                "agreements": ["agreement list", "agreement detail"],
                "queue": ["review queue", "agreement detail"],
                "level": ["level"],
                "check": ["procurement check", "procurement check, partial"],
                "activities": ["activity list", "activity detail"],
            }[task]
            for page in pages:
                add(page, share / (2 if task == "check" else 1))
    return mix


def profile(client, url: str, label: str, args) -> None:
    profiler = cProfile.Profile(time.process_time)  # CPU, not waiting for the database
    profiler.enable()
    for _ in range(args.repeat):
        client.get(url)
    profiler.disable()
    out = args.profile_out or f"/tmp/pages_cpu-{label.replace(' ', '_')}.prof"
    if len(args.profile) > 1:
        out = out.replace(".prof", f"-{label.replace(' ', '_')}.prof")
    profiler.dump_stats(out)
    print(f"profile of {label} ({url}, {args.repeat} requests): {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
