"""gunicorn's logger for the Procfile's web process (gunicorn.conf.py: ``logger_class``).

The access line is gunicorn's own (its format, its atoms, formatted by gunicorn), but when
the format reads no request or response header and no environ variable (no ``{...}`` atom,
as the default does not), gunicorn is handed only what its plain atoms read: its stock
``atoms()`` copies every header and all ~40 environ variables into a dict, then escapes each
copy, for every request (5% of a worker's time at concurrency 32, bench/api_profile.sh).
"""

from types import SimpleNamespace
from typing import Any

from gunicorn import glogging  # type: ignore[import-untyped]  # gunicorn ships no types

# The environ variables gunicorn's plain atoms read (h, r, m, U, q, H, f, a, and u through
# the Authorization header).
_PLAIN_ATOM_ENVIRON = (
    "REMOTE_ADDR",
    "REQUEST_METHOD",
    "RAW_URI",
    "SERVER_PROTOCOL",
    "PATH_INFO",
    "QUERY_STRING",
    "HTTP_REFERER",
    "HTTP_USER_AGENT",
    "HTTP_AUTHORIZATION",
)


class Logger(glogging.Logger):
    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        if "{" in self.cfg.access_log_format:  # reads headers or environ: gunicorn's way
            return super().atoms(resp, req, environ, request_time)
        plain = {key: environ[key] for key in _PLAIN_ATOM_ENVIRON if key in environ}
        status = SimpleNamespace(status=resp.status, sent=getattr(resp, "sent", None), headers=())
        return super().atoms(status, (), plain, request_time)
