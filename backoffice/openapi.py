"""Make the OpenAPI document tell the truth about errors, so that generated clients do not
raise on an answer the server really gives.

Each route declares the errors of its own rules (404, 409, 429, a 422 of a service). The
errors every request can meet on the way in are added here, once, from what the operation
is: any request can be refused for its URL or headers (400, 414, 431) or meet an unavailable
database (503); one with a body for its JSON, size or media type (400, 413, 415); one with
inputs for their validation (422); one with a security requirement for its token (401).
"""

import json
import re
from typing import Any, TypeVar

from core.errors import ErrorOut

ERROR_REF = "#/components/schemas/ErrorOut"

ANY_REQUEST = {
    400: "Malformed request: the body is not JSON, the URL holds a NUL, or the Host is unknown.",
    414: "The URL is longer than the server accepts.",
    431: "The request headers are larger or more numerous than the server accepts.",
    503: "The database is unavailable for a moment: retry after Retry-After seconds.",
}
WITH_BODY = {
    413: "The request body is larger than the server accepts.",
    415: "The body is not sent as Content-Type: application/json.",
}
WITH_INPUT = {422: "The input was refused: `detail` says why, `errors` lists each field."}
WITH_AUTH = {401: "Missing, invalid or expired access token."}

S = TypeVar("S", bound=dict[str, Any])  # ninja's OpenAPISchema, a dict


def declare_errors(schema: S) -> S:
    """Add the statuses each operation can answer, then drop components nothing refers to."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            statuses = dict(ANY_REQUEST)
            if operation.get("requestBody"):
                statuses |= WITH_BODY | WITH_INPUT
            if operation.get("parameters"):
                statuses |= WITH_INPUT
            if operation.get("security"):
                statuses |= WITH_AUTH
            responses = operation.setdefault("responses", {})
            for status, description in sorted(statuses.items()):
                responses.setdefault(status, _error(description))
            operation["responses"] = dict(sorted(responses.items(), key=lambda kv: int(kv[0])))
    _add_error_component(schema)
    _drop_unused_components(schema)
    return schema


def _add_error_component(schema: dict[str, Any]) -> None:
    error = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(error.pop("$defs", {}))
    components["ErrorOut"] = error


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
    }


_REF = re.compile(r'"\$ref": "#/components/schemas/([^"]+)"')


def _drop_unused_components(schema: dict[str, Any]) -> None:
    """Query-parameter models (flattened into `parameters`) otherwise linger as components."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    used: set[str] = set()
    pending = set(_REF.findall(json.dumps(schema.get("paths", {}))))
    while pending:
        name = pending.pop()
        if name in used or name not in components:
            continue
        used.add(name)
        pending |= set(_REF.findall(json.dumps(components[name])))
    for name in set(components) - used:
        del components[name]
