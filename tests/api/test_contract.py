"""The OpenAPI document tells the truth: one error shape, every status declared, names and
enums a generated client can use; and the error bodies are that shape."""

import json

import pytest

from backoffice.api import api

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema():
    return api.get_openapi_schema(path_prefix="/api/v1/")


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def declared(schema, method, path):
    return {int(code) for code in schema["paths"][path][method.lower()]["responses"]}


def assert_error_body(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_validation_errors_are_a_sentence_and_a_list_of_fields(client, auth):
    response = client.post(
        "/api/v1/lotteries", {"numbers": "seven"}, content_type="application/json", **auth
    )
    body = assert_error_body(response, 422)
    assert "numbers" in body["detail"]
    assert body["errors"] == [
        {
            "loc": ["body", "payload", "numbers"],
            "msg": "Input should be a valid list",
            "type": "list_type",
        }
    ]


def test_query_validation_errors_have_the_same_shape(client, auth):
    response = client.get("/api/v1/lotteries?page=0", **auth)
    body = assert_error_body(response, 422)
    assert body["errors"][0]["loc"] == ["query", "page"]
    assert body["detail"].startswith("Invalid input: page:")


def test_malformed_json_is_a_400_with_a_sentence(client):
    response = client.post("/api/v1/users/token", b'{"email": ', content_type="application/json")
    assert_error_body(response, 400)


def test_service_and_auth_errors_are_a_sentence_without_field_list(client):
    response = client.get("/api/v1/lotteries")
    body = assert_error_body(response, 401)
    assert "errors" not in body
    response = client.get("/api/v1/winning_ballots/not-a-uuid")
    assert_error_body(response, 404)


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("GET", "/api/v1/lotteries", {401, 422}),
        ("GET", "/api/v1/lotteries/{ballot_id}", {401, 404}),
        ("GET", "/api/v1/winning_ballots", {422}),
        ("POST", "/api/v1/users/token/refresh", {400, 401, 413, 415, 422}),
        ("POST", "/api/v1/users/token", {400, 401, 415, 422, 429}),
        ("POST", "/api/v1/users/register", {400, 409, 415, 422, 429}),
        ("POST", "/api/v1/lotteries", {400, 401, 413, 415, 422}),
        ("GET", "/api/v1/draws/{game}/{day}/leaves", {404, 409, 422}),
        ("GET", "/api/v1/draws/{game}/{day}/proof/{ballot_id}", {401, 404, 409}),
    ],
)
def test_each_operation_declares_the_errors_it_answers(schema, method, path, statuses):
    assert statuses <= declared(schema, method, path)


def test_every_operation_declares_the_transport_errors(schema):
    for method, path, _ in operations(schema):
        assert {400, 414, 431, 503} <= declared(schema, method, path), (method, path)


def test_every_error_response_is_the_one_error_shape(schema):
    for method, path, operation in operations(schema):
        for code, response in operation["responses"].items():
            if int(code) >= 400:
                content = response["content"]["application/json"]["schema"]
                assert content == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, code)
    error = schema["components"]["schemas"]["ErrorOut"]
    assert error["required"] == ["detail"]
    assert error["properties"]["detail"]["type"] == "string"


def test_operation_ids_read_like_methods(schema):
    ids = {operation["operationId"] for _, _, operation in operations(schema)}
    assert {"lottery_play", "lottery_list", "token_obtain", "token_refresh", "user_register"} <= ids
    assert not any(name.startswith(("lottery_api_", "accounts_api_")) for name in ids)


def test_statuses_and_tie_rules_are_enums(schema):
    components = schema["components"]["schemas"]
    assert set(components["DrawStatus"]["enum"]) == {
        "open",
        "closed",
        "drawn",
        "no_entries",
        "void",
    }
    assert set(components["TieRule"]["enum"]) == {"first", "share"}


def test_inputs_carry_examples(schema):
    components = schema["components"]["schemas"]
    for name in ("RegisterIn", "TokenIn", "RefreshIn", "BallotIn", "LineIn", "TicketIn"):
        for field, spec in components[name]["properties"].items():
            assert spec.get("examples"), (name, field)


def test_no_component_schema_is_unused(schema):
    text = json.dumps(schema["paths"])
    components = schema["components"]["schemas"]
    referenced = {name for name in components if f'/schemas/{name}"' in text}
    for name in list(referenced):
        referenced |= {
            other for other in components if f'/schemas/{other}"' in json.dumps(components[name])
        }
    assert set(components) == referenced
