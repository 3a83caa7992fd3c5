import hashlib
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from model_bakery import baker

from lottery.models import Ballot, Draw, DrawStatus, Game
from lottery.services.draws import draw_get_or_create
from tests.conftest import bearer, daily_game, postgres_only

LOTTERIES = "/api/v1/lotteries"
PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def play(api, auth, **body):
    body.setdefault("numbers", [7, 3, 21, 44, 9])
    return api.post(LOTTERIES, body, content_type="application/json", **auth)


@pytest.fixture
def paris_game(db):
    return baker.make(Game, slug="paris", name="Paris", time_zone="Europe/Paris")


def test_play_stores_sorted_numbers_for_today_and_commits_the_draw(api, auth, player, game):
    response = play(api, auth)
    assert response.status_code == 201
    body = response.json()
    assert body["numbers"] == [3, 7, 9, 21, 44]
    assert body["game"] == "daily"
    assert body["won"] is None
    ballot = Ballot.objects.get(uuid=body["uuid"])
    assert ballot.player == player
    assert ballot.numbers == "3-7-9-21-44"
    assert ballot.draw.status == DrawStatus.OPEN
    assert len(bytes(ballot.draw.seed)) == 32
    assert ballot.draw.commitment == hashlib.sha256(bytes(ballot.draw.seed)).hexdigest()


def test_play_without_token_is_401_and_stores_nothing(api, game):
    assert play(api, {}).status_code == 401
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(
    ("numbers", "message"),
    [
        ([1, 2, 3, 4], "exactly 5 numbers"),
        ([1, 2, 3, 4, 5, 6], "exactly 5 numbers"),
        ([1, 1, 2, 3, 4], "all be different"),
        ([0, 1, 2, 3, 4], "between 1 and 50"),
        ([1, 2, 3, 4, 51], "51 is out of range"),
        ([-5, 1, 2, 3, 4], "between 1 and 50"),
        ([10**30, 1, 2, 3, 4], "out of range"),
    ],
)
def test_bad_numbers_are_422_naming_the_rule(api, auth, game, numbers, message):
    response = play(api, auth, numbers=numbers)
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(
    "numbers", [["1", 2, 3, 4, 5], [1.5, 2, 3, 4, 5], [True, 2, 3, 4, 5], "1,2,3,4,5", None, {}]
)
def test_numbers_of_the_wrong_type_are_422(api, auth, game, numbers):
    response = play(api, auth, numbers=numbers)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert not Ballot.objects.exists()


def test_unknown_game_is_422(api, auth, game):
    response = play(api, auth, game="nope")
    assert response.status_code == 422
    assert "no active game 'nope'" in response.json()["detail"]


def test_past_date_is_refused(api, auth, game):
    yesterday = date.today() - timedelta(days=2)
    response = play(api, auth, game_date=yesterday.isoformat())
    assert response.status_code == 422
    assert "past days" in response.json()["detail"]


def test_future_date_within_the_horizon_is_accepted_and_beyond_is_refused(api, player, game):
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=ZoneInfo("UTC"))):
        auth = bearer(player)
        ok = play(api, auth, game_date="2026-03-31")
        late = play(api, auth, game_date="2026-04-01")
    assert ok.status_code == 201
    assert ok.json()["game_date"] == "2026-03-31"
    assert late.status_code == 422
    assert "at most 30 days ahead" in late.json()["detail"]
    assert Ballot.objects.count() == 1


def test_per_player_limit_per_draw(api, auth, player, game):
    Game.objects.filter(pk=game.pk).update(max_ballots_per_player=2)
    assert play(api, auth, numbers=[1, 2, 3, 4, 5]).status_code == 201
    assert play(api, auth, numbers=[1, 2, 3, 4, 6]).status_code == 201
    response = play(api, auth, numbers=[1, 2, 3, 4, 7])
    assert response.status_code == 422
    assert "at most 2 ballots" in response.json()["detail"]
    # The limit is per draw: tomorrow is fine.
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert play(api, auth, numbers=[1, 2, 3, 4, 7], game_date=tomorrow).status_code == 201
    assert Ballot.objects.filter(player=player).count() == 3


def test_cutoff_is_exact_in_the_game_time_zone(api, player, paris_game):
    last_moment = datetime(2026, 6, 10, 23, 59, 59, 999000, tzinfo=PARIS)
    with time_machine.travel(last_moment, tick=False):
        auth = bearer(player)
        before = play(api, auth, game="paris")
    with time_machine.travel(datetime(2026, 6, 11, 0, 0, 0, tzinfo=PARIS), tick=False):
        late_for_yesterday = play(api, auth, game="paris", game_date="2026-06-10")
        today = play(api, auth, game="paris")
    assert before.status_code == 201
    assert before.json()["game_date"] == "2026-06-10"
    assert late_for_yesterday.status_code == 422
    assert "closed" in late_for_yesterday.json()["detail"]
    assert today.status_code == 201
    assert today.json()["game_date"] == "2026-06-11"
    draw = Draw.objects.get(game=paris_game, date="2026-06-10")
    # Midnight in Paris (summer time) is 22:00 UTC.
    assert draw.close_at == datetime(2026, 6, 10, 22, tzinfo=ZoneInfo("UTC"))


