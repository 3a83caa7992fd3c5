"""Abuse cases: each is refused with a clear 4xx, never a 5xx, and changes nothing."""

import json

import pytest
from django.test import override_settings

from accounts.models import User
from lottery.models import Ballot, Draw

pytestmark = pytest.mark.django_db
INJECTIONS = [
    "'; DROP TABLE lottery_ballot; --",
    '" OR 1=1 --',
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "${jndi:ldap://127.0.0.1/a}",
    "<script>alert(1)</script>",
    "\u202e\u0000\ud7ff\U0001f600 ünïcödé",
]


def post(client, path, body, **extra):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(path, data, content_type="application/json", **extra)


def nothing_changed():
    return not Ballot.objects.exists() and not Draw.objects.exists()


def test_oversized_body_is_413(client, auth, game):
    response = post(
        client, "/api/v1/lotteries", b'{"numbers": [' + b"1," * 300_000 + b"1]}", **auth
    )
    assert response.status_code == 413
    assert "detail" in response.json()
    assert nothing_changed()


def test_deeply_nested_json_is_refused(client, auth, game):
    response = post(client, "/api/v1/lotteries", "[" * 50_000 + "]" * 50_000, **auth)
    assert response.status_code == 400
    assert "detail" in response.json()
    assert nothing_changed()


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_in_every_ballot_field(client, auth, game, text):
    for body in (
        {"numbers": text},
        {"numbers": [1, 2, 3, 4, 5], "game": text},
        {"numbers": [1, 2, 3, 4, 5], "game_date": text},
    ):
        response = post(client, "/api/v1/lotteries", body, **auth)
        assert response.status_code == 422, body
    assert nothing_changed()


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_in_registration_and_login(client, text):
    response = post(client, "/api/v1/users/token", {"email": text, "password": text})
    if "\x00" in text:  # refused by the schema before any lookup
        assert response.status_code == 422
    else:
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid email or password."}
    response = post(
        client,
        "/api/v1/users/register",
        {
            "email": text,
            "password": text,
            "confirm_password": text,
            "first_name": text,
            "last_name": text,
        },
    )
    assert response.status_code == 422
    assert not User.objects.exists()


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_in_paths_and_queries(client, auth, text):
    from urllib.parse import quote

    nul = "\x00" in text  # a NUL anywhere in the URL is a 400 before routing
    for url, status in (
        (f"/api/v1/draws/{quote(text, safe='')}/2026-01-01", 404),
        (f"/api/v1/lotteries/{quote(text, safe='')}", 404),
        (f"/api/v1/winning_ballots?game={quote(text, safe='')}", 200),
        (f"/api/v1/draws/daily/2026-01-01/leaves?cursor={quote(text, safe='')}", 404),
    ):
        response = client.get(url, **auth)
        assert response.status_code == (400 if nul else status), (url, response.content)
        assert response["Content-Type"].startswith("application/json"), url


def test_unicode_names_are_kept_exactly(client):
    response = post(
        client,
        "/api/v1/users/register",
        {
            "email": "zoe@example.com",
            "password": "Sunny-Meadow-42!",
            "confirm_password": "Sunny-Meadow-42!",
            "first_name": "Zoë 😀",
            "last_name": "Ørsted",
        },
    )
    assert response.status_code == 201
    assert User.objects.get().first_name == "Zoë 😀"


@pytest.mark.parametrize(
    "query",
    [
        "page=-1",
        "page_size=-5",
        "page_size=0",
        "page_size=101",
        "page=10000000000000000000000",
        "page=1e3",
    ],
)
def test_bad_paging_is_422(client, auth, query):
    response = client.get(f"/api/v1/lotteries?{query}", **auth)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_mass_registration_from_one_ip_is_stopped(client):
    answers = [
        post(
            client,
            "/api/v1/users/register",
            {
                "email": f"bot{i}@example.com",
                "password": "Sunny-Meadow-42!",
                "confirm_password": "Sunny-Meadow-42!",
                "first_name": "B",
                "last_name": "ot",
            },
            REMOTE_ADDR="203.0.113.9",
        ).status_code
        for i in range(20)
    ]
    assert answers[:5] == [201] * 5
    assert set(answers[5:]) == {429}
    assert User.objects.count() == 5


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_rate_limit_uses_the_client_address_behind_one_proxy(client):
    def register(i, ip):
        return post(
            client,
            "/api/v1/users/register",
            {
                "email": f"u{i}@example.com",
                "password": "Sunny-Meadow-42!",
                "confirm_password": "Sunny-Meadow-42!",
                "first_name": "U",
                "last_name": "Ser",
            },
            HTTP_X_FORWARDED_FOR=f"{ip}",
        ).status_code

    assert [register(i, "198.51.100.1") for i in range(6)][-1] == 429
    assert register(99, "198.51.100.2") == 201  # another client behind the same router
