"""gunicorn's settings, from the same environment as the app (the Procfile's and the image's
web process load this file: `gunicorn --config gunicorn.conf.py backoffice.wsgi`)."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
accesslog = "-"
# gunicorn's access line, gathered without copying every header (core/gunicorn_logging.py).
logger_class = "core.gunicorn_logging.Logger"

# X-Forwarded-Proto (and -For) count only from the proxies the app trusts: with
# TRUSTED_PROXY_COUNT=0 nobody is trusted, not even loopback; behind a PaaS router or load
# balancer (TRUSTED_PROXY_COUNT >= 1) its address is not known in advance, so any peer is,
# as the app then also trusts that many X-Forwarded-For hops (core/netaddr.py).
# FORWARDED_ALLOW_IPS names the proxies exactly when they are known.
forwarded_allow_ips = os.environ.get(
    "FORWARDED_ALLOW_IPS", "*" if int(os.environ.get("TRUSTED_PROXY_COUNT", "0")) else ""
)

# gunicorn answers oversized requests itself, in HTML. Its ceilings sit above the app's own
# limits (core/middleware.py: 4 KB URL, 8 KB of headers, answered as JSON 414/431), so a
# client sees gunicorn's page only past these hard limits (8 KB request line, 16 KB a header).
limit_request_line = 8190
limit_request_field_size = 16380
limit_request_fields = 200
