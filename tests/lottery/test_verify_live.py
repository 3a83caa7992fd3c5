"""The stdlib verifier against a real draw served over HTTP by the test server."""

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from model_bakery import baker

from lottery.models import Ballot, Draw, Pick
from lottery.services.draws import draw_get_or_create, draw_run
from tests.conftest import daily_game

DAY = date(2026, 2, 3)


@pytest.fixture
def drawn(transactional_db):
    game = daily_game()
    draw = draw_get_or_create(game=game, day=DAY)
    players = baker.make("accounts.User", _quantity=3)
    for i in range(40):
        baker.make_recipe("lottery.ballot", draw=draw, player=players[i % 3])
    return draw_run(draw_id=draw.pk)


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
    lines = result.stdout.splitlines()
    assert not [line for line in lines if line.startswith("FAIL")]
    assert f"ok merkle root {drawn.merkle_root}" in lines
    assert f"ok seed hashes to the commitment {drawn.commitment}" in lines
    assert f"ok material {drawn.material}" in lines
    assert lines[-1] == "draw is VALID"


def tamper_seed(draw):
    Draw.objects.filter(pk=draw.pk).update(seed=bytes(32))


def tamper_root(draw):
    Draw.objects.filter(pk=draw.pk).update(merkle_root="00" * 32)


def tamper_leaf(draw):
    ballot = Ballot.objects.filter(draw=draw).order_by("created_at", "uuid")[5]
    Ballot.objects.filter(pk=ballot.pk).update(numbers="1-2-3-4-49")
    # The one-file leaves built at close still hold the published numbers: drop it, so the
    # server rebuilds it (and pages the leaves) from the altered row.
    for path in (Path(settings.DATA_DIR) / "leaves").glob(f"{draw.uuid}-*"):
        path.unlink()


def tamper_winner(draw):
    winner = Pick.objects.get(draw=draw, kind="winner")
    other = Ballot.objects.filter(draw=draw).exclude(picks__draw=draw).first()
    Pick.objects.filter(pk=winner.pk).update(ballot=other)


@pytest.mark.parametrize(
    ("tamper", "failure"),
    [
        (tamper_seed, "FAIL seed does not hash to the commitment"),
        (tamper_root, "FAIL merkle root is "),
        (tamper_leaf, "FAIL merkle root is "),  # the leaf is served from the new numbers
        (tamper_winner, "FAIL winners ballot ids wrong at serials"),
    ],
)
def test_verifier_rejects_each_tampered_value_naming_the_check(live_server, drawn, tamper, failure):
    tamper(drawn)
    result = verify(live_server)
    assert result.returncode == 1, result.stdout
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert any(line.startswith(failure) for line in failed), failed


def test_verifier_reports_an_unknown_draw_readably(live_server, transactional_db):
    result = verify(live_server)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.startswith("error: HTTP 404 Not Found for "), result.stderr
