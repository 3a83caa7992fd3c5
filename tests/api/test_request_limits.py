"""Oversized URLs and headers, and bodies that are not JSON, are refused as JSON errors."""

import pytest

pytestmark = pytest.mark.django_db


def assert_json_error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("path", ["/api/v1/games", "/admin/", "/"])
def test_a_url_over_4096_bytes_is_a_json_414(client, path):
    assert_json_error(client.get(path, {"q": "x" * 4096}), 414)


def test_a_url_just_under_the_limit_is_served(client, game):
    response = client.get("/api/v1/games", {"q": "x" * 3000})
    assert response.status_code == 200


def test_headers_over_8192_bytes_in_total_are_a_json_431(client):
    headers = {f"HTTP_X_FILLER_{n}": "y" * 1000 for n in range(9)}
    assert_json_error(client.get("/api/v1/games", **headers), 431)


def test_more_than_100_header_fields_are_a_json_431(client):
    headers = {f"HTTP_X_F{n}": "1" for n in range(101)}
    assert_json_error(client.get("/api/v1/games", **headers), 431)


def test_ordinary_headers_pass(client, game):
    headers = {f"HTTP_X_F{n}": "1" * 50 for n in range(60)}
    assert client.get("/api/v1/games", **headers).status_code == 200


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "application/jsonx",
        "",
    ],
)
def test_a_body_that_is_not_json_is_a_415(client, content_type):
    body = b'{"email": "ada@example.com", "password": "x"}'
    response = client.post("/api/v1/users/token", body, content_type=content_type)
    assert_json_error(response, 415)


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_json_with_or_without_charset_is_accepted(client, player, content_type):
    body = b'{"email": "ada@example.com", "password": "a-Long-passw0rd!"}'
    response = client.post("/api/v1/users/token", body, content_type=content_type)
    assert response.status_code == 200


def test_a_request_without_a_body_needs_no_content_type(client, auth):
    assert client.delete("/api/v1/users/me", **auth).status_code == 204
