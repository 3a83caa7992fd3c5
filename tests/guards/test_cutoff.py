"""The close instant itself, on every database: a ballot a microsecond before is in,
one at the close is refused, by the close rule and not by the past-day rule."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from lottery.models import Ballot, Draw
from lottery.services.draws import draw_get_or_create
from tests.conftest import bearer

pytestmark = pytest.mark.django_db
DAY = date(2026, 6, 10)


def play(api, auth):
    body = {"numbers": [7, 3, 21, 44, 9], "game_date": DAY.isoformat()}
    return api.post("/api/v1/lotteries", body, content_type="application/json", **auth)


@pytest.fixture
def early_close(game):
    """The draw of DAY closing at noon UTC that day: still DAY in the game's time zone."""
    draw = draw_get_or_create(game=game, day=DAY)
    close_at = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    Draw.objects.filter(pk=draw.pk).update(close_at=close_at)
    return close_at


def test_a_ballot_a_microsecond_before_the_close_is_accepted(api, player, early_close):
    with time_machine.travel(early_close - timedelta(microseconds=1), tick=False):
        response = play(api, bearer(player))
    assert response.status_code == 201
    assert Ballot.objects.get().created_at == early_close - timedelta(microseconds=1)


@pytest.mark.parametrize("after", [timedelta(0), timedelta(minutes=30)])
def test_a_ballot_at_or_after_the_close_is_refused_by_the_close_rule(
    api, player, early_close, after
):
    with time_machine.travel(early_close + after, tick=False):
        response = play(api, bearer(player))
    assert response.status_code == 422
    assert response.json() == {"detail": f"The draw of {DAY} is closed: it closed at 12:00 UTC."}
    assert not Ballot.objects.exists()
