import time
import uuid
from datetime import timedelta

import jwt
import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from model_bakery import baker

from accounts.models import RefreshToken, User
from lottery.models import Ballot
from tests.conftest import bearer

REGISTER = "/api/v1/users/register"
TOKEN = "/api/v1/users/token"
REFRESH = "/api/v1/users/token/refresh"
ME = "/api/v1/users/me"
STRONG = "Sunny-Meadow-42!"


def register(api, **overrides):
    body = {
        "email": "grace@example.com",
        "password": STRONG,
        "confirm_password": STRONG,
        "first_name": "Grace",
        "last_name": "Hopper",
        **overrides,
    }
    return api.post(REGISTER, body, content_type="application/json")


def login(api, email="ada@example.com", password="a-Long-passw0rd!", **extra):
    return api.post(
        TOKEN, {"email": email, "password": password}, content_type="application/json", **extra
    )


@pytest.mark.django_db
def test_register_creates_the_player_and_returns_tokens(api):
    response = register(api)
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "grace@example.com"
    assert body["tokens"]["token_type"] == "bearer"
    assert body["tokens"]["expires_in"] == 900
    user = User.objects.get(email="grace@example.com")
    assert str(user.pk) == body["user"]["uuid"]
    assert user.check_password(STRONG)
    me = api.get(ME, HTTP_AUTHORIZATION=f"Bearer {body['tokens']['access_token']}")
    assert me.json()["first_name"] == "Grace"


@pytest.mark.django_db
def test_register_with_a_taken_email_is_a_conflict(api, player):
    response = register(api, email="ADA@example.com")
    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]
    assert User.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"confirm_password": "Other-Meadow-42!"}, "do not match"),
        ({"password": "123", "confirm_password": "123"}, "too short"),
        ({"password": "password123", "confirm_password": "password123"}, "too common"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_register_refuses_bad_input_and_creates_nothing(api, overrides, expected):
    response = register(api, **overrides)
    assert response.status_code == 422
    assert expected in str(response.json()["detail"])
    assert not User.objects.exists()


@pytest.mark.django_db
def test_login_returns_a_working_token_pair(api, player):
    response = login(api)
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    claims = jwt.decode(tokens["access_token"], settings.JWT_SIGNING_KEY, algorithms=["HS256"])
    assert claims["sub"] == str(player.pk)
    assert claims["type"] == "access"
    assert {"iat", "exp", "jti"} <= set(claims)
    assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "password"),
    [("ada@example.com", "wrong"), ("nobody@example.com", "a-Long-passw0rd!")],
)
def test_login_with_wrong_credentials_is_401(api, player, email, password):
    response = login(api, email=email, password=password)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid email or password."}


@pytest.mark.django_db
def test_login_of_a_deactivated_player_is_401(api, make_player):
    make_player(email="off@example.com", is_active=False)
    assert login(api, email="off@example.com").status_code == 401


@pytest.mark.django_db
@override_settings(RATE_LIMIT_LOGIN=3)
def test_login_is_rate_limited_per_email_with_retry_after(api, player):
    for _ in range(3):
        assert login(api, password="wrong").status_code == 401
    # Another address, same account: the per-email limit still holds.
    response = login(api, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "Too many attempts" in response.json()["detail"]


@pytest.mark.django_db
@override_settings(RATE_LIMIT_REGISTER=2)
def test_register_is_rate_limited_per_ip(api):
    assert register(api, email="a1@example.com").status_code == 201
    assert register(api, email="a2@example.com").status_code == 201
    response = register(api, email="a3@example.com")
    assert response.status_code == 429
    assert "Retry-After" in response
    assert not User.objects.filter(email="a3@example.com").exists()


@pytest.mark.django_db
@override_settings(JWT_REFRESH_GRACE_SECONDS=0)  # the retry window: test_tokens_hardening.py
def test_refresh_rotates_and_a_refresh_token_works_once(api, player):
    tokens = login(api).json()
    first = api.post(
        REFRESH, {"refresh_token": tokens["refresh_token"]}, content_type="application/json"
    )
    assert first.status_code == 200
    new = first.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    again = api.post(
        REFRESH, {"refresh_token": tokens["refresh_token"]}, content_type="application/json"
    )
    assert again.status_code == 401
    # Reuse means theft: every token of the player is dead, the rotated one included.
    assert (
        api.post(
            REFRESH, {"refresh_token": new["refresh_token"]}, content_type="application/json"
        ).status_code
        == 401
    )
    assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {new['access_token']}").status_code == 401


@pytest.mark.django_db
def test_access_token_is_refused_as_refresh_and_refresh_as_access(api, player):
    tokens = login(api).json()
    assert (
        api.post(
            REFRESH, {"refresh_token": tokens["access_token"]}, content_type="application/json"
        ).status_code
        == 401
    )
    assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {tokens['refresh_token']}").status_code == 401


def _forge(player, **changes):
    now = int(time.time())
    payload = {
        "sub": str(player.pk),
        "iat": now,
        "exp": now + 600,
        "jti": str(uuid.uuid4()),
        "type": "access",
        **changes,
    }
    return payload


@pytest.mark.django_db
def test_alg_none_token_is_401(api, player):
    token = jwt.encode(_forge(player), key=None, algorithm="none")
    response = api.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json()["detail"]


@pytest.mark.django_db
def test_token_signed_with_another_key_is_401(api, player):
    token = jwt.encode(_forge(player), "not-the-server-key-but-long-enough-32b", algorithm="HS256")
    assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


@pytest.mark.django_db
def test_expired_token_is_401(api, player):
    headers = bearer(player)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert api.get(ME, **headers).status_code == 401


@pytest.mark.django_db
def test_refresh_token_expires_after_seven_days(api, player):
    tokens = login(api).json()
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = api.post(
            REFRESH, {"refresh_token": tokens["refresh_token"]}, content_type="application/json"
        )
    assert response.status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer", "é" * 50])
def test_garbage_tokens_are_401(api, player, garbage):
    assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {garbage}").status_code == 401


@pytest.mark.django_db
def test_token_of_a_deactivated_player_is_401(api, player):
    headers = bearer(player)
    User.objects.filter(pk=player.pk).update(is_active=False)
    assert api.get(ME, **headers).status_code == 401


@pytest.mark.django_db
def test_token_of_a_deleted_player_is_401(api, player):
    headers = bearer(player)
    User.objects.filter(pk=player.pk).delete()
    assert api.get(ME, **headers).status_code == 401


@pytest.mark.django_db
def test_me_without_token_is_401(api):
    response = api.get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.django_db
def test_delete_me_erases_personal_data_keeps_ballots_and_kills_tokens(api, player):
    tokens = login(api).json()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
    ballot = baker.make(
        Ballot,
        player=player,
        numbers="1-2-3-4-5",
        created_at=timezone.now(),
        draw__game__slug="other",
        draw__close_at=timezone.now(),
    )
    assert api.delete(ME, **headers).status_code == 204
    player.refresh_from_db()
    assert player.email != "ada@example.com"
    assert (player.first_name, player.last_name) == ("", "")
    assert not player.is_active
    assert not player.has_usable_password()
    assert Ballot.objects.filter(pk=ballot.pk, player=player).exists()
    assert not RefreshToken.objects.filter(user=player).exists()
    assert api.get(ME, **headers).status_code == 401
    assert (
        api.post(
            REFRESH, {"refresh_token": tokens["refresh_token"]}, content_type="application/json"
        ).status_code
        == 401
    )
    assert login(api).status_code == 401
    # The address is free again for a new account.
    assert register(api, email="ada@example.com").status_code == 201
