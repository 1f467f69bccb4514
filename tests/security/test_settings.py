"""Production settings: security headers, cookies, session timeout, login throttling."""

from __future__ import annotations

import datetime
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from register.middleware import client_ip

from ..conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "DATA_DIR", "AXES_"))
    }
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="register.example.nl",
        DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="register.settings",
    )
    env.update(extra)
    return env


def test_the_deploy_check_is_clean_when_debug_is_off(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNING" not in output and "?: (security" not in output, output


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_reminders_go_out_through_the_boards_mail_relay_or_a_folder(tmp_path):
    """The relay and the file backend's folder come from the environment."""
    code = (
        "from django.conf import settings as s; "
        "print(s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS, s.EMAIL_FILE_PATH)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=BASE_DIR,
        env=production_env(
            tmp_path,
            DJANGO_EMAIL_HOST="smtp.bestuur.nl",
            DJANGO_EMAIL_PORT="587",
            DJANGO_EMAIL_HOST_USER="register",
            DJANGO_EMAIL_USE_TLS="1",
            DJANGO_EMAIL_FILE_PATH=str(tmp_path / "post"),
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "smtp.bestuur.nl",
        "587",
        "register",
        "True",
        str(tmp_path / "post"),
    ]


def test_a_page_carries_the_strict_security_headers(reader):
    response = client_for(reader).get(reverse("dashboard"), secure=True)
    assert response.status_code == 200

    csp = response["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in csp.split(";") if part.strip()
    )
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    hsts = response["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts


def test_the_login_page_is_served_with_the_same_headers():
    response = Client().get(reverse("login"), secure=True)
    assert response.status_code == 200
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" in response


def test_no_page_contains_inline_script_or_style(reader):
    html = client_for(reader).get(reverse("dashboard"), secure=True).text
    login_html = Client().get(reverse("login")).text
    for page in (html, login_html):
        assert "<script>" not in page
        assert " style=" not in page
        assert " onclick=" not in page and " onload=" not in page


def test_session_and_csrf_cookies_are_secure_and_httponly(reader):
    client = Client()
    login_page = client.get(reverse("login"), secure=True)
    csrf = login_page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["httponly"]
    response = client.post(
        reverse("login"), {"username": "reader", "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"


def test_plain_http_is_redirected_to_https_in_production(tmp_path):
    # The test settings switch the redirect off for the test client; production keeps it.
    script = (
        "from django.test import Client;"
        "r = Client().get('/inloggen/', HTTP_HOST='register.example.nl');"
        "print(r.status_code, r['Location'])"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=BASE_DIR,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["301", "https://register.example.nl/inloggen/"]


def test_a_session_expires_after_eight_hours(reader):
    client = Client()
    with time_machine.travel(datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC), tick=False):
        client.post(reverse("login"), {"username": "reader", "password": PASSWORD})
        assert client.get(reverse("dashboard")).status_code == 200
    with time_machine.travel(datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.UTC), tick=False):
        assert client.get(reverse("dashboard")).status_code == 200
    # Each request renews the session, so the eight hours run from the last activity.
    with time_machine.travel(datetime.datetime(2026, 3, 2, 23, 1, tzinfo=datetime.UTC), tick=False):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def failed_login(client: Client, username: str = "reader"):
    return client.post(reverse("login"), {"username": username, "password": "fout-wachtwoord"})


def test_five_wrong_passwords_lock_the_account_with_a_dutch_page(reader):
    client = Client()
    for _attempt in range(4):
        response = failed_login(client)
        assert response.status_code == 200
        assert "Gebruikersnaam of wachtwoord onjuist" in response.text
    response = failed_login(client)
    assert response.status_code == 429
    assert "Te veel mislukte inlogpogingen" in response.text

    # Even the right password is refused while the lock lasts.
    response = client.post(reverse("login"), {"username": "reader", "password": PASSWORD})
    assert response.status_code == 429
    assert "Tijdelijk geblokkeerd" in response.text
    assert client.get(reverse("dashboard")).status_code == 302


def test_the_lock_is_lifted_after_the_cooloff(reader):
    start = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
    client = Client()
    with time_machine.travel(start, tick=False):
        for _attempt in range(5):
            failed_login(client)
    with time_machine.travel(start + datetime.timedelta(minutes=16), tick=False):
        response = client.post(reverse("login"), {"username": "reader", "password": PASSWORD})
    assert response.status_code == 302


def test_a_correct_login_resets_the_failure_count(reader):
    client = Client()
    for _attempt in range(4):
        failed_login(client)
    response = client.post(reverse("login"), {"username": "reader", "password": PASSWORD})
    assert response.status_code == 302
    client.post(reverse("logout"))

    # After the reset, four more failures do not lock the account yet.
    for _attempt in range(4):
        assert failed_login(client).status_code == 200
    response = client.post(reverse("login"), {"username": "reader", "password": PASSWORD})
    assert response.status_code == 302


def test_the_lock_applies_per_user_and_address(reader, procurement):
    client = Client()
    for _attempt in range(5):
        failed_login(client, "reader")
    response = client.post(reverse("login"), {"username": "procurement", "password": PASSWORD})
    assert response.status_code == 302


# Behind the TLS proxy (README) every request comes from the proxy's address, 127.0.0.1 here;
# the proxy appends the client's own address to X-Forwarded-For.
STRANGER = "203.0.113.9"
FG_OFFICE = "198.51.100.7"


def test_production_trusts_one_proxy_in_front_of_gunicorn():
    assert settings.TRUSTED_PROXY_COUNT == 1


def test_a_stranger_at_another_address_cannot_lock_out_the_fg(fg):
    stranger = Client(HTTP_X_FORWARDED_FOR=STRANGER)
    for _attempt in range(6):
        response = failed_login(stranger, "fg")
    assert response.status_code == 429

    response = Client(HTTP_X_FORWARDED_FOR=FG_OFFICE).post(
        reverse("login"), {"username": "fg", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_a_forged_forwarded_address_does_not_escape_the_lock(fg):
    # The proxy appends the real address after whatever the client sent; only that one counts.
    for attempt in range(5):
        forged = Client(HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}, {STRANGER}")
        response = failed_login(forged, "fg")
    assert response.status_code == 429
    again = Client(HTTP_X_FORWARDED_FOR=f"10.9.9.9, {STRANGER}")
    response = again.post(reverse("login"), {"username": "fg", "password": PASSWORD})
    assert response.status_code == 429


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(fg, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for attempt in range(5):
        failed_login(Client(HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}"), "fg")
    response = Client(HTTP_X_FORWARDED_FOR="10.9.9.9").post(
        reverse("login"), {"username": "fg", "password": PASSWORD}
    )
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "127.0.0.1"),
        (1, "", "127.0.0.1"),  # did not pass the proxy
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.1, 203.0.113.9", "203.0.113.9"),
        (1, "not-an-address", "127.0.0.1"),
        (2, "10.0.0.1, 203.0.113.9, 192.0.2.1", "203.0.113.9"),
        (2, "192.0.2.1", "127.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_the_one_the_outermost_trusted_proxy_saw(
    settings, rf, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == expected


SQLITE_MODES = """
import json, os, stat
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS probe (x integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
name = connection.settings_dict["NAME"]
paths = {"data": settings.DATA_DIR, "db": name, "wal": f"{name}-wal", "shm": f"{name}-shm"}
print(json.dumps({k: oct(stat.S_IMODE(os.stat(p).st_mode)) for k, p in paths.items()
                  if os.path.exists(p)}))
"""


def sqlite_modes(data_dir: Path) -> dict[str, str]:
    """The modes of DATA_DIR and the SQLite files after a write, in a production process
    started with the usual umask of 022."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", SQLITE_MODES],
        cwd=BASE_DIR,
        env=production_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
        umask=0o022,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_new_data_folder_and_sqlite_file_are_readable_by_the_app_only(tmp_path):
    modes = sqlite_modes(tmp_path / "data")
    assert modes == {"data": "0o700", "db": "0o600", "wal": "0o600", "shm": "0o600"}


def test_an_existing_data_folder_and_sqlite_file_are_made_private(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "register.sqlite3").touch()
    data.chmod(0o755)
    (data / "register.sqlite3").chmod(0o644)
    modes = sqlite_modes(data)
    assert modes["data"] == "0o700" and modes["db"] == "0o600"
