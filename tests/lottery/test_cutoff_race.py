"""Ballots racing the close: none is accepted for a closed draw, none accepted is left out."""

import threading
import time
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from lottery.models import Ballot, Draw, DrawStatus, Game
from lottery.services.draws import draw_get_or_create, draw_run
from tests.conftest import bearer, daily_game, postgres_only


@postgres_only()
@pytest.mark.django_db(transaction=True)
def test_ballots_in_the_last_second_are_either_in_the_draw_or_refused(make_player):
    day = date.today() + timedelta(days=5)
    game = daily_game()
    # No per-player limit in the way: the players must still be playing after midnight.
    Game.objects.filter(pk=game.pk).update(max_ballots_per_player=100_000)
    draw = draw_get_or_create(game=game, day=day)
    # Bring this draw's midnight to one second from now; everything else is real.
    close_at = timezone.now() + timedelta(seconds=1)
    Draw.objects.filter(pk=draw.pk).update(close_at=close_at)
    players = [make_player(email=f"racer{i}@example.com") for i in range(6)]
    accepted: list[str] = []
    refused: list[str] = []
    stop = time.monotonic() + 2.5

    def player_loop(player):
        client, headers, n = Client(), bearer(player), 0
        while time.monotonic() < stop:
            n += 1
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
        connection.close()

    def closer():
        while timezone.now() < close_at:
            time.sleep(0.005)
        draw_run(draw_id=draw.pk)
        connection.close()

    threads = [threading.Thread(target=player_loop, args=(p,)) for p in players]
    threads.append(threading.Thread(target=closer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN
    assert accepted and refused, "the race must have had ballots on both sides of midnight"
    assert all("closed" in detail for detail in refused)
    in_draw = {str(u) for u in Ballot.objects.filter(draw=draw).values_list("uuid", flat=True)}
    assert set(accepted) == in_draw
    assert draw.ballots_count == len(accepted)
    assert all(
        created < close_at
        for created in Ballot.objects.filter(draw=draw).values_list("created_at", flat=True)
    )
