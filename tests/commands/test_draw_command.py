"""manage.py draw as an operator types it: progress, winners before alternates, and who did it."""

import getpass
import re
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from model_bakery import baker

from lottery.models import AuditAction, AuditEntry, Pick
from lottery.services.draws import draw_get_or_create, draws_due_run
from tests.lottery.test_draw_engine import fill

pytestmark = pytest.mark.django_db
PAST = date(2026, 1, 10)


@pytest.fixture
def past_draw(game):
    draw = draw_get_or_create(game=game, day=PAST)
    fill(draw, 30)
    return draw


def test_draw_prints_the_phases_then_winners_before_alternates(past_draw, capsys):
    call_command("draw", "daily", PAST.isoformat())
    out = capsys.readouterr().out
    assert "Closing daily 2026-01-10: 30 ballots to number and hash" in out
    assert re.search(r"closed in \d+\.\d\d s: 30 ballots, merkle root [0-9a-f]{64}", out)
    assert re.search(r"drawn in \d+\.\d\d s", out)
    kinds = re.findall(r"^  (winner|alternate) +#(\d+)", out, flags=re.MULTILINE)
    assert kinds == [("winner", "1")] + [("alternate", str(rank)) for rank in range(1, 11)]


def test_draw_records_the_os_user_in_the_audit_log(past_draw):
    call_command("draw", "daily", PAST.isoformat())
    entries = AuditEntry.objects.filter(draw=past_draw).order_by("created_at", "pk")
    assert [(e.action, e.actor, e.who) for e in entries] == [
        (AuditAction.CLOSE, None, f"{getpass.getuser()} (manage.py draw)"),
        (AuditAction.MANUAL_DRAW, None, f"{getpass.getuser()} (manage.py draw)"),
    ]


def test_draw_records_the_staff_account_named_by_actor(past_draw):
    staff = baker.make("accounts.User", email="op@example.com", is_staff=True)
    call_command("draw", "daily", PAST.isoformat(), "--actor", "OP@example.com")
    entries = AuditEntry.objects.filter(draw=past_draw)
    assert {(e.action, e.who) for e in entries} == {
        (AuditAction.CLOSE, "op@example.com"),
        (AuditAction.MANUAL_DRAW, "op@example.com"),
    }
    assert all(e.actor == staff for e in entries)


def test_draw_refuses_an_actor_who_is_not_staff_and_draws_nothing(past_draw, player):
    with pytest.raises(CommandError, match="no active staff account"):
        call_command("draw", "daily", PAST.isoformat(), "--actor", player.email)
    past_draw.refresh_from_db()
    assert past_draw.status == "open"
    assert not Pick.objects.exists() and not AuditEntry.objects.exists()


def test_the_scheduler_is_still_named_as_the_system(past_draw):
    draws_due_run()
    assert {e.who for e in AuditEntry.objects.all()} == {"system (scheduler)"}


def test_draw_of_a_drawn_day_says_so_and_changes_nothing(past_draw, capsys):
    call_command("draw", "daily", PAST.isoformat())
    capsys.readouterr()
    call_command("draw", "daily", PAST.isoformat())
    assert "daily 2026-01-10 was already drawn." in capsys.readouterr().out
    assert AuditEntry.objects.count() == 2
