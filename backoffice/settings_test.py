"""Settings for the test suite (pytest's DJANGO_SETTINGS_MODULE): production settings, plus
the few things only tests want. Each override says why; the production-mode suite
(tests/e2e_prod) runs the real processes on backoffice.settings instead.
"""

import os
import secrets
from pathlib import Path

# Secrets of this run's own, inherited by the processes the tests start (run_huey, manage.py).
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("JWT_SIGNING_KEY", secrets.token_urlsafe(50))

# pytest -n auto: each xdist worker gets its own data directory (SQLite test database, file
# cache with its rate limits, Huey file) and, below, its own Redis key prefix.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker:
    _base = Path(os.environ.get("DATA_DIR", Path(__file__).resolve().parent.parent / "data"))
    os.environ["DATA_DIR"] = str(_base / f"xdist-{_worker}")

from backoffice.settings import *  # noqa: E402,F403
from backoffice.settings import CACHES, REDIS_URL  # noqa: E402

HUEY_IMMEDIATE = True
HUEY["immediate"] = True  # noqa: F405  (tasks run inline, in memory; test_consumer runs a real one)
# Hashing at production strength would dominate the suite's run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The test client speaks plain HTTP, and static files are not collected for unit tests.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if REDIS_URL and _worker:
    CACHES["default"]["KEY_PREFIX"] = f"lottery-{_worker}"
