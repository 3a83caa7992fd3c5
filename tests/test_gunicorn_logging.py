"""The web process's access line is gunicorn's own, gathered more cheaply (core.gunicorn_logging):
the same text as gunicorn's stock logger writes, for its default format and for a format that
reads headers and environ variables."""

import datetime
import logging
from types import SimpleNamespace

import pytest
from gunicorn import glogging
from gunicorn.config import Config

from core.gunicorn_logging import Logger

ENVIRON = {
    "REMOTE_ADDR": "203.0.113.9",
    "REQUEST_METHOD": "POST",
    "RAW_URI": "/api/v1/lotteries?x=1",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "PATH_INFO": "/api/v1/lotteries",
    "QUERY_STRING": "x=1",
    "HTTP_REFERER": 'https://example.com/"quoted"',
    "HTTP_USER_AGENT": "curl/8.0",
    "HTTP_AUTHORIZATION": "Basic YWRhOnNlY3JldA==",  # gunicorn's %(u)s reads a Basic user
    "SERVER_NAME": "127.0.0.1",
    "wsgi.url_scheme": "http",
}
RESPONSE = SimpleNamespace(
    status="201 Created", sent=187, headers=[("Content-Type", "application/json")]
)
REQUEST = SimpleNamespace(headers=[("USER-AGENT", "curl/8.0"), ("X-REQUEST-ID", "abc")])
TOOK = datetime.timedelta(seconds=0, microseconds=31234)


def line(logger_class, access_log_format: str | None) -> str:
    cfg = Config()
    if access_log_format:
        cfg.set("access_log_format", access_log_format)
    logger = logger_class(cfg)
    logger.now = lambda: "[07/Dec/2026:12:00:00 +0000]"  # one instant for both
    atoms = logger.atoms(RESPONSE, REQUEST, dict(ENVIRON), TOOK)
    record = logging.LogRecord(
        "a", logging.INFO, "", 0, cfg.access_log_format, (glogging.SafeAtoms(atoms),), None
    )
    return record.getMessage()


@pytest.mark.parametrize(
    "access_log_format",
    [
        None,  # gunicorn's default, the one gunicorn.conf.py keeps
        '%(h)s "%(r)s" %(s)s %(b)s %(L)s %(m)s %(U)s %(q)s %(H)s %(u)s %(T)s %(D)s %(M)s',
        "%(h)s %({x-request-id}i)s %({content-type}o)s %({server_name}e)s %({missing}i)s",
    ],
)
def test_the_access_line_is_gunicorns_own(access_log_format):
    ours = line(Logger, access_log_format)
    assert ours == line(glogging.Logger, access_log_format)
    assert "203.0.113.9" in ours


def test_the_default_line_names_the_request_its_status_and_size():
    assert line(Logger, None) == (
        '203.0.113.9 - ada [07/Dec/2026:12:00:00 +0000] "POST /api/v1/lotteries?x=1 HTTP/1.1" '
        '201 187 "https://example.com/\\"quoted\\"" "curl/8.0"'
    )
