"""Settings for the lottery back office, read from the environment (12-factor).

Every environment read happens at the top of this file. The defaults run the
embedded setup (SQLite + SqliteHuey under ``data/``); production sets
``DATABASE_URL``, ``REDIS_URL``, ``DJANGO_SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from core.env import dev_secret, env, env_bool, env_int, env_list, secret
from core.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DJANGO_DEBUG", False)
DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / "data")))
STATIC_ROOT_DIR = env("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
# No key lives in the code: production must set one; a DEBUG run makes its own.
_secret_default = dev_secret(DATA_DIR / "dev-secret-key") if DEBUG else ""
SECRET_KEY = secret("DJANGO_SECRET_KEY", env("DJANGO_SECRET_KEY", "") or _secret_default)
JWT_SIGNING_KEY = secret("JWT_SIGNING_KEY", env("JWT_SIGNING_KEY", "") or SECRET_KEY)
DATABASE_URL = env("DATABASE_URL", "") or f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
REDIS_URL = env("REDIS_URL", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
LOG_FORMAT = env("LOG_FORMAT", "text")
LOG_LEVEL = env("LOG_LEVEL", "INFO")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
LOTTERY_TIME_ZONE = env("LOTTERY_TIME_ZONE", "UTC")
LOTTERY_BEACON = env("LOTTERY_BEACON", "")
LOTTERY_REDRAW_APPROVALS = env_int("LOTTERY_REDRAW_APPROVALS", 1)
JWT_ACCESS_LIFETIME = timedelta(seconds=env_int("JWT_ACCESS_LIFETIME_SECONDS", 15 * 60))
JWT_REFRESH_LIFETIME = timedelta(seconds=env_int("JWT_REFRESH_LIFETIME_SECONDS", 7 * 24 * 3600))
RATE_LIMIT_LOGIN = env_int("RATE_LIMIT_LOGIN", 10)  # attempts per window, per IP and per email
RATE_LIMIT_REGISTER = env_int("RATE_LIMIT_REGISTER", 5)
RATE_LIMIT_WINDOW = env_int("RATE_LIMIT_WINDOW_SECONDS", 60)
RATE_LIMIT_PASSWORD_RESET = env_int("RATE_LIMIT_PASSWORD_RESET", 3)  # emails per address / IP
RATE_LIMIT_PASSWORD_RESET_WINDOW = env_int("RATE_LIMIT_PASSWORD_RESET_WINDOW_SECONDS", 3600)
# Proxies in front of the app (PaaS router, load balancer) whose X-Forwarded-For and
# X-Forwarded-Proto we trust; gunicorn.conf.py ties its forwarded_allow_ips to it too.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# How long a web process trusts its memo of the public reads' validators before it reads the
# shared generation token again (lottery/caching.py): a redraw or void shows everywhere
# within this many seconds; 0 reads the token on every request.
PUBLIC_READS_RECHECK_SECONDS = env_int("PUBLIC_READS_RECHECK_SECONDS", 1)
# Tests set it (backoffice/settings_test.py); never implied by DEBUG.
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False)
HUEY_WORKERS = env_int("HUEY_WORKERS", 2)
# What this deployment's keys in Redis start with: Huey's queue, schedule and results, and the
# cache (rate limits, the public reads' generation). Two deployments on one Redis database
# (staging beside production, a rehearsal beside a test stack) must not share it: each
# consumer would run the other's tasks against its own database.
REDIS_NAMESPACE = env("REDIS_NAMESPACE", "") or "lottery"
EMAIL_HOST = env("EMAIL_HOST", "")
# Console mail until an SMTP host is configured: development prints winner emails.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))  # the filebased backend's
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "lottery@localhost")
CONN_MAX_AGE = env_int("CONN_MAX_AGE", 600)
# Check a reused database connection before each request's first query: after a database
# restart the first request of each process then reconnects instead of answering 503. On
# PostgreSQL the check reads the socket (core/postgresql/base.py), no round trip.
CONN_HEALTH_CHECKS = env_bool("CONN_HEALTH_CHECKS", True)
# PostgreSQL: server-side parameters and prepared statements (a statement a connection has
# run 5 times is parsed and planned once). Turn off behind a pooler in transaction mode that
# cannot carry prepared statements (PgBouncer before 1.21).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
# A double-sent refresh (two tabs, a retry) within this many seconds gets the same new pair
# instead of tripping reuse detection.
JWT_REFRESH_GRACE_SECONDS = env_int("JWT_REFRESH_GRACE_SECONDS", 30)
# bootstrap_admin (make run): the first admin's email, and its password (random if unset).
ADMIN_EMAIL = env("ADMIN_EMAIL", "admin@example.com")
ADMIN_PASSWORD = env("ADMIN_PASSWORD", "")

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "django_filters",
    "ninja",  # swagger-ui served from our static files, not a CDN
    "huey.contrib.djhuey",
    "accounts",
    "lottery",
]

MIDDLEWARE = [
    "core.middleware.RequestLimitsMiddleware",
    "core.health.ProbeMiddleware",
    "core.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# The player API (/api/: bearer tokens, no cookies) is served by backoffice/wsgi.py through a
# handler of its own with this shorter list: sessions, CSRF, auth and messages only serve
# the cookie-based pages (the admin, the login), and cost CPU on every API request. Request
# limits, JSON errors, the security headers, CSP and CORS apply to /api/ as before.
API_MIDDLEWARE = [
    name
    for name in MIDDLEWARE
    if name
    not in (
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    )
]

# Bench only: serve ninja's hello world at /api/bench/hello (bench/api_ab.sh), never in
# production.
BENCH_HELLO = env_bool("BENCH_HELLO", False)
ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE)}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = CONN_HEALTH_CHECKS
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and (
    DATABASE_PREPARED_STATEMENTS
):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that needs no round trip (core/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "core.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets the web and worker processes read while one writes; IMMEDIATE
    # transactions take the write lock up front so concurrent writers queue on
    # the busy timeout instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_NAMESPACE,
        }
    }
else:
    # A file cache is shared by every process on the machine (rate limits hold
    # across gunicorn workers), unlike the per-process local-memory cache.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Times to the second wherever the admin shows one (an audit reads them): backoffice/formats.
FORMAT_MODULE_PATH = ["backoffice.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(STATIC_ROOT_DIR)
# Serve (and compress, at build time) only the hashed copies: half the build step's work.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Huey: SqliteHuey in the data directory by default, RedisHuey when REDIS_URL is set.
# `immediate` comes from HUEY_IMMEDIATE (set by the test settings), never from DEBUG.
HUEY = {
    "name": REDIS_NAMESPACE,
    "immediate": HUEY_IMMEDIATE,
    "utc": True,
    "consumer": {"workers": HUEY_WORKERS, "worker_type": "thread"},
    **(
        {"huey_class": "huey.RedisHuey", "url": REDIS_URL}
        if REDIS_URL
        # SqliteHuey, safe on a new file: see backoffice/huey.py
        else {
            "huey_class": "backoffice.huey.SqliteHuey",
            "filename": str(DATA_DIR / "huey.sqlite3"),
        }
    ),
}

# Production hardening; `manage.py check --deploy` must report nothing.
# Only behind proxies we trust: from anyone else X-Forwarded-Proto is a lie for the asking.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024  # no API body is anywhere near this
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Back office hardening (issue 9). A reset link works once and for this long; the link in
# the email starts with SITE_URL (the address players reach this app at).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_SECONDS", 3600)
SITE_URL = env("SITE_URL", "http://localhost:8000")
# Whether SITE_URL was set: the admin's hints name it then, else the address of the request.
SITE_URL_SET = bool(os.environ.get("SITE_URL"))

LOGGING = logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)

NINJA_PAGINATION_PER_PAGE = 20
NINJA_MAX_PER_PAGE_SIZE = 100

from backoffice.unfold import UNFOLD  # noqa: E402,F401  (admin look lives apart)
