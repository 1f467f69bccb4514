"""Load test of the privacy register: FGs, procurement staff and readers browsing the pages.

Run through bench/load/run.sh (PostgreSQL + gunicorn on 127.0.0.1); see docs/load.md.
Each simulated user logs in once with a demo account (password `privacy-demo`), then
browses with 1-3 seconds between pages, like a person reading.

A login deliberately costs a lot of CPU (PBKDF2 with Django's 1,000,000 iterations), and 50
people do not all log in in the same few seconds. So the measurement has two phases: the
login rush (all users log in; its figures are reported as `login`), then, from the moment the
last user is logged in, LOAD_MEASURE_S seconds (default 60) of browsing, whose figures are the
result (`pages`: requests/s, p50, p95, errors). Errors are counted over the whole run. The exit
code is 1 when there was any error or the page p95 is not below LOAD_P95_MS (default 300).
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, between, events, task
from locust.stats import StatsEntry

PASSWORD = os.environ.get("LOAD_PASSWORD", "privacy-demo")
P95_GOAL_MS = float(os.environ.get("LOAD_P95_MS", "300"))
SUMMARY_PATH = os.environ.get("LOAD_SUMMARY")
MEASURE_SECONDS = float(os.environ.get("LOAD_MEASURE_S", "60"))
RUN = {"logged_in": 0, "measuring_since": None, "login": None, "requests": 0, "errors": 0}
# run.sh passes the process ids of gunicorn's master and PostgreSQL's postmaster: the CPU
# their children use while browsing is measured gives the CPU per page.
CPU_PARENTS = {
    name: os.environ.get(variable, "")
    for name, variable in (("app", "LOAD_APP_PID"), ("database", "LOAD_DB_PID"))
}

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PRODUCT_LINK = re.compile(r'href="(/leveranciers/producten/\d+/)"')
SUPPLIER_LINK = re.compile(r'href="(/leveranciers/\d+/)"')
AGREEMENT_LINK = re.compile(r'href="(/overeenkomsten/\d+/)"')
ACTIVITY_LINK = re.compile(r'href="(/register/verwerkingen/\d+/)"')
SEARCH_TERMS = ["Rekentuin", "taal", "Wis", "Magister", "Onbekend product", "toets", "a"]
# The FG logs in with a second factor: one recovery code per login (run.sh makes them with
# `load_test_codes`; an app's code would be accepted only once per 30 seconds).
FG_CODES = [code for code in os.environ.get("LOAD_FG_CODES", "").split(",") if code]


class RegisterUser(FastHttpUser):
    abstract = True
    username = ""
    second_factor = False
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.send_form(
            "/inloggen/",
            {"username": self.username, "password": PASSWORD, "next": "/"},
            what=f"login as {self.username}",
        )
        if self.second_factor:
            # The code page after the password, answered with a recovery code.
            code = FG_CODES.pop() if FG_CODES else ""
            self.send_form(
                "/inloggen/code/",
                {"code": code},
                to="/inloggen/code/?next=/",
                what=f"the code of {self.username}",
            )
        self.links: dict[str, list[str]] = {}
        RUN["logged_in"] += 1
        if RUN["logged_in"] == self.environment.parsed_options.num_users:
            start_measuring(self.environment)

    def send_form(self, page: str, fields: dict[str, str], *, what: str, to: str = "") -> None:
        """Open the login form at `page` and post `fields` to it (or to `to`) with the page's
        CSRF token, as a browser would; anything but a redirect is a failed login."""
        form_page = self.client.get(page, name="login")
        token = CSRF_INPUT.search(form_page.text or "")
        form = {**fields, "csrfmiddlewaretoken": token.group(1) if token else ""}
        with self.client.post(
            to or page,
            data=urlencode(form),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"{self.host}{page}",
            },
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{what} gave {response.status_code}")

    def visit(self, url: str, name: str, pattern: re.Pattern | None = None, key: str = ""):
        # No redirects are followed: a page that redirects (to the login) is an error.
        with self.client.get(
            url, name=name, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code != 200:
                response.failure(f"{url}: HTTP {response.status_code}")
            elif pattern is not None:
                found = pattern.findall(response.text or "")
                if found:
                    self.links[key] = found
        return response

    def visit_one_of(self, key: str, name: str) -> None:
        if self.links.get(key):
            self.visit(random.choice(self.links[key]), name)

    @task(3)
    def dashboard(self) -> None:
        self.visit("/", "dashboard")

    @task(2)
    def products(self) -> None:
        self.visit("/leveranciers/producten/", "product list", PRODUCT_LINK, "product")
        self.visit_one_of("product", "product detail")

    @task(1)
    def suppliers(self) -> None:
        self.visit("/leveranciers/", "supplier list", SUPPLIER_LINK, "supplier")
        self.visit_one_of("supplier", "supplier detail")

    @task(2)
    def agreements(self) -> None:
        self.visit("/overeenkomsten/", "agreement list", AGREEMENT_LINK, "agreement")
        self.visit_one_of("agreement", "agreement detail")


class FgUser(RegisterUser):
    """The FG: reviews the queue, reads agreements and the condition level."""

    username = "fg"
    second_factor = True
    weight = 2

    @task(3)
    def review_queue(self) -> None:
        self.visit("/overeenkomsten/ter-beoordeling/", "review queue", AGREEMENT_LINK, "queued")
        self.visit_one_of("queued", "agreement detail")

    @task(1)
    def level(self) -> None:
        self.visit("/register/niveau/", "level")


class ProcurementUser(RegisterUser):
    """Procurement: asks "may we buy this tool?" and looks at products."""

    username = "inkoop"
    weight = 2

    @task(4)
    def procurement_check(self) -> None:
        term = random.choice(SEARCH_TERMS)
        self.visit(f"/register/inkoopcheck/?q={term}", "procurement check")


class ReaderUser(RegisterUser):
    """School leaders and auditors: read the register and the level."""

    username = "lezer"
    weight = 1

    @task(2)
    def processing_register(self) -> None:
        self.visit("/register/verwerkingen/", "activity list", ACTIVITY_LINK, "activity")
        self.visit_one_of("activity", "activity detail")

    @task(1)
    def level(self) -> None:
        self.visit("/register/niveau/", "level")


def start_measuring(environment) -> None:
    """Everyone is logged in: keep the login figures, then measure browsing only."""
    stats = environment.stats
    login = StatsEntry(stats, "login", "", use_response_times_cache=False)
    for (name, _method), entry in stats.entries.items():
        if name == "login":
            login.extend(entry)
    RUN["login"] = _figures(login, max(stats.last_request_timestamp - stats.start_time, 1e-9))
    stats.reset_all()
    RUN["cpu_before"] = {name: cpu_seconds(pid) for name, pid in CPU_PARENTS.items()}
    RUN["measuring_since"] = time.time()
    gevent.spawn_later(MEASURE_SECONDS, environment.runner.quit)


@events.request.add_listener
def count_everything(exception=None, **kwargs) -> None:
    RUN["requests"] += 1
    if exception is not None:
        RUN["errors"] += 1


def cpu_seconds(parent: str) -> float:
    """CPU seconds (user + system) used so far by the children of process `parent`."""
    if not parent:
        return 0.0
    ticks = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == parent:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _figures(entry: StatsEntry, seconds: float) -> dict:
    return {
        "requests": entry.num_requests,
        "errors": entry.num_failures,
        "requests_per_s": round(entry.num_requests / seconds, 1) if seconds else 0.0,
        "p50_ms": entry.get_response_time_percentile(0.5),
        "p95_ms": entry.get_response_time_percentile(0.95),
        "p99_ms": entry.get_response_time_percentile(0.99),
        "max_ms": round(entry.max_response_time or 0),
    }


@events.quitting.add_listener
def summarise(environment, **kwargs) -> None:
    stats = environment.stats
    if RUN["measuring_since"] is None:
        print("LOAD SUMMARY: not every user logged in; no measurement window")
        environment.process_exit_code = 1
        return
    seconds = max(time.time() - RUN["measuring_since"], 1e-9)
    pages = StatsEntry(stats, "pages", "", use_response_times_cache=False)
    for (name, _method), entry in stats.entries.items():
        if name != "login":
            pages.extend(entry)
    cpu = {
        name: round(cpu_seconds(pid) - RUN["cpu_before"][name], 1)
        for name, pid in CPU_PARENTS.items()
        if pid
    }
    summary = {
        "users": environment.parsed_options.num_users,
        "measured_s": round(seconds, 1),
        "pages": _figures(pages, seconds),
        # CPU seconds of the gunicorn workers and of PostgreSQL while browsing was measured,
        # and the workers' CPU per page.
        "cpu_s": cpu,
        "app_cpu_ms_per_page": (
            round(cpu["app"] * 1000 / pages.num_requests, 1)
            if "app" in cpu and pages.num_requests
            else None
        ),
        "login": RUN["login"],
        "whole_run": {"requests": RUN["requests"], "errors": RUN["errors"]},
        "per_page": {
            name: _figures(entry, seconds)
            for (name, _method), entry in sorted(stats.entries.items())
            if entry.num_requests
        },
        "goal": {"errors": 0, "p95_ms_below": P95_GOAL_MS},
    }
    text = json.dumps(summary, indent=2)
    print("LOAD SUMMARY\n" + text)
    if SUMMARY_PATH:
        with open(SUMMARY_PATH, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    p95 = pages.get_response_time_percentile(0.95) or 0
    failed = RUN["errors"] > 0 or p95 >= P95_GOAL_MS
    environment.process_exit_code = 1 if failed else 0
