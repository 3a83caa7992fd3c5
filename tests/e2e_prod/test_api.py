"""Every endpoint of the player API, over HTTP, against the Procfile's gunicorn."""

import gzip
import json
import subprocess
import sys

import pytest

from tests.e2e_prod.conftest import GAME, PASSWORD, ROOT, register_body

pytestmark = pytest.mark.e2e_prod


def items(answer) -> list:
    """The rows of a paginated list answer."""
    return answer.json()["items"]


def test_register_token_refresh_with_its_grace_window_and_me(stack, due_day):
    email = "session@example.com"
    assert stack.http("POST", "/api/v1/users/register", register_body(email)).status == 201
    again = stack.http("POST", "/api/v1/users/register", register_body(email))
    assert again.status in (400, 409, 422), again.body
    wrong = stack.http("POST", "/api/v1/users/token", {"email": email, "password": "nope"})
    assert wrong.status == 401
    pair = stack.http("POST", "/api/v1/users/token", {"email": email, "password": PASSWORD})
    assert pair.status == 200
    refresh = pair.json()["refresh_token"]
    first = stack.http("POST", "/api/v1/users/token/refresh", {"refresh_token": refresh})
    # The same refresh token sent twice (a retried request) within the grace window: the
    # same new pair, and the player stays logged in.
    second = stack.http("POST", "/api/v1/users/token/refresh", {"refresh_token": refresh})
    assert (first.status, second.status) == (200, 200), second.body
    assert first.json() == second.json()
    access = first.json()["access_token"]
    me = stack.http("GET", "/api/v1/users/me", token=access)
    assert me.status == 200
    assert me.json()["email"] == email
    assert stack.http("GET", "/api/v1/users/me").status == 401
    assert stack.http("GET", "/api/v1/users/me", token="forged.token.x").status == 401


def test_play_list_and_detail_own_ballots_only(stack, due_day):
    games = stack.http("GET", "/api/v1/games")
    assert GAME in [g["slug"] for g in games.json()]
    mine = stack.http("GET", f"/api/v1/lotteries?game={GAME}", token=due_day.owner)
    assert mine.status == 200
    numbers = sorted(sorted(b["numbers"]) for b in items(mine))
    assert numbers == [[1, 2, 3], [7, 8, 9]]
    detail = stack.http("GET", f"/api/v1/lotteries/{due_day.ballot}", token=due_day.owner)
    assert detail.status == 200
    assert sorted(detail.json()["numbers"]) == [1, 2, 3]
    # Another player's ballot is not found for them; bad input changes nothing.
    assert (
        stack.http("GET", f"/api/v1/lotteries/{due_day.ballot}", token=due_day.other).status == 404
    )
    assert stack.http("GET", "/api/v1/lotteries/not-a-uuid", token=due_day.owner).status == 404
    bad = stack.http(
        "POST", "/api/v1/lotteries", {"numbers": [1, 1, 99], "game": GAME}, token=due_day.other
    )
    assert bad.status in (400, 422)
    assert "detail" in bad.json()
    assert stack.http("POST", "/api/v1/lotteries", {"numbers": [1, 2, 3]}).status == 401
    wrong_type = stack.http(
        "POST",
        "/api/v1/lotteries",
        None,
        token=due_day.other,
        headers={"Content-Type": "text/plain"},
    )
    assert wrong_type.status in (400, 415, 422)


def test_the_drawn_day_in_draws_winning_ballots_and_the_draw(stack, drawn):
    draws = stack.http("GET", f"/api/v1/draws?game={GAME}")
    assert draws.status == 200
    listed = {d["date"]: d for d in items(draws)}
    assert listed[drawn.date]["status"] == "drawn"
    draw = stack.http("GET", f"/api/v1/draws/{GAME}/{drawn.date}").json()
    assert draw["ballots_count"] == 3
    assert draw["merkle_root"] and draw["seed"]
    winners = stack.http("GET", f"/api/v1/winning_ballots?game={GAME}")
    assert winners.status == 200
    assert winners.body.count(drawn.date.encode()) >= 1


def test_the_owners_proof_and_the_leaves_paginated_and_in_one_file(stack, drawn):
    base = f"/api/v1/draws/{GAME}/{drawn.date}"
    proof = stack.http("GET", f"{base}/proof/{drawn.ballot}", token=drawn.owner)
    assert proof.status == 200, proof.body
    assert proof.json()["tree_size"] == 3
    root = stack.http("GET", base).json()["merkle_root"]
    assert proof.json()["merkle_root"] == root
    # Not the owner's: not found (and nobody learns the ballot exists).
    assert stack.http("GET", f"{base}/proof/{drawn.ballot}", token=drawn.other).status == 404

    seen, cursor = [], None
    for _ in range(5):
        page = stack.http("GET", f"{base}/leaves?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert page.status == 200, page.body
        seen += page.json()["items"]
        cursor = page.json()["next"]
        if not cursor:
            break
    assert [leaf["serial"] for leaf in seen] == [1, 2, 3]
    assert proof.json()["leaf"] in [leaf["leaf"] for leaf in seen]
    assert stack.http("GET", f"{base}/leaves?cursor=%00garbage").status in (400, 422)

    file = stack.http("GET", f"{base}/leaves.ndjson.gz")
    assert file.status == 200
    lines = [json.loads(line) for line in gzip.decompress(file.body).splitlines()]
    assert [(row["serial"], row["leaf"]) for row in lines] == [
        (leaf["serial"], leaf["leaf"]) for leaf in seen
    ]


def test_the_verifier_says_valid_against_the_live_server(stack, drawn):
    result = subprocess.run(
        [sys.executable, "-m", "lottery.verify", stack.url, GAME, drawn.date],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "draw is VALID" in result.stdout
