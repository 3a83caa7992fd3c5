"""Settings for the lottery back office, read from the environment (12-factor).

Every environment read happens at the top of this file. The defaults run the
embedded setup (SQLite + SqliteHuey under ``data/``); production sets
``DATABASE_URL``, ``REDIS_URL``, ``DJANGO_SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str:
    """Return an environment variable, failing loudly when it is required and missing."""
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no variable; anything unrecognised is a configuration error."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = env(name, str(default))
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}.") from exc


TESTING = "pytest" in sys.modules or env_bool("DJANGO_TESTING", False)
DEBUG = env_bool("DJANGO_DEBUG", False)
DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / "data")))
STATIC_ROOT_DIR = env("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
_INSECURE_KEY = "django-insecure-local-only-never-in-production"
SECRET_KEY = env("DJANGO_SECRET_KEY", _INSECURE_KEY)
JWT_SIGNING_KEY = env("JWT_SIGNING_KEY", SECRET_KEY)
DATABASE_URL = env("DATABASE_URL", "") or f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
REDIS_URL = env("REDIS_URL", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
LOG_FORMAT = env("LOG_FORMAT", "text")
LOG_LEVEL = env("LOG_LEVEL", "INFO")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
LOTTERY_TIME_ZONE = env("LOTTERY_TIME_ZONE", "UTC")
LOTTERY_BEACON = env("LOTTERY_BEACON", "")
LOTTERY_REDRAW_APPROVALS = env_int("LOTTERY_REDRAW_APPROVALS", 1)
JWT_ACCESS_LIFETIME = timedelta(seconds=env_int("JWT_ACCESS_LIFETIME_SECONDS", 15 * 60))
JWT_REFRESH_LIFETIME = timedelta(seconds=env_int("JWT_REFRESH_LIFETIME_SECONDS", 7 * 24 * 3600))
RATE_LIMIT_LOGIN = env_int("RATE_LIMIT_LOGIN", 10)  # attempts per window, per IP and per email
RATE_LIMIT_REGISTER = env_int("RATE_LIMIT_REGISTER", 5)
RATE_LIMIT_WINDOW = env_int("RATE_LIMIT_WINDOW_SECONDS", 60)
# Proxies in front of the app (PaaS router, load balancer) whose X-Forwarded-For we trust.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", TESTING)
HUEY_WORKERS = env_int("HUEY_WORKERS", 2)
EMAIL_HOST = env("EMAIL_HOST", "")
# Console mail until an SMTP host is configured: development prints winner emails.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "lottery@localhost")
CONN_MAX_AGE = env_int("CONN_MAX_AGE", 600)
# Check a reused database connection before each request's first query (one round trip):
# after a database restart the first request of each process then reconnects instead of
# answering 503.
CONN_HEALTH_CHECKS = env_bool("CONN_HEALTH_CHECKS", True)
# PostgreSQL: server-side parameters and prepared statements (a statement a connection has
# run 5 times is parsed and planned once). Turn off behind a pooler in transaction mode that
# cannot carry prepared statements (PgBouncer before 1.21).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)

# Refuse to run in production with a key anyone can read in this file.
if not DEBUG and not TESTING and _INSECURE_KEY in (SECRET_KEY, JWT_SIGNING_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY (and JWT_SIGNING_KEY, which defaults to it) must be set to a "
        "real secret when DJANGO_DEBUG is off."
    )

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
    "ninja",
    "huey.contrib.djhuey",
    "accounts",
    "lottery",
]

MIDDLEWARE = [
    "backoffice.health.ProbeMiddleware",
    "backoffice.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "backoffice.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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
            "KEY_PREFIX": "lottery",
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
if TESTING:
    # Hashing at production strength would dominate the suite's run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(STATIC_ROOT_DIR)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Huey: SqliteHuey in the data directory by default, RedisHuey when REDIS_URL is set.
# `immediate` comes from HUEY_IMMEDIATE (on under pytest), never from DEBUG.
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "lottery",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "utc": True,
        "consumer": {"workers": HUEY_WORKERS, "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "backoffice.huey.SqliteHuey",  # safe on a new file: see there
        "name": "lottery",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "utc": True,
        "consumer": {"workers": HUEY_WORKERS, "worker_type": "thread"},
    }

# Production hardening; `manage.py check --deploy` must report nothing.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = not DEBUG and not TESTING
CSRF_COOKIE_SECURE = not DEBUG and not TESTING
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "backoffice.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # A handler on "huey" stops run_huey from adding its own (which printed every line twice).
    "loggers": {
        "huey": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.db.backends": {"level": "INFO"},
    },
}

NINJA_PAGINATION_PER_PAGE = 20
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 100

from backoffice.unfold import UNFOLD  # noqa: E402,F401  (admin look lives apart)
