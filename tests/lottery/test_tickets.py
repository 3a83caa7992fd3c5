"""Quick picks, tickets of several lines, advance play and "did I win?" (issue 11)."""

import random
import secrets
import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import User
from core.errors import ServiceError
from lottery.models import Ballot, Draw, DrawStatus, Game
from lottery.services import ballots as ballot_services
from lottery.services.ballots import quick_pick, ticket_play
from lottery.services.draws import draw_get_or_create, draw_run
from tests.conftest import bearer, daily_game, postgres_only
from tests.helpers import make_ballots, race_the_close

LOTTERIES = "/api/v1/lotteries"
TICKETS = "/api/v1/tickets"
pytestmark = pytest.mark.django_db


def post(api, url, auth, body):
    return api.post(url, body, content_type="application/json", **auth)


def test_a_quick_pick_ballot_is_chosen_by_the_server_and_marked(api, auth, player, game):
    response = post(api, LOTTERIES, auth, {"quick_pick": True})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["quick_pick"] is True
    numbers = body["numbers"]
    assert len(set(numbers)) == 5 and numbers == sorted(numbers)
    assert all(1 <= n <= 50 for n in numbers)
    ballot = Ballot.objects.get(uuid=body["uuid"])
    assert ballot.quick_pick is True
    assert ballot.player == player
    assert ballot.numbers == "-".join(map(str, numbers))


def test_a_hand_picked_ballot_is_not_a_quick_pick(api, auth, game):
    body = post(api, LOTTERIES, auth, {"numbers": [5, 4, 3, 2, 1]}).json()
    assert body["quick_pick"] is False
    assert Ballot.objects.get(uuid=body["uuid"]).quick_pick is False


@pytest.mark.parametrize(
    "line",
    [
        {"numbers": [1, 2, 3, 4, 5], "quick_pick": True},
        {},
        {"quick_pick": False},
        {"quick_pick": "yes"},
        {"numbers": None, "quick_pick": False},
    ],
)
def test_a_line_needs_numbers_or_quick_pick_never_both(api, auth, game, line):
    single = post(api, LOTTERIES, auth, line)
    ticket = post(api, TICKETS, auth, {"lines": [{"numbers": [1, 2, 3, 4, 5]}, line]})
    for response in (single, ticket):
        assert response.status_code == 422
        assert response.json()["detail"]
    assert not Ballot.objects.exists()


def test_a_ticket_stores_every_line_as_its_own_ballot(api, auth, player, game):
    lines = [{"numbers": [1, 2, 3, 4, 5]}, {"quick_pick": True}, {"numbers": [50, 49, 48, 47, 46]}]
    response = post(api, TICKETS, auth, {"lines": lines})
    assert response.status_code == 201, response.content
    ballots = response.json()["ballots"]
    assert [b["quick_pick"] for b in ballots] == [False, True, False]
    assert ballots[0]["numbers"] == [1, 2, 3, 4, 5]
    assert ballots[2]["numbers"] == [46, 47, 48, 49, 50]
    assert len({b["uuid"] for b in ballots}) == 3
    stored = Ballot.objects.filter(player=player)
    assert {str(u) for u in stored.values_list("uuid", flat=True)} == {b["uuid"] for b in ballots}
    assert stored.values("draw").distinct().count() == 1


def test_the_same_line_twice_in_a_ticket_is_two_ballots(api, auth, game):
    line = {"numbers": [1, 2, 3, 4, 5]}
    response = post(api, TICKETS, auth, {"lines": [line, line]})
    assert response.status_code == 201
    assert Ballot.objects.filter(numbers="1-2-3-4-5").count() == 2


def test_one_bad_line_refuses_the_whole_ticket(api, auth, game):
    lines = [{"numbers": [1, 2, 3, 4, 5]}, {"quick_pick": True}, {"numbers": [1, 2, 3, 4, 99]}]
    response = post(api, TICKETS, auth, {"lines": lines})
    assert response.status_code == 422
    assert "99 is out of range" in response.json()["detail"]
    assert not Ballot.objects.exists()


def test_a_ticket_over_the_per_draw_limit_stores_nothing(api, auth, player, game):
    Game.objects.filter(pk=game.pk).update(max_ballots_per_player=4)
    assert post(api, TICKETS, auth, {"lines": [{"quick_pick": True}] * 2}).status_code == 201
    response = post(api, TICKETS, auth, {"lines": [{"quick_pick": True}] * 3})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        f"A player may play at most 4 ballots in one draw; you have played 2 for "
        f"{Draw.objects.get().date}; this ticket adds 3."
    )
    assert Ballot.objects.filter(player=player).count() == 2
    # Exactly up to the limit is fine.
    assert post(api, TICKETS, auth, {"lines": [{"quick_pick": True}] * 2}).status_code == 201
    assert Ballot.objects.filter(player=player).count() == 4


