"""The one NinjaAPI: routers per app, and every error answered as JSON {"detail": ...}."""

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder
from pydantic_core import to_json

from accounts.api import router as users_router
from accounts.auth import UNAUTHORIZED, JWTAuth
from backoffice.openapi import declare_errors
from core.errors import ServiceError
from lottery.api import router as lottery_router

logger = logging.getLogger(__name__)


class JSONRenderer(BaseRenderer):
    """JSON written by pydantic-core (Rust), about 8x faster than ``json`` with Django's
    encoder on a page of ballots. Datetimes keep their microseconds (ISO 8601, "Z")."""

    media_type = "application/json"
    _fallback = NinjaJSONEncoder().default  # lazy strings and the rest ninja knows

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return to_json(data, fallback=self._fallback)


class LotteryAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """The view's own name (`lottery_play`): what a generated client calls its method."""
        return operation.view_func.__name__

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        return declare_errors(super().get_openapi_schema(**kwargs))


api = LotteryAPI(
    title="Lottery API",
    version="1.0.0",
    description=(
        "Play the daily lottery and verify every draw. Every error is JSON "
        '`{"detail": "a sentence"}`; input validation (422) adds `errors`, one '
        "`{loc, msg, type}` per refused field. Request bodies are `application/json`."
    ),
    auth=JWTAuth(),
    docs_url="/docs",
    urls_namespace="api-v1",
    renderer=JSONRenderer(),
)
api.add_router("/users", users_router)
api.add_router("/", lottery_router)


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    response = api.create_response(request, {"detail": exc.detail}, status=exc.status)
    for header, value in exc.headers.items():
        response[header] = value
    return response


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"loc": list(error.get("loc", ())), "msg": str(error.get("msg", "")), "type": error["type"]}
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": _summary(errors), "errors": errors}, status=422)


def _summary(errors: list[dict]) -> str:
    """One sentence naming each refused field: `numbers: List should have at least 1 item`."""
    # ninja's loc starts with where the value came from (body, query, path) and, for a body,
    # the view's parameter name: neither means anything to a client.
    reasons = []
    for error in errors[:5]:
        loc = error["loc"]
        field = ".".join(str(part) for part in loc[2 if loc[:1] == ["body"] else 1 :])
        reasons.append(f"{field}: {error['msg']}" if field else error["msg"])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "Invalid input: " + "; ".join(reasons) + more + "."


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": UNAUTHORIZED}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
@api.exception_handler(ObjectDoesNotExist)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "Request body too large."}, status=413)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(DatabaseOperationalError)
@api.exception_handler(InterfaceError)
def database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The database is restarting or unreachable: a 503 tells clients to retry (not a bug)."""
    logger.warning("Database unavailable on %s %s: %s", request.method, request.path, exc)
    response = api.create_response(
        request, {"detail": "Service temporarily unavailable; try again."}, status=503
    )
    response["Retry-After"] = "5"
    return response


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled error on %s %s", request.method, request.path)
    return api.create_response(request, {"detail": "Internal server error."}, status=500)
