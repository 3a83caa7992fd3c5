"""Tokens and sign-in under hostile or unlucky input: forged claims, padded emails, and the
same refresh token sent twice at once."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import jwt
import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import RefreshToken, User
from tests.accounts.test_api import ME, REFRESH, REGISTER, TOKEN, _forge
from tests.conftest import postgres_only

PASSWORD = "a-Long-passw0rd!"


def signed(player, **changes):
    return jwt.encode(_forge(player, **changes), settings.JWT_SIGNING_KEY, algorithm="HS256")


def post(client, path, body, **extra):
    return client.post(path, body, content_type="application/json", **extra)


def login(client, email="ada@example.com", password=PASSWORD, **extra):
    return post(client, TOKEN, {"email": email, "password": password}, **extra)


def refresh(client, token):
    return post(client, REFRESH, {"refresh_token": token})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "claims",
    [
        {"exp": 1e300},
        {"exp": 10**30},
        {"exp": str(int(time.time()) + 600)},
        {"iat": 1e300},
        {"iat": str(int(time.time()))},
        {"iat": True},
        {"exp": float("nan")},
    ],
)
def test_a_signed_token_with_absurd_times_is_401(api, player, claims):
    response = api.get(ME, HTTP_AUTHORIZATION=f"Bearer {signed(player, **claims)}")
    assert response.status_code == 401, response.content
    assert isinstance(response.json()["detail"], str)


@pytest.mark.django_db
@override_settings(RATE_LIMIT_LOGIN=3)
@pytest.mark.parametrize(
    "variant", ["ada@example.com ", " ada@example.com", "ADA@example.com", "Ada@Example.COM\t"]
)
def test_padding_or_case_does_not_bypass_the_per_email_login_limit(api, player, variant):
    for n in range(3):
        # A different address each time: only the per-email key can stop the next one.
        login(api, email="ada@example.com", password="wrong", REMOTE_ADDR=f"10.0.0.{n}")
    response = login(api, email=variant, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429


@pytest.mark.django_db
def test_a_padded_email_still_signs_in(api, player):
    assert login(api, email="  ADA@example.com ").status_code == 200


@pytest.mark.django_db
@override_settings(RATE_LIMIT_REGISTER=2)
def test_padding_or_case_does_not_bypass_the_per_email_register_limit(api):
    for n in range(2):
        body = {
            "email": "grace@example.com",
            "password": "weak",
            "confirm_password": "weak",
            "first_name": "G",
            "last_name": "H",
        }
        post(api, REGISTER, body, REMOTE_ADDR=f"10.0.1.{n}")
    body = {**body, "email": "GRACE@example.com", "password": "Sunny-Meadow-42!"}
    body["confirm_password"] = body["password"]
    response = post(api, REGISTER, body, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert not User.objects.exists()


@pytest.mark.django_db
def test_the_same_refresh_token_twice_within_the_grace_window_gives_the_same_pair(api, player):
    tokens = login(api).json()
    first = refresh(api, tokens["refresh_token"])
    second = refresh(api, tokens["refresh_token"])
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    # The player is still signed in, and the new refresh token rotates as usual.
    assert (
        api.get(ME, HTTP_AUTHORIZATION=f"Bearer {first.json()['access_token']}").status_code == 200
    )
    assert refresh(api, first.json()["refresh_token"]).status_code == 200
    assert RefreshToken.objects.filter(user=player).count() == 3


@pytest.mark.django_db
def test_a_reuse_after_the_grace_window_still_logs_the_player_out(api, player):
    tokens = login(api).json()
    new = refresh(api, tokens["refresh_token"]).json()
    grace = getattr(settings, "JWT_REFRESH_GRACE_SECONDS", 30)
    with time_machine.travel(timezone.now() + timedelta(seconds=grace + 1)):
        assert refresh(api, tokens["refresh_token"]).status_code == 401
        assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {new['access_token']}").status_code == 401
        assert refresh(api, new["refresh_token"]).status_code == 401


@pytest.mark.django_db
def test_a_replay_after_the_successor_was_used_is_reuse(api, player):
    tokens = login(api).json()
    new = refresh(api, tokens["refresh_token"]).json()
    newer = refresh(api, new["refresh_token"]).json()
    assert refresh(api, tokens["refresh_token"]).status_code == 401
    assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {newer['access_token']}").status_code == 401


@pytest.mark.django_db
@override_settings(JWT_REFRESH_GRACE_SECONDS=0)
def test_without_a_grace_window_a_second_use_is_reuse(api, player):
    tokens = login(api).json()
    new = refresh(api, tokens["refresh_token"]).json()
    assert refresh(api, tokens["refresh_token"]).status_code == 401
    assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {new['access_token']}").status_code == 401


@postgres_only()
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_get_the_same_pair_and_keep_the_player_in(make_player):
    player = make_player(email="ada@example.com")
    tokens = login(Client()).json()
    barrier = threading.Barrier(2)

    def send(_):
        try:
            barrier.wait()
            return refresh(Client(), tokens["refresh_token"])
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(send, range(2)))
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    pair = answers[0].json()
    player.refresh_from_db()
    assert player.tokens_revoked_at is None
    assert Client().get(ME, HTTP_AUTHORIZATION=f"Bearer {pair['access_token']}").status_code == 200


# A token's signature and form are checked once and kept (accounts.auth._signed); its times are
# judged on every request, so keeping it must never keep a token alive.


@pytest.mark.django_db
def test_a_token_already_seen_is_refused_the_moment_it_expires(api, player):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        token = signed(player, exp=int(time.time()) + 60)
        assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
        clock.shift(59)
        assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
        clock.shift(1)  # exp <= now: expired, as PyJWT judges it
        assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


@pytest.mark.django_db
def test_a_token_issued_in_the_future_waits_for_its_time_even_once_refused(api, player):
    """Another process's clock a little ahead: refused until its iat, then accepted (the
    refusal on time is not kept)."""
    with time_machine.travel(timezone.now(), tick=False) as clock:
        token = signed(player, iat=int(time.time()) + 5)
        assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
        clock.shift(5)
        assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


@pytest.mark.django_db
def test_a_token_seen_under_one_signing_key_is_refused_under_another(api, player):
    token = signed(player)
    assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    with override_settings(JWT_SIGNING_KEY="another-key-of-at-least-thirty-two-bytes-0123456789"):
        assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


@pytest.mark.django_db
def test_a_very_long_token_is_checked_but_not_kept(api, player):
    from accounts import auth

    token = signed(player, padding="x" * 2000)
    assert len(token) > 2000
    before = auth._signed.cache_info().currsize
    assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert auth._signed.cache_info().currsize == before