def test_more_lines_than_the_limit_is_refused_before_anything(api, auth, game):
    Game.objects.filter(pk=game.pk).update(max_ballots_per_player=3)
    response = post(api, TICKETS, auth, {"lines": [{"quick_pick": True}] * 4})
    assert response.status_code == 422
    assert "1 to 3 lines" in response.json()["detail"]
    assert not Draw.objects.exists() and not Ballot.objects.exists()


@pytest.mark.parametrize("body", [{"lines": []}, {"lines": [{"quick_pick": True}] * 101}])
def test_an_empty_or_huge_ticket_is_422(api, auth, game, body):
    assert post(api, TICKETS, auth, body).status_code == 422
    assert not Ballot.objects.exists()


def game_today(game):
    return game.today_for(timezone.now())


def test_advance_play_stores_the_lines_in_consecutive_draws(api, auth, player, game):
    first = game_today(game) + timedelta(days=1)
    lines = [{"numbers": [1, 2, 3, 4, 5]}, {"quick_pick": True}]
    body = {"lines": lines, "draws": 3, "game_date": first.isoformat()}
    response = post(api, TICKETS, auth, body)
    assert response.status_code == 201, response.content
    ballots = response.json()["ballots"]
    days = [(first + timedelta(days=i)).isoformat() for i in range(3)]
    assert [b["game_date"] for b in ballots] == [day for day in days for _ in range(2)]
    quick = [b["numbers"] for b in ballots if b["quick_pick"]]
    assert len(quick) == 3 and quick[0] == quick[1] == quick[2]  # the same line, each draw
    stored = Draw.objects.filter(game=game).order_by("date").values_list("date", flat=True)
    assert [d.isoformat() for d in stored] == days
    for draw in Draw.objects.all():
        assert Ballot.objects.filter(draw=draw, player=player).count() == 2


def test_advance_play_into_a_draw_not_created_yet_stores_each_line_once(api, auth, player, game):
    """Today's draw exists, tomorrow's does not: the lines already in today's draw are not
    played a second time when the ticket is judged again to create tomorrow's."""
    today = game_today(game)
    assert post(api, LOTTERIES, auth, {"numbers": [9, 10, 11, 12, 13]}).status_code == 201
    assert not Draw.objects.filter(game=game, date=today + timedelta(days=1)).exists()
    body = {"lines": [{"numbers": [1, 2, 3, 4, 5]}, {"quick_pick": True}], "draws": 2}
    response = post(api, TICKETS, auth, body)
    assert response.status_code == 201, response.content
    assert len(response.json()["ballots"]) == 4
    counts = {
        d.date: Ballot.objects.filter(draw=d, player=player).count()
        for d in Draw.objects.filter(game=game)
    }
    assert counts == {today: 3, today + timedelta(days=1): 2}


def test_advance_play_beyond_the_horizon_stores_nothing(api, auth, game):
    Game.objects.filter(pk=game.pk).update(horizon_days=5)
    today = game_today(game)
    # Today and the 5 days after it: 6 draws fit, the 7th does not.
    body = {"lines": [{"quick_pick": True}], "draws": 6}
    assert post(api, TICKETS, auth, body).status_code == 201
    Ballot.objects.all().delete()
    body = {"lines": [{"quick_pick": True}], "draws": 3, "game_date": str(today + timedelta(4))}
    response = post(api, TICKETS, auth, body)
    assert response.status_code == 422
    assert response.json()["detail"] == (
        f"Ballots may be played at most 5 days ahead (until {today + timedelta(5)}); this "
        f"ticket's last draw would be {today + timedelta(6)}."
    )
    response = post(api, TICKETS, auth, {"lines": [{"quick_pick": True}], "draws": 7})
    assert response.status_code == 422
    assert "1 to 6 draws" in response.json()["detail"]
    assert not Ballot.objects.exists()


def test_advance_play_over_the_limit_in_a_later_draw_stores_nothing(api, auth, player, game):
    Game.objects.filter(pk=game.pk).update(max_ballots_per_player=2)
    later = game_today(game) + timedelta(days=2)
    body = {"quick_pick": True, "game_date": later.isoformat()}
    assert post(api, LOTTERIES, auth, body).status_code == 201
    response = post(api, TICKETS, auth, {"lines": [{"quick_pick": True}] * 2, "draws": 3})
    assert response.status_code == 422
    assert f"you have played 1 for {later}" in response.json()["detail"]
    # Today's and tomorrow's lines went in before the refusal: they are gone with it.
    assert Ballot.objects.filter(player=player).count() == 1
    assert Ballot.objects.get().draw.date == later


