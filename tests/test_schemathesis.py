"""Property-based run of the whole OpenAPI schema: no request of any shape yields a 5xx, and
every answer is one the schema declares (status, content type and body), so a client
generated from the schema can read it."""

import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import token_pair_issue
from backoffice.wsgi import application
from tests.conftest import daily_game

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))


@pytest.fixture
def auth_headers(make_player, _keep_test_connection):
    daily_game()
    player = make_player(email="fuzz@example.com")
    return {"Authorization": f"Bearer {token_pair_issue(user=player).access_token}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is not flaky
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_no_request_yields_a_server_error_or_an_undeclared_answer(case, auth_headers):
    response = case.call_and_validate(
        headers=auth_headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
    assert response.status_code < 500, case.as_curl_command()
    if response.status_code >= 400:
        try:
            body = json.loads(response.content or b"null")
        except ValueError:
            raise AssertionError(
                (response.status_code, response.content[:300], case.as_curl_command())
            ) from None
        assert isinstance(body, dict) and "detail" in body, (
            response.status_code,
            response.content[:300],
            case.as_curl_command(),
        )
