"""Every page carries a Content-Security-Policy: scripts only from our own origin."""

import pytest

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.parametrize("url", ["/admin/login/", "/api/v1/docs", "/api/v1/openapi.json"])
def test_pages_forbid_scripts_from_anywhere_but_us(client, url):
    policy = directives(client.get(url))

    assert policy["script-src"] in ("'self'", "'self' 'unsafe-eval'")
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"


def test_the_api_docs_run_no_eval_and_load_swagger_from_our_static_files(client):
    response = client.get("/api/v1/docs")

    assert directives(response)["script-src"] == "'self'"
    assert "/static/ninja/swagger-ui-bundle.js" in response.content.decode()
