"""The stdlib verifier against a real draw served over HTTP by the test server."""

import subprocess
import sys
from datetime import date

import pytest
from django.conf import settings
from model_bakery import baker

from lottery import services
from lottery.models import Ballot, Draw, Pick
from tests.conftest import daily_game

DAY = date(2026, 2, 3)


@pytest.fixture
def drawn(transactional_db):
    game = daily_game()
    draw = services.draw_get_or_create(game=game, day=DAY)
    players = baker.make("accounts.User", _quantity=3)
    for i in range(40):
        baker.make_recipe("lottery.ballot", draw=draw, player=players[i % 3])
    return services.draw_run(draw_id=draw.pk)


def verify(live_server):
    """Run the verifier as a player would: a separate Python process, stdlib only."""
    return subprocess.run(
        [sys.executable, "-m", "lottery.verify", live_server.url, "daily", DAY.isoformat()],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=60,
    )


def test_verifier_accepts_a_real_draw(live_server, drawn):
    result = verify(live_server)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout
    assert drawn.merkle_root in result.stdout or "root" in result.stdout


def tamper_seed(draw):
    Draw.objects.filter(pk=draw.pk).update(seed=bytes(32))


def tamper_root(draw):
    Draw.objects.filter(pk=draw.pk).update(merkle_root="00" * 32)


def tamper_leaf(draw):
    ballot = Ballot.objects.filter(draw=draw).order_by("created_at", "uuid")[5]
    Ballot.objects.filter(pk=ballot.pk).update(numbers="1-2-3-4-49")


def tamper_winner(draw):
    winner = Pick.objects.get(draw=draw, kind="winner")
    other = Ballot.objects.filter(draw=draw).exclude(picks__draw=draw).first()
    Pick.objects.filter(pk=winner.pk).update(ballot=other)


@pytest.mark.parametrize("tamper", [tamper_seed, tamper_root, tamper_leaf, tamper_winner])
def test_verifier_rejects_each_tampered_value(live_server, drawn, tamper):
    tamper(drawn)
    result = verify(live_server)
    assert result.returncode == 1, result.stdout
    assert "FAIL" in result.stdout


def test_verifier_reports_an_unknown_draw_readably(live_server, transactional_db):
    result = verify(live_server)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
