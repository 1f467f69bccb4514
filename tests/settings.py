"""Test settings: the production settings with a fixed key, plain HTTP and a fast hasher."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="privacyregister-test-"))
if os.environ.get("PYTEST_XDIST_WORKER") and not os.environ.get("TEST_DATA_DIR_PER_WORKER"):
    # Parallel runs (`make test` uses pytest-xdist): the workers inherit the main process's
    # DATA_DIR, so each takes a folder of its own in it (media, staging, imports, the SQLite
    # test database): an import's clean-up in one worker never sees another worker's files.
    # Once: the processes a test starts inherit the worker's environment and its folder.
    _worker_dir = os.path.join(os.environ["DATA_DIR"], os.environ["PYTEST_XDIST_WORKER"])
    os.makedirs(_worker_dir, exist_ok=True)
    os.environ["DATA_DIR"] = _worker_dir
    os.environ["TEST_DATA_DIR_PER_WORKER"] = "1"

from register.settings import *  # noqa: E402,F403

# The generator and the benchmark helpers: a development-only app.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
AXES_ENABLED = True
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, as in production: WAL, the busy timeout and concurrent connections behave as
    # they do there (an in-memory database shares one cache and locks differently).
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-register.sqlite3")}  # noqa: F405
# The suite makes many API requests as the same few users; tests/api/ sets a low rate itself.
API_THROTTLE_RATE = "100000/minute"
# Background tasks run at once, inside the request (the browser tests run a real worker on
# the database backend: tests/e2e/conftest.py).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
