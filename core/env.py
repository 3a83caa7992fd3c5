"""Reading the settings from the environment (12-factor): typed reads that fail loudly, and
the guard that refuses a signing key anyone could know."""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


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


# Keys anyone can read somewhere (this project's history, Django's template, tutorials).
KNOWN_DEFAULT_SECRETS = frozenset(
    {
        "django-insecure-local-only-never-in-production",
        "collectstatic-only",
        "bench-draw-not-a-secret",
        "changeme",
        "secret",
    }
)
MIN_SECRET_BYTES = 32  # HS256 wants a key at least as long as its hash (RFC 7518 §3.2)


def secret(name: str, value: str) -> str:
    """Refuse a signing key that is empty, short or published: anyone could forge with it."""
    if not value:
        raise ImproperlyConfigured(f"{name} is empty: set it to a long random secret.")
    if value in KNOWN_DEFAULT_SECRETS or value.startswith("django-insecure"):
        raise ImproperlyConfigured(f"{name} is a published default: set a secret of your own.")
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise ImproperlyConfigured(
            f"{name} is {len(value.encode())} bytes; use at least {MIN_SECRET_BYTES} random "
            'bytes (python -c "import secrets; print(secrets.token_urlsafe(50))").'
        )
    return value


def dev_secret(path: Path) -> str:
    """A random key of this checkout's own for DEBUG runs, kept in the data directory so
    tokens survive a restart; created once, atomically (web and worker start together)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(50))
    return path.read_text().strip()
