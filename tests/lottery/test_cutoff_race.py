"""Ballots racing the close: none is accepted for a closed draw, none accepted is left out."""

import itertools
from datetime import date, timedelta

import pytest

from lottery.models import Ballot, DrawStatus, Game
from lottery.services.draws import draw_get_or_create
from tests.conftest import daily_game, postgres_only
from tests.helpers import race_the_close


@postgres_only()
@pytest.mark.django_db(transaction=True)
def test_ballots_in_the_last_second_are_either_in_the_draw_or_refused(make_player):
    day = date.today() + timedelta(days=5)
    game = daily_game()
    # No per-player limit in the way: the players must still be playing after midnight.
    Game.objects.filter(pk=game.pk).update(max_ballots_per_player=100_000)
    draw = draw_get_or_create(game=game, day=day)
    players = [make_player(email=f"racer{i}@example.com") for i in range(6)]
    accepted: list[str] = []
    refused: list[str] = []
    played = itertools.count(1)

    def attempt(client, headers):
        n = next(played)
        numbers = [1, 2, 3, 4 + n % 40, 45 + n % 5]  # always five distinct numbers
        response = client.post(
            "/api/v1/lotteries",
            {"numbers": numbers, "game_date": day.isoformat()},
            content_type="application/json",
            **headers,
        )
        if response.status_code == 201:
            accepted.append(response.json()["uuid"])
        else:
            assert response.status_code == 422, response.content
            refused.append(response.json()["detail"])

    race_the_close(draw=draw, players=players, attempt=attempt)

    assert draw.status == DrawStatus.DRAWN
    assert accepted and refused, "the race must have had ballots on both sides of midnight"
    assert all("closed" in detail for detail in refused)
    in_draw = {str(u) for u in Ballot.objects.filter(draw=draw).values_list("uuid", flat=True)}
    assert set(accepted) == in_draw
    assert draw.ballots_count == len(accepted)
    assert all(
        created < draw.close_at
        for created in Ballot.objects.filter(draw=draw).values_list("created_at", flat=True)
    )
