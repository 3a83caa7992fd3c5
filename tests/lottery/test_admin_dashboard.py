"""The dashboard: today per game, what needs attention, the last draws, the 30-day chart."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from model_bakery import baker

from accounts.models import User
from lottery import dashboard
from lottery.models import PickKind
from lottery.selectors import dashboard as selectors_dashboard
from lottery.services.redraws import redraw_request
from tests.helpers import admin_url, make_ballots

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

    (today,) = selectors_dashboard.games_today(now=NOW)

    assert (today.game, today.day, today.ballots, today.players) == (game, NOW.date(), 5, 2)
    assert today.closes_in == "2 h 30 min"


def test_a_game_with_no_ballot_today_shows_zero(game):
    (today,) = selectors_dashboard.games_today(now=NOW)
    assert (today.draw, today.ballots, today.players) == (None, 0, 0)


def test_attention_lists_overdue_draws_pending_redraws_and_empty_draws(operator, make_draw):
    overdue = make_draw(day=NOW.date() - timedelta(days=1), drawn=False)
    empty = make_draw(day=NOW.date() - timedelta(days=2), ballots=0)
    drawn = make_draw(day=NOW.date() - timedelta(days=3))
    winner = drawn.picks.get(kind=PickKind.WINNER)
    request = redraw_request(pick_id=winner.pk, actor=operator, reason="check")

    found = selectors_dashboard.attention(now=NOW, today=NOW.date())

    assert found.overdue == [overdue]
    assert found.redraws == [request]
    assert found.no_entries == [empty]
    assert found.count == 3


def test_the_chart_has_thirty_days_and_the_coming_week_closed_and_open(make_draw):
    make_draw(day=NOW.date() - timedelta(days=29), ballots=4)
    make_draw(day=NOW.date() - timedelta(days=30), ballots=7)  # outside the window
    make_draw(day=NOW.date(), ballots=3, drawn=False)
    make_draw(day=NOW.date() + timedelta(days=7), ballots=2, drawn=False)
    make_draw(day=NOW.date() + timedelta(days=8), ballots=5, drawn=False)  # outside

    chart = dashboard.ballots_per_day(today=NOW.date())

    assert len(chart["labels"]) == 37
    assert chart["labels"][29] == "Apr 10 (today)"
    (series,) = chart["datasets"]
    assert series["data"][0] == 4
    assert series["data"][29] == 3
    assert series["data"][-1] == 2
    assert sum(series["data"]) == 9
    assert series["displayYAxis"] is True  # the y axis shows its values


def test_the_last_draws_carry_their_winners(make_draw):
    for back in range(1, 10):
        make_draw(day=NOW.date() - timedelta(days=back), ballots=2)

    recent = selectors_dashboard.draws_recent()

    assert [d.date for d in recent] == [NOW.date() - timedelta(days=b) for b in range(1, 8)]
    assert all(len(d.winning) == 1 for d in recent)


def test_the_dashboard_page_renders_every_part(auditor, operator, make_draw, login):
    drawn = make_draw(day=NOW.date() - timedelta(days=1))
    winner = drawn.picks.get(kind=PickKind.WINNER)
    request = redraw_request(pick_id=winner.pk, actor=operator, reason="check")
    make_draw(day=NOW.date(), ballots=3, drawn=False)

    response = login(auditor).get(admin_url("index"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="ballots-today">3<' in page
    assert admin_url("lottery_redrawrequest_change", request.pk) in page
    assert winner.ballot.numbers in page
    chart = json.loads(response.context["chart"])
    assert chart["datasets"][0]["data"][28:30] == [5, 3]


def attention_items(page: str) -> list[str]:
    block = page.split('id="attention">', 1)[1].split("</ul>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", block, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def test_every_attention_item_says_what_to_do_and_links_to_where(
    operator, auditor, make_draw, login
):
    overdue = make_draw(day=NOW.date() - timedelta(days=1), drawn=False)
    empty = make_draw(day=NOW.date() - timedelta(days=2), ballots=0)
    drawn = make_draw(day=NOW.date() - timedelta(days=3))
    winner = drawn.picks.get(kind=PickKind.WINNER)
    request = redraw_request(pick_id=winner.pk, actor=operator, reason="check")

    page = login(operator).get(admin_url("index")).content.decode()

    assert attention_items(page) == [
        f"Open daily {overdue.date} closed 21 hours, 30 minutes ago and is not drawn: draw it now",
        f"redraw daily {drawn.date}, asked by {operator.email}: approve or refuse it "
        "(another staff member than the one who asked)",
        f"no entries daily {empty.date} had no ballot: check the game is on sale "
        "(active, with days ahead to play)",
    ]
    assert admin_url("lottery_draw_draw_now", overdue.pk) in page
    assert admin_url("lottery_redrawrequest_change", request.pk) in page
    assert admin_url("lottery_game_change", empty.game_id) in page
    # Someone who may not draw is sent to the draw's page, not to a form they cannot post.
    page = login(auditor).get(admin_url("index")).content.decode()
    assert admin_url("lottery_draw_draw_now", overdue.pk) not in page
    assert "ask an operator to draw it" in page
