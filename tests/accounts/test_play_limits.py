"""Responsible play: a daily ballot limit and a self-exclusion, set by the player."""

import threading
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone
from model_bakery import baker

from accounts.models import User
from lottery.models import AuditAction, AuditEntry, Ballot, Game
from lottery.services.draws import draw_get_or_create
from tests.conftest import bearer, daily_game, postgres_only
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db

LIMITS = "/api/v1/users/me/limits"
EXCLUSION = "/api/v1/users/me/self-exclusion"


def json_call(api, method, url, body, auth):
    return getattr(api, method)(url, body, content_type="application/json", **auth)


def set_limit(api, auth, limit):
    return json_call(api, "put", LIMITS, {"daily_ballot_limit": limit}, auth)


def exclude(api, auth, days):
    return json_call(api, "post", EXCLUSION, {"days": days}, auth)


def play(api, auth, **body):
    body.setdefault("quick_pick", True)
    return json_call(api, "post", "/api/v1/lotteries", body, auth)


def ticket(api, auth, lines, **body):
    body["lines"] = [{"quick_pick": True}] * lines
    return json_call(api, "post", "/api/v1/tickets", body, auth)


def test_no_limits_until_the_player_sets_some(api, auth, game):
    assert api.get(LIMITS, **auth).json() == {
        "daily_ballot_limit": None,
        "asked_limit": None,
        "asked_limit_applies_at": None,
        "played_last_24_hours": 0,
        "self_excluded_until": None,
    }
    assert [play(api, auth).status_code for _ in range(3)] == [201] * 3
    assert api.get(LIMITS, **auth).json()["played_last_24_hours"] == 3


def test_a_daily_limit_counts_every_game_and_refuses_a_ticket_that_would_pass_it(
    api, auth, player, game
):
    Game.objects.create(slug="euro", name="Euro")
    answer = set_limit(api, auth, 4)
    assert answer.status_code == 200
    assert answer.json()["daily_ballot_limit"] == 4
    assert play(api, auth).status_code == 201
    assert play(api, auth, game="euro").status_code == 201
    refused = ticket(api, auth, 3, game="euro")
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith(
        "Your daily limit is 4 ballots in any 24 hours, across games; you have played 2 since "
    )
    assert refused.json()["detail"].endswith("; this ticket adds 3.")
    assert Ballot.objects.filter(player=player).count() == 2
    assert ticket(api, auth, 2).status_code == 201  # exactly up to the limit
    assert play(api, auth).status_code == 422
    assert Ballot.objects.filter(player=player).count() == 4


def test_advance_play_counts_every_draw_of_the_ticket(api, auth, player, game):
    set_limit(api, auth, 5)
    response = json_call(
        api, "post", "/api/v1/tickets", {"lines": [{"quick_pick": True}] * 2, "draws": 3}, auth
    )
    assert response.status_code == 422
    assert "this ticket adds 6" in response.json()["detail"]
    assert not Ballot.objects.exists()


def test_ballots_older_than_24_hours_do_not_count(api, auth, player, game):
    draw = draw_get_or_create(game=game, day=timezone.localdate() - timedelta(days=2))
    baker.make(
        Ballot,
        player=player,
        draw=draw,
        numbers="1-2-3-4-5",
        created_at=timezone.now() - timedelta(hours=24, seconds=1),
    )
    set_limit(api, auth, 1)
    assert api.get(LIMITS, **auth).json()["played_last_24_hours"] == 0
    assert play(api, auth).status_code == 201
    assert play(api, auth).status_code == 422


def test_lowering_applies_at_once_and_raising_only_after_24_hours(api, player, game):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        auth = bearer(player)
        set_limit(api, auth, 10)
        assert set_limit(api, auth, 2).json()["daily_ballot_limit"] == 2
        raised = set_limit(api, auth, 5).json()
        assert raised["daily_ballot_limit"] == 2
        assert raised["asked_limit"] == 5
        assert datetime.fromisoformat(raised["asked_limit_applies_at"]) == start + timedelta(
            hours=24
        )
        assert [play(api, auth).status_code for _ in range(3)] == [201, 201, 422]
    with time_machine.travel(start + timedelta(hours=23, minutes=59), tick=False):
        assert play(api, bearer(player)).status_code == 422
    with time_machine.travel(start + timedelta(hours=24), tick=False):
        auth = bearer(player)
        assert api.get(LIMITS, **auth).json()["daily_ballot_limit"] == 5
        assert play(api, auth).status_code == 201


def test_removing_the_limit_waits_24_hours_and_lowering_cancels_a_pending_raise(api, player, game):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        auth = bearer(player)
        set_limit(api, auth, 1)
        removed = set_limit(api, auth, None).json()
        assert (removed["daily_ballot_limit"], removed["asked_limit"]) == (1, None)
        assert removed["asked_limit_applies_at"] is not None
        assert play(api, auth).status_code == 201
        assert play(api, auth).status_code == 422
        set_limit(api, auth, 8)  # a new raise replaces the old one, with its own 24 hours
        lowered = set_limit(api, auth, 1).json()
        assert (lowered["daily_ballot_limit"], lowered["asked_limit_applies_at"]) == (1, None)
    with time_machine.travel(start + timedelta(days=1, seconds=1), tick=False):
        auth = bearer(player)
        assert api.get(LIMITS, **auth).json()["daily_ballot_limit"] == 1
    player.refresh_from_db()
    assert (player.daily_ballot_limit, player.daily_ballot_limit_next_at) == (1, None)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"daily_ballot_limit": 0},
        {"daily_ballot_limit": -3},
        {"daily_ballot_limit": 100_001},
        {"daily_ballot_limit": "5"},
    ],
)
def test_a_bad_limit_is_422_and_changes_nothing(api, auth, player, body):
    set_limit(api, auth, 7)
    assert json_call(api, "put", LIMITS, body, auth).status_code == 422
    player.refresh_from_db()
    assert (player.daily_ballot_limit, player.daily_ballot_limit_next) == (7, None)


