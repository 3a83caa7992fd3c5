"""Keep the API's promise that every error is JSON {"detail": ...}."""

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class ApiJsonErrorsMiddleware:
    """Turn the few plain-text errors Django and ninja raise under /api/ (404 for an unknown
    path, 405 for a wrong method, 400 for a bad host) into JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/") and (
            "\x00" in request.path_info or "%00" in request.META.get("QUERY_STRING", "")
        ):
            # No path or query value ever needs NUL, and PostgreSQL cannot compare with one.
            return HttpResponse(
                json.dumps({"detail": "NUL characters are not allowed in the URL."}),
                status=400,
                content_type="application/json",
            )
        response = self.get_response(request)
        if (
            request.path_info.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            replacement = HttpResponse(
                json.dumps({"detail": response.reason_phrase}),
                status=response.status_code,
                content_type="application/json",
            )
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response
