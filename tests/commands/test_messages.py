"""What a player and an operator read: the range error and the verifier on an empty draw."""

import hashlib

import pytest

from lottery import verify
from tests.lottery.test_play_api import play


@pytest.mark.parametrize(
    ("numbers", "message"),
    [
        ([1, 2, 3, 4, 51], "Numbers must be between 1 and 50; 51 is out of range."),
        ([0, 2, 3, 4, 51], "Numbers must be between 1 and 50; 0 and 51 are out of range."),
        ([0, 2, 3, 60, 51], "Numbers must be between 1 and 50; 0, 51 and 60 are out of range."),
    ],
)
def test_range_error_names_the_numbers_in_plain_grammar(api, auth, game, numbers, message):
    response = play(api, auth, numbers=numbers)
    assert response.status_code == 422
    assert response.json() == {"detail": message}


def test_verifier_says_an_empty_draw_has_no_ballots():
    draw = {
        "game": "daily",
        "date": "2026-11-26",
        "status": "no_entries",
        "commitment": hashlib.sha256(b"\x01" * 32).hexdigest(),
        "seed": (b"\x01" * 32).hex(),
        "ballots_count": 0,
        "merkle_root": hashlib.sha256(b"").hexdigest(),
        "winners": [],
        "alternates": [],
    }
    lines = [line for _, line in verify.run_checks(draw, [])]
    assert not any("1..0" in line for line in lines)
    assert "no ballots, as ballots_count says" in lines
    assert verify.verify_published(draw, []) == []
