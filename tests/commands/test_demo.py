"""manage.py demo: a realistic month on an empty database, loaded once, never over real players."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from lottery import draws
from lottery.models import (
    AuditEntry,
    Ballot,
    BallotTally,
    Draw,
    DrawStatus,
    Game,
    RedrawStatus,
)
from lottery.services.draws import draws_due_run


def row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def test_demo_loads_a_month_of_play_then_a_second_run_changes_nothing(lottery_defaults, capsys):
    call_command("demo")
    out = capsys.readouterr().out
    assert "Ballots:" in out and "Past draws closed and drawn: 90/90" in out
    counts = row_counts()
    call_command("demo")
    assert capsys.readouterr().out == "The demo data is already loaded: nothing to do.\n"
    assert row_counts() == counts

    zones = dict(Game.objects.values_list("slug", "time_zone"))
    assert {zones["daily"], zones["paris"], zones["new-york"]} == {
        "UTC",
        "Europe/Paris",
        "America/New_York",
    }
    assert User.objects.filter(is_staff=False).count() == 300
    for email, group in [
        ("operator", "Operators"),
        ("approver", "Approvers"),
        ("auditor", "Auditors"),
    ]:
        staff = User.objects.get(email=f"{email}@demo.example", is_staff=True)
        assert list(staff.groups.values_list("name", flat=True)) == [group]
        assert f"{email}@demo.example" in out
    statuses = list(Draw.objects.values_list("status", flat=True))
    assert statuses.count(DrawStatus.VOID) == 1
    assert statuses.count(DrawStatus.DRAWN) == 89
    assert Draw.objects.filter(date__gt=timezone.localdate() + timedelta(days=6)).exists()
    redraw = Draw.objects.get(redraw_requests__status=RedrawStatus.APPROVED).redraw_requests.get()
    assert redraw.requested_by.email == "operator@demo.example"
    assert redraw.decided_by.email == "approver@demo.example"
    assert AuditEntry.objects.filter(action="redraw_approve").count() == 1


def test_demo_ballots_are_valid_and_played_before_their_close(lottery_defaults):
    call_command("demo")
    now = timezone.now()
    ballots = Ballot.objects.select_related("draw__game")
    assert ballots.filter(created_at__lt=now - timedelta(days=29)).exists()
    for ballot in ballots:
        game, numbers = ballot.draw.game, ballot.numbers_list
        assert draws.numbers_text(numbers) == ballot.numbers
        assert len(set(numbers)) == game.numbers_per_ballot
        assert all(game.min_number <= n <= game.max_number for n in numbers)
        assert ballot.created_at < min(ballot.draw.close_at, now)
    # The per-draw limit's tallies count the loaded ballots too.
    counted = Ballot.objects.values("player_id", "draw_id").annotate(n=Count("id")).order_by()
    assert {(c["player_id"], c["draw_id"]): c["n"] for c in counted} == {
        (t.player_id, t.draw_id): t.ballots for t in BallotTally.objects.all()
    }


def test_demo_live_draw_closes_minutes_after_the_load_for_the_worker(lottery_defaults):
    started = timezone.now()
    call_command("demo")
    live = Draw.objects.get(game__slug="demo-live")
    assert live.status == DrawStatus.OPEN and live.ballots.exists()
    assert timedelta(minutes=3) <= live.close_at - started <= timedelta(minutes=6, seconds=30)
    assert draws_due_run() == []  # nothing else is left for the scheduler


def test_demo_refuses_a_database_with_a_real_player(lottery_defaults, make_player):
    make_player(email="real@customer.com")
    counts = row_counts()
    with pytest.raises(CommandError, match="holds players and was not made by the demo"):
        call_command("demo")
    assert row_counts() == counts