def test_advance_play_into_a_closed_draw_stores_nothing(api, auth, player, game):
    tomorrow = game_today(game) + timedelta(days=1)
    draw = draw_get_or_create(game=game, day=tomorrow)
    Draw.objects.filter(pk=draw.pk).update(status=DrawStatus.CLOSED)
    response = post(api, TICKETS, auth, {"lines": [{"quick_pick": True}], "draws": 3})
    assert response.status_code == 422
    assert f"The draw of {tomorrow} is closed" in response.json()["detail"]
    assert not Ballot.objects.exists()


def test_a_past_first_draw_refuses_the_ticket(api, auth, game):
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    response = post(api, TICKETS, auth, {"lines": [{"quick_pick": True}], "game_date": yesterday})
    assert response.status_code == 422
    assert "past days are refused" in response.json()["detail"]


def test_a_ticket_needs_a_token(api, game):
    assert post(api, TICKETS, {}, {"lines": [{"quick_pick": True}]}).status_code == 401
    assert not Ballot.objects.exists()


def test_a_ticket_for_another_game_plays_that_game(api, auth, game):
    other = Game.objects.create(slug="euro", name="Euro", numbers_per_ballot=6, max_number=60)
    response = post(api, TICKETS, auth, {"lines": [{"quick_pick": True}], "game": "euro"})
    assert response.status_code == 201
    (ballot,) = response.json()["ballots"]
    assert ballot["game"] == "euro" and len(ballot["numbers"]) == 6
    assert max(ballot["numbers"]) <= 60
    assert Ballot.objects.get().draw.game == other


# --- "Did I win?" -------------------------------------------------------------------------


def test_won_filter_and_one_draws_results(api, auth, player, make_player, game):
    day = date.today() - timedelta(days=3)
    draw = draw_get_or_create(game=game, day=day)
    mine = make_ballots(draw, 4, players=[player])
    make_ballots(draw, 1, players=[make_player(email="rival@example.com")])
    Game.objects.filter(pk=game.pk).update(winners_per_draw=2)
    draw_run(draw_id=draw.pk)
    from lottery.selectors.ballots import winning_picks

    winners = set(winning_picks().filter(draw=draw).values_list("ballot__uuid", flat=True))
    mine_won = {str(b.uuid) for b in mine if b.uuid in winners}
    mine_lost = {str(b.uuid) for b in mine} - mine_won
    post(api, LOTTERIES, auth, {"quick_pick": True})  # today's: not drawn, neither list

    won = api.get(LOTTERIES, {"won": "true"}, **auth).json()
    lost = api.get(LOTTERIES, {"won": "false"}, **auth).json()
    assert {b["uuid"] for b in won["items"]} == mine_won
    assert all(b["won"] is True for b in won["items"])
    assert {b["uuid"] for b in lost["items"]} == mine_lost
    assert all(b["won"] is False for b in lost["items"])

    one_draw = api.get(LOTTERIES, {"game": "daily", "game_date": day.isoformat()}, **auth).json()
    assert one_draw["count"] == 4
    assert {b["uuid"]: b["won"] for b in one_draw["items"]} == {
        **{u: True for u in mine_won},
        **{u: False for u in mine_lost},
    }
    assert api.get(LOTTERIES, {"won": "maybe"}, **auth).status_code == 422
    assert api.get(LOTTERIES, {"game": "nope"}, **auth).json()["count"] == 0


# --- Uniformity of quick picks ---------------------------------------------------------------


def _chi_square(counts: Counter, values: range, total: int) -> float:
    expected = total / len(values)
    return sum((counts[v] - expected) ** 2 / expected for v in values)


# 49 degrees of freedom (50 numbers), alpha = 0.001: the critical value of chi-square.
CHI2_49_ALPHA_0001 = 85.35


def test_quick_picks_are_uniform_over_the_range(game):
    rng = random.Random(20261203)  # the test's seed only; production uses secrets
    picks = [quick_pick(game, rng) for _ in range(20_000)]
    assert all(len(set(p)) == 5 and p == sorted(p) for p in picks)
    counts = Counter(n for p in picks for n in p)
    assert set(counts) == set(range(1, 51))
    assert _chi_square(counts, range(1, 51), 100_000) < CHI2_49_ALPHA_0001


