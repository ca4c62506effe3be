"""Django settings, derived from the one typed settings object (``paritrana.core.config.Settings``).

Nothing here reads the environment directly: change behaviour through ``PARITRANA_*`` variables (see
docs/configuration.md).
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

from paritrana.core.config import get_settings

CONFIG = get_settings()
PACKAGE_DIR = Path(__file__).resolve().parent

DEBUG = CONFIG.debug
SECRET_KEY = CONFIG.effective_secret_key()
ALLOWED_HOSTS = CONFIG.allowed_hosts

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "ninja",
    "paritrana.core",
    "paritrana.accounts",
    "paritrana.regions",
    "paritrana.calculator",
    "paritrana.registry",
    "paritrana.sponsorship",
    "paritrana.analytics",
    "paritrana.award",
    "paritrana.followup",
    "django_tasks",
    "django_tasks_db",
    "paritrana.web",
]

MIDDLEWARE = [
    "paritrana.core.observability.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "paritrana.web.middleware.LanguageMiddleware",  # Bahasa Indonesia until the visitor picks English
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "paritrana.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "paritrana.web.middleware.ErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "paritrana.urls"
WSGI_APPLICATION = "paritrana.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "paritrana.web.context.navigation",
            ],
        },
    },
]

# Health checks: a connection kept between requests (CONN_MAX_AGE) is tested before reuse, so the app recovers by
# itself when the database server restarts; a short connect timeout turns an unreachable server into a quick 503.
DATABASES = {"default": dj_database_url.parse(CONFIG.effective_database_url, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers go on while an import writes; IMMEDIATE takes the write lock at BEGIN so two writers
    # queue instead of failing half-way ("database is locked" after a read).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if CONFIG.replica_url:
    # A streaming replica serves the reads of pages and reports; paritrana.core.replica says which reads and when.
    # The test runner never creates a database for it: it reads the test database (TEST MIRROR).
    _replica = dj_database_url.parse(CONFIG.replica_url, conn_max_age=60, conn_health_checks=True)
    _replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), **_replica.get("OPTIONS", {})}
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["paritrana.core.replica.ReplicaRouter"]
    # Last: after sessions and authentication, and its process_exception runs before ErrorMiddleware's 503, so a GET
    # whose replica read failed is answered again from the primary.
    MIDDLEWARE.append("paritrana.core.replica.ReplicaMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

AXES_FAILURE_LIMIT = CONFIG.login_failure_limit
AXES_COOLOFF_TIME = CONFIG.login_cooloff_minutes / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked.html"
AXES_VERBOSE = False

SESSION_COOKIE_AGE = CONFIG.session_age_minutes * 60
SESSION_SAVE_EVERY_REQUEST = True  # expiry counts from the last request, not the login
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CONFIG.https
CSRF_COOKIE_SECURE = CONFIG.https
SECURE_SSL_REDIRECT = CONFIG.https
SECURE_HSTS_SECONDS = 31536000 if CONFIG.https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = CONFIG.https
SECURE_HSTS_PRELOAD = CONFIG.https
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if CONFIG.https else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Only the app's own scripts run: no inline <script>, no inline handlers, no eval, nothing from another host.
# Style *attributes* stay allowed (table cell colours, chart SVG from vl-convert); they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
DATA_UPLOAD_MAX_MEMORY_SIZE = CONFIG.max_body_bytes

LANGUAGE_CODE = CONFIG.language
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# The language a visitor picks is remembered for a year (the browser's Accept-Language is not asked on pages).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = CONFIG.https
LANGUAGE_COOKIE_HTTPONLY = True
USE_I18N = True
USE_TZ = True
TIME_ZONE = CONFIG.time_zone  # stored in UTC (USE_TZ); shown in this zone
# Numbers are never grouped by accident: an id, a year or a code printed as {{ x }} stays "1804", "2026" (in a link,
# a hidden field, a table). Amounts go through the |rupiah filter ("Rp16.800"), counts through |number ("3.594").
USE_THOUSAND_SEPARATOR = False
# One way per language for dates and date inputs (web/formats/): "15 Okt 2025" / "15 Oct 2025"; inputs ISO first.
FORMAT_MODULE_PATH = ["paritrana.web.formats"]

STATIC_URL = "static/"
STATIC_ROOT = CONFIG.data_dir / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns at every start when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve straight from the package when collectstatic has not run
MEDIA_ROOT = CONFIG.data_dir / "files"  # outside the web root: served only through permission-checked views

PARITRANA = CONFIG

# Background work (imports) runs in `paritrana worker`, with the database as the queue.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# An index that includes a column (sponsorship's enrollment_program_period, for PostgreSQL's index-only scans) is
# built on SQLite without it, as Django says: the index still serves the same lookups there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "paritrana.core.logs.MaskingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "json": {
            "()": "paritrana.core.logs.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "paritrana.core.logs.StderrHandler", "formatter": CONFIG.log_format}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "axes": {"level": "WARNING"},
        # paritrana.request writes one line per request; Django's own line for a 4xx/5xx would repeat it
        "django.request": {"level": "ERROR"},
    },
}
