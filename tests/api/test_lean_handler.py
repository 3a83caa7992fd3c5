"""The WSGI entry point gunicorn serves: /api/ goes through the shorter middleware list
(no sessions, CSRF, auth or messages), every other path through the full one, and both
keep the request limits, the security headers and CSP."""

import io
import json
from wsgiref.util import setup_testing_defaults

import pytest

from backoffice.wsgi import application
from lottery.models import Ballot
from tests.conftest import bearer

pytestmark = pytest.mark.usefixtures("_keep_test_connection")


def call(method: str, path: str, body: bytes = b"", **headers: str) -> tuple[int, dict, bytes]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "HTTP_HOST": "testserver",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        **headers,
    }
    if body:
        environ["CONTENT_TYPE"] = "application/json"
    setup_testing_defaults(environ)
    answer: dict = {}

    def start_response(status: str, response_headers: list, exc_info=None) -> None:
        answer["status"] = int(status.split()[0])
        answer["headers"] = response_headers

    content = b"".join(application(environ, start_response))
    names: dict[str, list[str]] = {}
    for name, value in answer["headers"]:
        names.setdefault(name.lower(), []).append(value)
    return answer["status"], names, content


@pytest.mark.django_db
def test_a_ballot_played_through_the_lean_handler_is_stored_with_the_security_headers(game, player):
    status, headers, content = call(
        "POST",
        "/api/v1/lotteries",
        json.dumps({"numbers": [1, 2, 3, 4, 5]}).encode(),
        **bearer(player),
    )
    assert status == 201, content
    assert Ballot.objects.get(player=player).numbers == "1-2-3-4-5"
    assert "content-security-policy" in headers
    assert headers["x-content-type-options"] == ["nosniff"]
    assert headers["x-frame-options"] == ["DENY"]
    # No session or CSRF cookie, and no Vary: Cookie making caches keep a copy per cookie.
    assert "set-cookie" not in headers
    assert "Cookie" not in ",".join(headers.get("vary", []))


@pytest.mark.django_db
def test_api_errors_stay_json_and_limits_apply_through_the_lean_handler(game, player):
    status, _, content = call("GET", "/api/v1/lotteries")
    assert status == 401
    assert "detail" in json.loads(content)
    status, _, content = call("GET", "/api/v1/lotteries", HTTP_X_BIG="x" * 9000)
    assert status == 431
    assert "detail" in json.loads(content)


@pytest.mark.django_db
def test_the_admin_keeps_its_cookie_middleware(game):
    status, headers, _ = call("GET", "/admin/login/")
    assert status == 200
    assert "Cookie" in ",".join(headers["vary"])  # the session and CSRF middleware ran
    assert "content-security-policy" in headers


@pytest.mark.django_db
def test_the_bench_only_hello_world_is_not_served_by_default():
    status, _, content = call("GET", "/api/bench/hello")
    assert status == 404
    assert "detail" in json.loads(content)


@pytest.mark.django_db
def test_head_on_the_api_answers_the_get_headers_without_a_body(game):
    get_status, get_headers, get_body = call("GET", "/api/v1/games")
    status, headers, body = call("HEAD", "/api/v1/games")
    assert (get_status, status) == (200, 200)
    assert body == b""
    assert get_body
    assert headers["content-type"] == get_headers["content-type"]
    assert headers["content-length"] == [str(len(get_body))]


@pytest.mark.django_db
def test_head_on_a_post_only_route_is_refused_like_a_get(player):
    status, headers, body = call("HEAD", "/api/v1/tickets", **bearer(player))
    assert status == 405
    assert headers["allow"] == ["POST"]
    assert body == b""
