import os

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
full_application = get_wsgi_application()

API_PREFIX = "/api/"


class ApiHandler(WSGIHandler):
    """Django's handler with settings.API_MIDDLEWARE in place of MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler.load_middleware reads settings.MIDDLEWARE; swapped for the time of the
        # call, at start-up, before any request is served.
        middleware = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.API_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = middleware


api_application = ApiHandler()


def _api_head(environ: dict, start_response):
    """HEAD on the API is its GET without the body (RFC 9110 section 9.3.2): ninja routes
    GET only, and curl -I, link checkers and CDNs ask HEAD. Same status and headers."""
    environ = {**environ, "REQUEST_METHOD": "GET"}
    response = api_application(environ, start_response)
    close = getattr(response, "close", None)
    if close is not None:
        close()
    return []


def application(environ: dict, start_response):
    """The WSGI entry point: /api/ to the lean handler, the rest (admin, public pages,
    probes, static files) to Django's full middleware list."""
    if environ.get("PATH_INFO", "").startswith(API_PREFIX):
        if environ.get("REQUEST_METHOD") == "HEAD":
            return _api_head(environ, start_response)
        return api_application(environ, start_response)
    return full_application(environ, start_response)


def require_collected_static() -> None:
    """Refuse to serve without the build step's static files: without their manifest every
    admin page would answer 500 ("Missing staticfiles manifest entry"), one request at a time."""
    storage = storages["staticfiles"]
    if isinstance(storage, ManifestFilesMixin) and not storage.manifest_storage.exists(
        storage.manifest_name
    ):
        raise ImproperlyConfigured(
            f"No static files manifest in {storage.location}: run "
            "`python manage.py collectstatic --noinput` at build time (the Dockerfile does; "
            "see README, Production)."
        )


require_collected_static()