def test_limits_need_a_token(api):
    assert api.get(LIMITS).status_code == 401
    assert set_limit(api, {}, 3).status_code == 401
    assert exclude(api, {}, 30).status_code == 401


# --- Self-exclusion -----------------------------------------------------------------------


def test_a_self_excluded_player_gets_403_with_the_end_date_and_can_still_read(api, player, game):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        auth = bearer(player)
        assert play(api, auth).status_code == 201
        answer = exclude(api, auth, 30)
        assert answer.status_code == 200
        until = start + timedelta(days=30)
        assert datetime.fromisoformat(answer.json()["self_excluded_until"]) == until
        detail = f"You have excluded yourself from play until {until:%Y-%m-%d %H:%M} UTC."
        for refused in (play(api, auth), ticket(api, auth, 2, draws=2)):
            assert refused.status_code == 403
            assert refused.json()["detail"] == detail
        assert Ballot.objects.filter(player=player).count() == 1
        assert api.get("/api/v1/lotteries", **auth).json()["count"] == 1
        # A shorter one does not shorten it; a longer one extends it.
        assert (
            exclude(api, auth, 7).json()["self_excluded_until"]
            == answer.json()["self_excluded_until"]
        )
        longer = exclude(api, auth, 60).json()["self_excluded_until"]
        assert datetime.fromisoformat(longer) == start + timedelta(days=60)
    with time_machine.travel(start + timedelta(days=60, seconds=1), tick=False):
        auth = bearer(player)
        assert api.get(LIMITS, **auth).json()["self_excluded_until"] is None
        assert play(api, auth).status_code == 201


@pytest.mark.parametrize("days", [6, 0, -7, 1827, "30", None])
def test_an_exclusion_outside_7_days_to_5_years_is_422(api, auth, player, days):
    assert exclude(api, auth, days).status_code == 422
    player.refresh_from_db()
    assert player.self_excluded_until is None


def test_an_exclusion_set_a_moment_ago_stops_a_token_signed_before_it(api, player, game):
    auth = bearer(player)  # signed in before; the exclusion is read under the play lock
    User.objects.filter(pk=player.pk).update(self_excluded_until=timezone.now() + timedelta(days=7))
    assert play(api, auth).status_code == 403


# --- The back office ------------------------------------------------------------------------


@pytest.fixture
def excluded(player):
    User.objects.filter(pk=player.pk).update(
        self_excluded_until=timezone.now() + timedelta(days=30), daily_ballot_limit=5
    )
    player.refresh_from_db()
    return player


def test_staff_see_the_players_limits_and_the_dashboard_counts_exclusions(
    operator, excluded, login
):
    client = login(operator)
    page = client.get(admin_url("accounts_user_change", excluded.pk)).content.decode()
    assert "Responsible play (set by the player)" in page
    assert "Self-excluded until" in page
    assert "daily ballot limit" in page.lower()
    assert 'name="self_excluded_until"' not in page  # shown, never editable
    assert 'name="daily_ballot_limit"' not in page
    dashboard = client.get(admin_url("index")).content.decode()
    assert "1 active self-exclusions" in dashboard
    listed = client.get(admin_url("accounts_user_changelist"), {"self_excluded": "yes"})
    assert excluded.email in listed.content.decode()


def test_an_operator_cannot_end_a_self_exclusion(operator, excluded, login):
    url = admin_url("accounts_user_end_self_exclusion", excluded.pk)
    assert login(operator).post(url, {"reason": "asked nicely"}).status_code == 403
    excluded.refresh_from_db()
    assert excluded.self_excluded_until is not None
    assert not AuditEntry.objects.filter(action=AuditAction.SELF_EXCLUSION_END).exists()


def test_a_superuser_ends_one_with_a_reason_and_it_is_audited(superuser, excluded, login, api):
    client = login(superuser)
    url = admin_url("accounts_user_end_self_exclusion", excluded.pk)
    blank = client.post(url, {"reason": "   "})
    assert "A reason is required." in blank.content.decode()
    excluded.refresh_from_db()
    assert excluded.self_excluded_until is not None
    done = client.post(url, {"reason": "Excluded by mistake, confirmed by phone"}, follow=True)
    assert "may play again" in done.content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.SELF_EXCLUSION_END)
    assert (entry.actor, entry.target) == (superuser, excluded.email)
    assert entry.reason == "Excluded by mistake, confirmed by phone"
    assert entry.before["self_excluded_until"] and entry.after == {"self_excluded_until": None}
    daily_game()
    assert play(api, bearer(excluded)).status_code == 201


# --- Concurrency (PostgreSQL) ------------------------------------------------------------------


@postgres_only()
@pytest.mark.django_db(transaction=True)
def test_concurrent_ballots_in_different_draws_never_pass_the_daily_limit(make_player):
    daily_game()
    player = make_player(email="steady@example.com")
    User.objects.filter(pk=player.pk).update(daily_ballot_limit=5)
    headers = bearer(player)
    barrier = threading.Barrier(12)
    statuses: list[int] = []

    def send(offset):
        client = Client()
        barrier.wait()
        day = (date.today() + timedelta(days=1 + offset)).isoformat()
        statuses.append(play(client, headers, game_date=day).status_code)
        connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] * 5 + [422] * 7
    assert Ballot.objects.filter(player=player).count() == 5
