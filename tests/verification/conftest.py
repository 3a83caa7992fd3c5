"""Closed and drawn draws of a chosen size, owned by one player."""

from datetime import UTC, date, datetime, timedelta

from model_bakery import baker

from lottery.models import Ballot, Draw
from lottery.services.draws import draw_close, draw_get_or_create, draw_run
from tests.conftest import daily_game

PAST = date(2026, 1, 10)


def draw_with_ballots(n: int, *, day: date = PAST, draw_it: bool = True) -> tuple[Draw, list]:
    """A past draw of ``n`` ballots of one player, closed (and drawn); every third ballot
    shares its play instant with the one before, so the uuid decides their serials."""
    draw = draw_get_or_create(game=daily_game(), day=day)
    player = baker.make("accounts.User")
    start = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
    ballots = [
        baker.make_recipe(
            "lottery.ballot",
            draw=draw,
            player=player,
            created_at=start + timedelta(microseconds=i - (i % 3 == 2)),
        )
        for i in range(n)
    ]
    done = draw_run if draw_it else draw_close
    return done(draw_id=draw.pk), ballots


def serial_order(draw: Draw) -> list[Ballot]:
    return list(Ballot.objects.filter(draw=draw).order_by("created_at", "uuid"))