def test_the_uniformity_test_notices_a_biased_generator(game):
    class NeverFifty(random.Random):
        def sample(self, population, k):
            return super().sample([n for n in population if n != 50], k)

    counts = Counter(n for _ in range(20_000) for n in quick_pick(game, NeverFifty(1)))
    assert _chi_square(counts, range(1, 51), 100_000) > CHI2_49_ALPHA_0001


def test_production_quick_picks_come_from_the_os_csprng(api, auth, game, monkeypatch):
    assert isinstance(ballot_services._CSPRNG, secrets.SystemRandom)
    picked = []

    class Spy(secrets.SystemRandom):
        def sample(self, population, k):
            picked.append(super().sample(population, k))
            return picked[-1]

    monkeypatch.setattr(ballot_services, "_CSPRNG", Spy())
    body = post(api, LOTTERIES, auth, {"quick_pick": True}).json()
    # (Drawn again if the first try was judged by stale game rules: the last one counts.)
    assert body["numbers"] == sorted(picked[-1])
    assert Ballot.objects.get().numbers == "-".join(map(str, sorted(picked[-1])))


def test_the_service_takes_an_injected_generator(player, game):
    draw_get_or_create(game=game, day=game_today(game))  # one try: the same draw of numbers
    (ballot,) = ticket_play(player=player, lines=[None], rng=random.Random(7))
    assert ballot.quick_pick
    assert ballot.numbers == "-".join(map(str, quick_pick(game, random.Random(7))))


# --- Concurrency (PostgreSQL) ------------------------------------------------------------------


@postgres_only()
@pytest.mark.django_db(transaction=True)
def test_sixteen_clients_sending_tickets_at_the_limit_never_exceed_it(make_player):
    game = daily_game()
    Game.objects.filter(pk=game.pk).update(max_ballots_per_player=10)
    player = make_player(email="eager@example.com")
    headers = bearer(player)
    day = (date.today() + timedelta(days=2)).isoformat()
    barrier = threading.Barrier(16)
    statuses: list[int] = []

    def send():
        client = Client()
        barrier.wait()
        lines = [{"quick_pick": True}] * 3
        response = post(client, TICKETS, headers, {"lines": lines, "game_date": day})
        statuses.append(response.status_code)
        if response.status_code == 422:
            assert "at most 10 ballots" in response.json()["detail"]
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] * 3 + [422] * 13
    assert Ballot.objects.filter(player=player).count() == 9


@postgres_only()
@pytest.mark.django_db(transaction=True)
def test_tickets_racing_the_close_are_all_in_or_all_out(make_player):
    day = date.today() + timedelta(days=5)
    game = daily_game()
    Game.objects.filter(pk=game.pk).update(max_ballots_per_player=100_000)
    draw = draw_get_or_create(game=game, day=day)
    players = [make_player(email=f"ticket{i}@example.com") for i in range(6)]
    accepted: list[list[dict]] = []
    refused: list[str] = []

    def attempt(client, headers):
        # Three lines in the closing draw and the next one.
        body = {"lines": [{"quick_pick": True}] * 3, "game_date": day.isoformat(), "draws": 2}
        response = post(client, TICKETS, headers, body)
        if response.status_code == 201:
            accepted.append(response.json()["ballots"])
        else:
            assert response.status_code == 422, response.content
            refused.append(response.json()["detail"])

    race_the_close(draw=draw, players=players, attempt=attempt)
    assert draw.status == DrawStatus.DRAWN
    assert accepted and refused, "the race must have had tickets on both sides of midnight"
    assert all(f"The draw of {day} is closed" in detail for detail in refused)
    assert all(len(ballots) == 6 for ballots in accepted)
    in_draw = {str(u) for u in Ballot.objects.filter(draw=draw).values_list("uuid", flat=True)}
    answered = {b["uuid"] for ballots in accepted for b in ballots if b["game_date"] == str(day)}
    assert answered == in_draw
    assert draw.ballots_count == 3 * len(accepted)
    # The refused tickets left nothing in the next day's draw either.
    next_day = Ballot.objects.filter(draw__game=game, draw__date=day + timedelta(days=1))
    assert next_day.count() == 3 * len(accepted)


def test_a_player_deleted_meanwhile_cannot_play(player, game):
    """The play lock reads the player's row: a token of a deleted account plays nothing."""
    in_hand = User.objects.get(pk=player.pk)
    User.objects.filter(pk=player.pk).delete()
    with pytest.raises(ServiceError, match="cannot play") as refused:
        ticket_play(player=in_hand, lines=[[1, 2, 3, 4, 5]])
    assert refused.value.status == 401
    assert not Ballot.objects.exists()
