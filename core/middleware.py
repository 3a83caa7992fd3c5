"""Keep the API's promise that every error is JSON {"detail": ...}, and refuse oversized
request lines and headers before any other code reads them."""

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core.types import has_nul

# Below gunicorn's own limits (gunicorn.conf.py), so that this JSON answer, not its HTML
# one, is what a client sees; RFC 9110 §15.5.15 (414) and RFC 6585 §5 (431).
MAX_URL_BYTES = 4096
MAX_HEADER_BYTES = 8192
MAX_HEADER_FIELDS = 100


def _json_error(detail: str, status: int) -> HttpResponse:
    return HttpResponse(
        json.dumps({"detail": detail}), status=status, content_type="application/json"
    )


class RequestLimitsMiddleware:
    """414 for a URL over 4 KiB; 431 for headers over 8 KiB in total or over 100 fields.
    First in MIDDLEWARE: nothing else runs for such a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        # RAW_URI (gunicorn) is the target as sent; else rebuild it from the WSGI fields.
        url = meta.get("RAW_URI") or request.get_full_path()
        if len(url.encode("utf-8", "surrogateescape")) > MAX_URL_BYTES:
            return _json_error(f"The URL is longer than {MAX_URL_BYTES} bytes.", 414)
        fields = [(k, v) for k, v in meta.items() if k.startswith("HTTP_")]
        fields += [(k, meta[k]) for k in ("CONTENT_TYPE", "CONTENT_LENGTH") if meta.get(k)]
        size = sum(len(k) - 5 + len(str(v)) + 4 for k, v in fields)  # "Name: value\r\n"
        if len(fields) > MAX_HEADER_FIELDS or size > MAX_HEADER_BYTES:
            return _json_error(
                f"The request headers exceed {MAX_HEADER_BYTES} bytes or "
                f"{MAX_HEADER_FIELDS} fields.",
                431,
            )
        return self.get_response(request)


def _has_body(request: HttpRequest) -> bool:
    length = request.META.get("CONTENT_LENGTH") or "0"
    return length.strip() not in ("", "0") or "HTTP_TRANSFER_ENCODING" in request.META


def _is_json(request: HttpRequest) -> bool:
    """application/json, optionally with charset=utf-8 (RFC 8259 §8.1: JSON is UTF-8)."""
    if (request.content_type or "").lower() != "application/json":
        return False
    charset = (request.content_params or {}).get("charset")  # set with content_type
    return charset is None or charset.lower() in ("utf-8", "utf8")


class ApiJsonErrorsMiddleware:
    """Turn the few plain-text errors Django and ninja raise under /api/ (404 for an unknown
    path, 405 for a wrong method, 400 for a bad host) into JSON; refuse a body that is not
    JSON with 415 (ninja would otherwise parse any Content-Type as JSON)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/") and (
            has_nul(request.path_info) or "%00" in request.META.get("QUERY_STRING", "")
        ):
            # No path or query value ever needs NUL, and PostgreSQL cannot compare with one.
            return _json_error("NUL characters are not allowed in the URL.", 400)
        if request.path_info.startswith("/api/") and _has_body(request) and not _is_json(request):
            return _json_error("Send the request body as Content-Type: application/json.", 415)
        response = self.get_response(request)
        if (
            request.path_info.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            replacement = _json_error(response.reason_phrase, response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response
