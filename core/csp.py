"""Content-Security-Policy on every response: nothing loads or runs from anywhere but us.

Scripts only from our own static files (swagger-ui's settings are a JSON <script>, which
CSP does not treat as code). The admin, and our account pages built on its layout, add
'unsafe-eval' and nothing else: unfold ships the standard Alpine.js build, which compiles
its x-data/x-on expressions with the AsyncFunction constructor (Alpine's CSP build would
avoid it; unfold does not ship it). Styles allow 'unsafe-inline' because unfold and
swagger-ui set style attributes and inject <style> elements (CSP3 gives no nonce for
attributes); a style cannot run code. See https://www.w3.org/TR/CSP3/.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"
BASE = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
ADMIN = {**BASE, "script-src": "'self' 'unsafe-eval'"}


def policy(directives: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives.items())


BASE_POLICY = policy(BASE)
ADMIN_POLICY = policy(ADMIN)
UNFOLD_PAGES = ("/admin/", "/accounts/")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            unfold = request.path_info.startswith(UNFOLD_PAGES)
            response[HEADER] = ADMIN_POLICY if unfold else BASE_POLICY
        return response
