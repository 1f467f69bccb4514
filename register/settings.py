"""Settings for the privacy register, read from the environment (DESIGN.md section 10)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off. "
            "Set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-only-for-debug-mode"

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
    if host.strip()
]

DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "data")).resolve()
# The register holds personal data: every file the app creates (the SQLite file and its
# journal, uploads, imports, backups) is readable by the app's user only, and so is DATA_DIR
# itself, which also shuts out files created before this rule.
os.umask(0o077)
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
if DATA_DIR.stat().st_uid == os.getuid():
    DATA_DIR.chmod(0o700)
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"  # never served directly; documents go through a login-only view

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "suppliers",
    "agreements",
    "register",
    # After register: its history-pruning commands, which never prune the record's history,
    # take the place of simple-history's own (register/management/commands/).
    "simple_history",
    # The REST API (issue 18): the top layer, importing from all three apps above.
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    # Background tasks (the workbook import): Django's tasks framework through the backport,
    # stored in the database and run by `manage.py db_worker` (README, production).
    "django_tasks",
    "django_tasks_db",
]

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "register.middleware.NoStoreMiddleware",
    "register.middleware.RequestSizeLimitMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "register.urls"
WSGI_APPLICATION = "register.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "register.context_processors.navigation",
                "api.context_processors.user_menu",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'register.sqlite3'}"),
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets readers continue while an import writes. Every transaction takes the write
    # lock when it begins (IMMEDIATE): a transaction that read first and wrote later would
    # fail at once with "database is locked" when another writer committed in between, since
    # SQLite cannot retry it; now the second writer waits (up to `timeout` seconds) and then
    # reads the first one's result, so it gets the normal refusal message.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The rules' kept results (register/rules/cache.py, README "Kept results"). By default each
# process keeps its own (local memory: nothing to set up). To let every gunicorn worker share
# one computation: DJANGO_RULES_CACHE=db (the database cache; run `createcachetable` once) or
# DJANGO_RULES_CACHE=redis://host:6379/1 (django-redis, the `redis` extra).
RULES_CACHE = "rules"
_rules_cache = os.environ.get("DJANGO_RULES_CACHE", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    RULES_CACHE: (
        {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "rules_cache"}
        if _rules_cache == "db"
        else {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": _rules_cache}
        if _rules_cache.startswith(("redis://", "rediss://", "unix://"))
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rules"}
    ),
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.ModelBackendWithRoles",
]
# The role group whose members are the FG: the only ones who may decide on an agreement.
FG_GROUP = "fg"

# Single sign-on through OpenID Connect (mozilla-django-oidc; README "Inloggen met
# schoolaccount"). On only when the provider's endpoints and this register's client are
# configured; local accounts keep working either way.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT") or None
# The `iss` every ID token must carry (the provider's issuer URL); checked when set.
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
OIDC_USE_PKCE = env_flag("OIDC_USE_PKCE", True)
OIDC_TIMEOUT = int(os.environ.get("OIDC_TIMEOUT", "10"))
# Only addresses in these domains may sign in through the provider (empty: any).
OIDC_ALLOWED_EMAIL_DOMAINS = [
    domain.strip().lower().lstrip("@")
    for domain in os.environ.get("OIDC_ALLOWED_EMAIL_DOMAINS", "").split(",")
    if domain.strip()
]
# The name on the login button, e.g. "Microsoft", "Google" or "SURFconext".
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "")
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
LOGIN_REDIRECT_URL_FAILURE = "login"
OIDC_ENABLED = all(
    (
        OIDC_RP_CLIENT_ID,
        OIDC_RP_CLIENT_SECRET,
        OIDC_OP_AUTHORIZATION_ENDPOINT,
        OIDC_OP_TOKEN_ENDPOINT,
        OIDC_OP_USER_ENDPOINT,
        # RS256/ES256 tokens are checked against the provider's published keys.
        OIDC_OP_JWKS_ENDPOINT or OIDC_RP_SIGN_ALGO.startswith("HS"),
    )
)
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("accounts.oidc.EmailMatchingOIDCBackend")

# Two-factor login (django-otp, TOTP with recovery codes). Required for the FG and for staff
# (the admin); any other account may turn it on from its account page, and then needs it too.
TWO_FACTOR_REQUIRED_GROUPS = [FG_GROUP]
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Privacyregister")
# The admin lists devices (to delete a lost phone's) without showing their secret keys.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands"))]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads: documents are PDFs of at most 25 MB (checked in the form); workbooks too.
DOCUMENT_MAX_BYTES = 25 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Request bodies above these sizes are refused (413) before anything reads them: small for
# visitors who are not logged in (the login form), large enough for a workbook upload
# (register.forms.WORKBOOK_MAX_BYTES, 100 MB) with its form fields for everyone else.
ANONYMOUS_REQUEST_MAX_BYTES = int(
    os.environ.get("DJANGO_ANONYMOUS_REQUEST_MAX_BYTES", str(64 * 1024))
)
REQUEST_MAX_BYTES = int(os.environ.get("DJANGO_REQUEST_MAX_BYTES", str(101 * 1024 * 1024)))

# The workbook import refuses, before openpyxl parses anything, a workbook beyond these limits
# (register/workbook/limits.py). The benchmark's scale-1 export, the largest legitimate one
# (48,001 rows, 22 columns at most, parts up to 14 MB, 24 MB in all) fits with room to spare.
IMPORT_MAX_PART_BYTES = int(os.environ.get("IMPORT_MAX_PART_BYTES", str(64 * 1024 * 1024)))
IMPORT_MAX_WORKBOOK_BYTES = int(os.environ.get("IMPORT_MAX_WORKBOOK_BYTES", str(128 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "200000"))
IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS", "100"))
IMPORT_MAX_CELLS = int(os.environ.get("IMPORT_MAX_CELLS", "5000000"))
IMPORT_MAX_CELL_CHARS = 32_767  # Excel's own limit

# The Kennisnet level a board should reach at least (DESIGN.md section 7); art. 28 AVG
# requires an agreement with every processor, which is level 3.
ADVISED_CONDITION_LEVEL = int(os.environ.get("ADVISED_CONDITION_LEVEL", "3"))
# Agreements ending within this many days raise `expiring`.
EXPIRING_WITHIN_DAYS = 90

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "privacyregister@localhost")
# The board's mail relay (SMTP backend) or a folder of .eml files (file backend).
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("DJANGO_EMAIL_USE_TLS", "") == "1"
EMAIL_USE_SSL = os.environ.get("DJANGO_EMAIL_USE_SSL", "") == "1"
EMAIL_FILE_PATH = os.environ.get("DJANGO_EMAIL_FILE_PATH") or str(DATA_DIR / "mail")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Security headers and cookies. HTTPS-only settings follow DEBUG so that the local
# demo works over plain HTTP; production (DEBUG off) gets the strict set.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_AGE", str(8 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The idle timeout runs from the last request: the session store renews the expiry when its
# last renewal is over a minute old, instead of writing the session on every request.
SESSION_ENGINE = "accounts.sessions"
SESSION_SAVE_EVERY_REQUEST = False
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

# Strict CSP: only our own vendored static files; no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The REST API (api/, README "API"): token or session authentication, the pages' permissions,
# JSON only (DRF's browsable pages would need inline script), errors in Dutch with a code.
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "300/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a request without credentials gets 401 with WWW-Authenticate.
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.RolePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.JsonOnlyNegotiation",
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.openapi.RegisterAutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Privacyregister API",
    "DESCRIPTION": (
        "De API van het privacyregister: leveranciers, producten, verwerkersovereenkomsten, "
        "gegevensstromen, verwerkingen, signaleringen, het niveau, de Inkoopcheck en "
        "intakeverzoeken. Inloggen met de sessie van de browser of met een persoonlijk "
        "API-token (`Authorization: Bearer <token>`, pagina API-tokens); elk token heeft de "
        "rechten van de rol van zijn gebruiker. Fouten: "
        '`{"code": "...", "detail": "..."}`, een vaste code met uitleg in het Nederlands.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    # Vendored assets (drf-spectacular-sidecar): no CDN, the strict CSP stays.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Login throttling (django-axes): 5 failures lock the username+IP pair for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind the TLS proxy every request comes from the proxy's address; the client's address is
# the one the outermost trusted proxy appended to X-Forwarded-For (register.middleware.client_ip).
# Production (debug off) runs behind one proxy (README); the demo server has none.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0" if DEBUG else "1"))
AXES_CLIENT_IP_CALLABLE = "register.middleware.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
