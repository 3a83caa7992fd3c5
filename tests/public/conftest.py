"""Draws in every public status, made through the services as production makes them."""

from datetime import date, timedelta

import pytest
from model_bakery import baker

from accounts.models import User
from lottery.models import Draw, Game
from lottery.services.draws import draw_close, draw_get_or_create, draw_run, draw_void
from tests.conftest import daily_game

DAY = date(2026, 3, 10)


def draw_with_ballots(game: Game, day: date, ballots: int, players: list[User]) -> Draw:
    draw = draw_get_or_create(game=game, day=day)
    for i in range(ballots):
        baker.make_recipe("lottery.ballot", draw=draw, player=players[i % len(players)])
    return draw


@pytest.fixture
def players(db: None) -> list[User]:
    names = [("Grace", "Hopper"), ("Alan", "Turing"), ("Ada", "Lovelace")]
    return [baker.make(User, first_name=f, last_name=last) for f, last in names]


@pytest.fixture
def statuses(players: list[User]) -> dict[str, Draw]:
    """One draw per status on consecutive days of the daily game, plus a second game."""
    game = daily_game()
    staff = baker.make(User, is_staff=True)
    drawn = draw_run(draw_id=draw_with_ballots(game, DAY, 12, players).pk)
    empty = draw_run(draw_id=draw_with_ballots(game, DAY + timedelta(1), 0, players).pk)
    closed = draw_with_ballots(game, DAY + timedelta(2), 3, players)
    closed = draw_close(draw_id=closed.pk)
    void = draw_with_ballots(game, DAY + timedelta(3), 2, players)
    void = draw_void(draw_id=void.pk, actor=staff, reason="Power cut at the office.")
    open_ = draw_with_ballots(game, DAY + timedelta(4), 1, players)
    weekly = baker.make(Game, slug="weekly", name="Weekly lottery")
    other = draw_get_or_create(game=weekly, day=DAY)
    return {
        "drawn": drawn,
        "no_entries": empty,
        "closed": closed,
        "void": void,
        "open": open_,
        "weekly": other,
    }