def test_a_closed_draw_refuses_ballots_even_before_midnight(api, auth, game):
    draw = draw_get_or_create(game=game, day=date.today() + timedelta(days=1))
    Draw.objects.filter(pk=draw.pk).update(status=DrawStatus.VOID, void_reason="test")
    response = play(api, auth, game_date=draw.date.isoformat())
    assert response.status_code == 422
    assert "closed" in response.json()["detail"]


def test_list_shows_own_ballots_newest_first_paginated(api, auth, player, make_player, game):
    other = make_player(email="other@example.com")
    for n in range(25):
        play(api, auth, numbers=[1, 2, 3, 4, 10 + n])
    play(api, bearer(other))
    page1 = api.get(LOTTERIES, **auth).json()
    assert page1["count"] == 25
    assert len(page1["items"]) == 20
    assert page1["items"][0]["numbers"] == [1, 2, 3, 4, 34]
    page2 = api.get(f"{LOTTERIES}?page=2", **auth).json()
    assert [b["numbers"][-1] for b in page2["items"]] == [14, 13, 12, 11, 10]
    assert page2["count"] == 25
    exact = api.get(f"{LOTTERIES}?page_size=5&page=5", **auth).json()
    assert (len(exact["items"]), exact["count"]) == (5, 25)
    assert api.get(f"{LOTTERIES}?page=3", **auth).json() == {"items": [], "count": 25}


def test_list_filters_by_game_date_and_created_at(api, player, game):
    with time_machine.travel(datetime(2026, 5, 1, 10, tzinfo=ZoneInfo("UTC")), tick=False):
        auth = bearer(player)
        play(api, auth)
        play(api, auth, game_date="2026-05-03")
    with time_machine.travel(datetime(2026, 5, 2, 10, tzinfo=ZoneInfo("UTC")), tick=False):
        auth = bearer(player)
        play(api, auth)
        by_day = api.get(f"{LOTTERIES}?game_date=2026-05-03", **auth).json()
        since = api.get(f"{LOTTERIES}?from_date=2026-05-02T00:00:00Z", **auth).json()
        until = api.get(f"{LOTTERIES}?to_date=2026-05-01T23:00:00Z", **auth).json()
    assert [b["game_date"] for b in by_day["items"]] == ["2026-05-03"]
    assert [b["game_date"] for b in since["items"]] == ["2026-05-02"]
    assert until["count"] == 2


@pytest.mark.parametrize(
    "query", ["from_date=yesterday", "game_date=2026-13-01", "page=0", "page=-1", "page=abc"]
)
def test_bad_list_parameters_are_422(api, auth, game, query):
    response = api.get(f"{LOTTERIES}?{query}", **auth)
    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "query", ["from_date=1608-11-05T05:01:22-18:20", "to_date=9999-12-31T23:59:59-23:00"]
)
def test_extreme_time_offsets_are_normalised_not_a_server_error(api, auth, game, query):
    play(api, auth)
    response = api.get(f"{LOTTERIES}?{query}", **auth)
    if query.startswith("from_date"):  # 1608 in UTC: before every ballot
        assert response.status_code == 200
        assert response.json()["count"] == 1
    else:  # 9999-12-31T23:59:59-23:00 is past year 9999 in UTC: a clear 422
        assert response.status_code == 422
        assert response.json()["detail"]


def test_huge_page_number_is_empty_not_an_error(api, auth, game):
    play(api, auth)
    response = api.get(f"{LOTTERIES}?page=999999", **auth)
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 1}
    overflow = api.get(f"{LOTTERIES}?page=461168601842738792", **auth)
    assert overflow.status_code == 422
    assert "1000000" in str(overflow.json()["detail"])


def test_detail_is_the_owners_only(api, auth, make_player, game):
    uuid = play(api, auth).json()["uuid"]
    assert api.get(f"{LOTTERIES}/{uuid}", **auth).json()["uuid"] == uuid
    stranger = bearer(make_player(email="eve@example.com"))
    response = api.get(f"{LOTTERIES}/{uuid}", **stranger)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert api.get(f"{LOTTERIES}/not-a-uuid", **auth).status_code == 404


