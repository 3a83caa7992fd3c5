"""Playing and the own list read the token's account in their own statement
(JWTAuth(deferred=True)): an account that may no longer sign in is refused with the very 401
every other route gives, whether the one-statement play (PostgreSQL, the game already seen by
this process) or the long way (SQLite, a first ballot, a refusal) judges it, and nothing is
stored; its list is not shown, filtered or not."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.services import user_erase
from lottery.models import Ballot, BallotTally
from tests.conftest import bearer

pytestmark = pytest.mark.django_db

ROUTES = {
    "/api/v1/lotteries": {"numbers": [1, 2, 3, 4, 5]},
    "/api/v1/tickets": {"lines": [{"numbers": [1, 2, 3, 4, 5]}, {"quick_pick": True}]},
}


def _revoke(player):
    player.tokens_revoked_at = timezone.now()
    player.save(update_fields=["tokens_revoked_at"])


def _deactivate(player):
    player.is_active = False
    player.save(update_fields=["is_active"])


def _delete(player):
    player.delete()


CHANGES = {
    "revoked": _revoke,
    "deactivated": _deactivate,
    "erased": lambda player: user_erase(user=player),
    "deleted": _delete,
}


@pytest.fixture
def game_seen(api, make_player, game):
    """Another player's ballot: the draw exists and this process has the game's rules."""
    other = make_player(email="other@example.com")
    post = api.post(
        "/api/v1/lotteries", ROUTES["/api/v1/lotteries"], content_type="application/json"
    )
    assert post.status_code == 401  # no token at all
    response = Client().post(
        "/api/v1/lotteries",
        {"numbers": [9, 8, 7, 6, 5]},
        content_type="application/json",
        **bearer(other),
    )
    assert response.status_code == 201
    return game


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("change", CHANGES)
def test_a_token_that_no_longer_speaks_for_a_player_is_401_and_stores_nothing(
    api, player, game_seen, route, change
):
    headers = bearer(player)  # issued before the change, as a stolen or stale token would be
    before = Ballot.objects.count(), list(BallotTally.objects.values_list("ballots", flat=True))
    CHANGES[change](player)
    response = api.post(route, ROUTES[route], content_type="application/json", **headers)
    assert response.status_code == 401, response.content
    assert response.json() == {"detail": "Missing, invalid or expired access token."}
    assert response["WWW-Authenticate"] == "Bearer"
    after = Ballot.objects.count(), list(BallotTally.objects.values_list("ballots", flat=True))
    assert after == before


@pytest.mark.parametrize("route", ROUTES)
def test_a_revoked_token_is_401_before_any_rule_of_the_game(api, player, game_seen, route):
    """A rule refusal (numbers out of range, a past day) would say more than a 401: the
    account is judged first, as it was when the route read it before the view."""
    headers = bearer(player)
    _revoke(player)
    body = dict(ROUTES[route], game_date=str(timezone.localdate() - timedelta(days=1)))
    response = api.post(route, body, content_type="application/json", **headers)
    assert response.status_code == 401, response.content


def test_a_token_issued_after_the_revocation_plays(api, player, game_seen):
    _revoke(player)
    response = api.post(
        "/api/v1/lotteries",
        ROUTES["/api/v1/lotteries"],
        content_type="application/json",
        **bearer(player),
    )
    assert response.status_code == 201, response.content
    assert Ballot.objects.filter(player=player).count() == 1


@pytest.mark.parametrize("route", ROUTES)
def test_a_forged_or_missing_token_is_401_without_a_query(
    api, player, game_seen, route, django_assert_num_queries
):
    with django_assert_num_queries(0):
        forged = api.post(
            route, ROUTES[route], content_type="application/json", HTTP_AUTHORIZATION="Bearer x.y"
        )
        missing = api.post(route, ROUTES[route], content_type="application/json")
    assert forged.status_code == missing.status_code == 401


def test_the_play_statement_reads_the_account_itself(api, player, game_seen):
    """On PostgreSQL, no statement of its own for the account: the play's reads it."""
    from django.test.utils import CaptureQueriesContext

    headers = bearer(player)
    with CaptureQueriesContext(connection) as queries:
        response = api.post(
            "/api/v1/lotteries",
            ROUTES["/api/v1/lotteries"],
            content_type="application/json",
            **headers,
        )
    assert response.status_code == 201
    statements = [q["sql"] for q in queries.captured_queries]
    if connection.vendor == "postgresql":
        assert len(statements) == 1
        assert "tokens_revoked_at" in statements[0]
    else:  # the long way: the account read first, as JWTAuth reads it
        assert "tokens_revoked_at" in statements[0]


@pytest.mark.parametrize("query", ["", "?page=3", "?game=daily", "?won=false"])
@pytest.mark.parametrize("change", [c for c in CHANGES if c != "deleted"])  # ballots PROTECT it
def test_the_own_list_of_a_token_that_no_longer_speaks_for_a_player_is_401(
    api, player, game_seen, change, query
):
    headers = bearer(player)
    played = api.post(
        "/api/v1/lotteries",
        ROUTES["/api/v1/lotteries"],
        content_type="application/json",
        **headers,
    )
    assert played.status_code == 201
    assert api.get(f"/api/v1/lotteries{query}", **headers).status_code == 200
    CHANGES[change](player)
    response = api.get(f"/api/v1/lotteries{query}", **headers)
    assert response.status_code == 401, response.content
    assert response.json() == {"detail": "Missing, invalid or expired access token."}
    assert response["WWW-Authenticate"] == "Bearer"
