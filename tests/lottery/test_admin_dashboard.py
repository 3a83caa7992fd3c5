"""The dashboard: today per game, what needs attention, the last draws, the 30-day chart."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from model_bakery import baker

from accounts.models import User
from lottery import dashboard, services
from lottery.models import PickKind
from tests.lottery.conftest_admin import *  # noqa: F403  (the fixtures)
from tests.lottery.conftest_admin import admin_url, make_ballots

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 4, 10, 21, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_today_counts_ballots_and_distinct_players_and_the_time_to_close(game, make_draw):
    ada, bob = baker.make(User, _quantity=2)
    draw = make_draw(day=NOW.date(), ballots=0, drawn=False)
    make_ballots(draw, 5, players=[ada, bob])

    (today,) = dashboard.games_today(now=NOW)

    assert (today.game, today.day, today.ballots, today.players) == (game, NOW.date(), 5, 2)
    assert today.closes_in == "2 h 30 min"


def test_a_game_with_no_ballot_today_shows_zero(game):
    (today,) = dashboard.games_today(now=NOW)
    assert (today.draw, today.ballots, today.players) == (None, 0, 0)


def test_attention_lists_overdue_draws_pending_redraws_and_empty_draws(operator, make_draw):
    overdue = make_draw(day=NOW.date() - timedelta(days=1), drawn=False)
    empty = make_draw(day=NOW.date() - timedelta(days=2), ballots=0)
    drawn = make_draw(day=NOW.date() - timedelta(days=3))
    winner = drawn.picks.get(kind=PickKind.WINNER)
    request = services.redraw_request(pick_id=winner.pk, actor=operator, reason="check")

    found = dashboard.attention(now=NOW, today=NOW.date())

    assert found.overdue == [overdue]
    assert found.redraws == [request]
    assert found.no_entries == [empty]
    assert found.count == 3


def test_the_chart_has_thirty_days_of_ballots_closed_and_open(make_draw):
    make_draw(day=NOW.date() - timedelta(days=29), ballots=4)
    make_draw(day=NOW.date() - timedelta(days=30), ballots=7)  # outside the window
    make_draw(day=NOW.date(), ballots=3, drawn=False)

    chart = dashboard.ballots_per_day(today=NOW.date())

    assert len(chart["labels"]) == 30
    (series,) = chart["datasets"]
    assert series["data"][0] == 4
    assert series["data"][-1] == 3
    assert sum(series["data"]) == 7


def test_the_last_draws_carry_their_winners(make_draw):
    for back in range(1, 10):
        make_draw(day=NOW.date() - timedelta(days=back), ballots=2)

    recent = dashboard.draws_recent()

    assert [d.date for d in recent] == [NOW.date() - timedelta(days=b) for b in range(1, 8)]
    assert all(len(d.winning) == 1 for d in recent)


def test_the_dashboard_page_renders_every_part(auditor, operator, make_draw, login):
    drawn = make_draw(day=NOW.date() - timedelta(days=1))
    winner = drawn.picks.get(kind=PickKind.WINNER)
    request = services.redraw_request(pick_id=winner.pk, actor=operator, reason="check")
    make_draw(day=NOW.date(), ballots=3, drawn=False)

    response = login(auditor).get(admin_url("index"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="ballots-today">3<' in page
    assert admin_url("lottery_redrawrequest_change", request.pk) in page
    assert winner.ballot.numbers in page
    chart = json.loads(response.context["chart"])
    assert chart["datasets"][0]["data"][-2:] == [5, 3]