def test_games_lists_active_games_with_next_close(api, game, paris_game):
    Game.objects.filter(pk=paris_game.pk).update(is_active=True)
    baker.make(Game, slug="retired", name="Old", is_active=False)
    with time_machine.travel(datetime(2026, 1, 15, 23, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        body = api.get("/api/v1/games").json()
    by_slug = {g["slug"]: g for g in body}
    assert set(by_slug) == {"daily", "paris"}
    assert by_slug["daily"]["numbers_per_ballot"] == 5
    assert by_slug["daily"]["next_close_at"] == "2026-01-16T00:00:00Z"
    # 23:30 UTC is already 00:30 on the 16th in Paris: next close is the 16th's midnight.
    assert by_slug["paris"]["next_close_at"] == "2026-01-16T23:00:00Z"


def test_public_draw_before_close_shows_only_the_commitment(api, auth, game):
    body = play(api, auth).json()
    draw = api.get(f"/api/v1/draws/daily/{body['game_date']}").json()
    assert draw["status"] == "open"
    stored = Draw.objects.get(date=body["game_date"])
    assert draw["commitment"] == hashlib.sha256(bytes(stored.seed)).hexdigest()
    assert draw["seed"] is None and draw["merkle_root"] is None
    assert draw["winners"] == []
    leaves = api.get(f"/api/v1/draws/daily/{body['game_date']}/leaves")
    assert leaves.status_code == 409


def test_unknown_draw_is_404(api, game):
    assert api.get("/api/v1/draws/daily/2020-01-01").status_code == 404
    assert api.get("/api/v1/draws/daily/not-a-date").status_code == 422


def test_winning_ballots_is_empty_before_any_draw(api, auth, game):
    play(api, auth)
    assert api.get("/api/v1/winning_ballots").json() == {"items": [], "count": 0}


@postgres_only()
@pytest.mark.django_db(transaction=True)
def test_two_first_ballots_at_once_create_one_draw(make_player):
    game = daily_game()
    players = [make_player(email=f"p{i}@example.com") for i in range(8)]
    barrier = threading.Barrier(len(players))
    results = []

    def first_ballot(player):
        from django.test import Client

        headers = bearer(player)
        barrier.wait()
        results.append(
            play(
                Client(), headers, game_date=(date.today() + timedelta(days=3)).isoformat()
            ).status_code
        )
        connection.close()

    threads = [threading.Thread(target=first_ballot, args=(p,)) for p in players]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [201] * len(players)
    assert Draw.objects.filter(game=game).count() == 1
    assert Ballot.objects.count() == len(players)


def test_playing_costs_a_fixed_handful_of_queries_and_none_after_commit(
    api, auth, game, django_assert_num_queries
):
    play(api, auth)  # the draw exists from here on, as for every ballot but the first
    # PostgreSQL: one statement that locks player and draw, checks the token's account (active,
    # not erased, the token not revoked), that the draw is open, the game's rules and that the
    # player set no limit of their own, and inserts within the tally.
    # SQLite: the user; one statement that locks player and draw and reads the draw, the
    # game's rules and the player's own limits; the tally and the insert; the savepoint pair
    # of the atomic block (test-only: pytest-django wraps the test in a transaction). The
    # answer is built without going back to the database, so a connection lost after COMMIT
    # cannot turn a stored ballot into a 500.
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 6):
        assert play(api, auth, numbers=[4, 5, 6, 7, 8]).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_a_ballot_costs_one_statement_in_production_shape(make_player, django_assert_num_queries):
    """Outside a test transaction, as gunicorn runs it: on PostgreSQL the one statement that
    checks the account, locks, checks and inserts, in autocommit (no BEGIN/COMMIT round
    trips); on SQLite the user, BEGIN IMMEDIATE, the lock, the tally, the insert and COMMIT."""
    daily_game()
    client, headers = Client(), bearer(make_player(email="counted@example.com"))
    assert play(client, headers).status_code == 201
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 6):
        assert play(client, headers, numbers=[4, 5, 6, 7, 8]).status_code == 201


@pytest.mark.parametrize(
    ("change", "numbers", "status", "detail"),
    [
        ({"max_number": 60}, [1, 2, 3, 4, 55], 201, None),
        ({"max_number": 40}, [1, 2, 3, 4, 45], 422, "between 1 and 40"),
        ({"numbers_per_ballot": 6}, [1, 2, 3, 4, 5], 422, "exactly 6 numbers"),
        ({"max_ballots_per_player": 1}, [1, 2, 3, 4, 5], 422, "at most 1 ballots"),
        ({"is_active": False}, [1, 2, 3, 4, 5], 422, "no active game 'daily'"),
    ],
)
def test_a_rule_change_applies_to_the_very_next_ballot(
    api, auth, player, game, change, numbers, status, detail
):
    """The rules are read under the ballot's lock, so a change made in the admin (by another
    process) counts from the next ballot on, whatever this process saw before."""
    assert play(api, auth, numbers=[9, 10, 11, 12, 13]).status_code == 201
    Game.objects.filter(pk=game.pk).update(**change)
    response = play(api, auth, numbers=numbers)
    assert response.status_code == status, response.json()
    if detail:
        assert detail in response.json()["detail"]
    assert Ballot.objects.filter(player=player).count() == (2 if status == 201 else 1)


def test_a_time_zone_change_moves_today_for_the_next_ballot(api, player, game):
    Game.objects.filter(pk=game.pk).update(time_zone="UTC")
    # 23:30 UTC on 1 June is already 2 June in Tokyo.
    with time_machine.travel(datetime(2026, 6, 1, 23, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        auth = bearer(player)
        assert play(api, auth).json()["game_date"] == "2026-06-01"
        Game.objects.filter(pk=game.pk).update(time_zone="Asia/Tokyo")
        assert play(api, auth).json()["game_date"] == "2026-06-02"
