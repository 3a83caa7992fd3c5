"""Tests of lottery.verify.verify_published on in-memory published data (no HTTP, no db)."""

from __future__ import annotations

import hashlib

import pytest

from lottery import verify, verify_http
from tests.lottery.test_draws import (
    BALLOTS,
    COMMITMENT_HEX,
    LEAF_HEX,
    MATERIAL_HEX,
    NUMBERS,
    ROOT_HEX,
    SEED,
)


def published(tie_rule: str = "first") -> tuple[dict, list[dict]]:
    """The fixed test vector as the API would publish it (winners 1, alternates 2)."""
    leaves = [
        {
            "serial": s,
            "ballot": b,
            "numbers": n,
            "leaf": h,
            "created_at": f"2026-01-01T09:00:0{s}.123456+00:00",
        }
        for s, (b, n, h) in enumerate(zip(BALLOTS, NUMBERS, LEAF_HEX, strict=True), 1)
    ]

    def entry(rank: int, serial: int, flag: str) -> dict:
        item = leaves[serial - 1]
        return {
            "rank": rank,
            "serial": serial,
            "ballot": item["ballot"],
            "numbers": item["numbers"],
            flag: False,
        }

    draw = {
        "game": "daily",
        "date": "2026-01-01",
        "status": "drawn",
        "close_at": "2026-01-02T00:00:00Z",
        "commitment": COMMITMENT_HEX,
        "ballots_count": 5,
        "merkle_root": ROOT_HEX,
        "seed": SEED.hex(),
        "beacon": "",
        "material": MATERIAL_HEX,
        "tie_rule": tie_rule,
        "winners_per_draw": 1,
        "alternates_per_draw": 2,
        "winners": [entry(1, 4, "disqualified")],
        "alternates": [entry(1, 2, "promoted"), entry(2, 5, "promoted")],
    }
    return draw, leaves


def test_valid_draw_passes():
    draw, leaves = published()
    assert verify.verify_published(draw, leaves) == []
    checks = verify.run_checks(draw, leaves)
    assert all(ok for ok, _ in checks) and len(checks) >= 10


def test_the_leaves_are_read_once_as_a_stream():
    """The one-file download is checked line by line: a one-pass iterator is enough."""
    draw, leaves = published()
    assert verify.run_checks(draw, iter(leaves)) == verify.run_checks(draw, leaves)
    leaves[2]["ballot"] = leaves[2]["ballot"][:-1] + "A"  # not lowercase
    failures = verify.verify_published(draw, iter(leaves))
    assert "ballot id of serial 3 is not canonical" in failures


def test_share_rule_groups_entries_by_rank():
    draw, leaves = published("share")
    draw["alternates_per_draw"] = 10
    draw["alternates"].append(
        {"rank": 3, "serial": 3, "ballot": BALLOTS[2], "numbers": NUMBERS[2], "promoted": False}
    )
    draw["alternates"].append(
        {"rank": 3, "serial": 1, "ballot": BALLOTS[0], "numbers": NUMBERS[0], "promoted": False}
    )
    assert verify.verify_published(draw, leaves) == []
    draw["alternates"].pop()  # one of the two sharing ballots is missing
    assert any("alternates differ" in f for f in verify.verify_published(draw, leaves))


def test_a_redraw_promotes_the_first_alternate():
    draw, leaves = published()
    draw["winners"][0]["disqualified"] = True
    assert any("promoted" in f for f in verify.verify_published(draw, leaves))
    draw["alternates"][0]["promoted"] = True
    assert verify.verify_published(draw, leaves) == []
    draw["alternates"][0]["promoted"], draw["alternates"][1]["promoted"] = False, True
    assert any("promoted" in f for f in verify.verify_published(draw, leaves))


def tamper(path: str, value) -> list[str]:
    draw, leaves = published()
    target: dict | list = {"draw": draw, "leaves": leaves}
    *keys, last = path.split(".")
    for key in keys:
        target = target[int(key)] if isinstance(target, list) else target[key]
    target[int(last) if isinstance(target, list) else last] = value
    return verify.verify_published(draw, leaves)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("draw.seed", bytes(32).hex(), "seed does not hash to the commitment"),
        ("draw.commitment", hashlib.sha256(b"x").hexdigest(), "commitment"),
        ("draw.merkle_root", "00" * 32, "merkle root"),
        ("leaves.2.numbers", [1, 2, 3, 4, 6], "leaf of serial 3"),
        ("leaves.3.leaf", "00" * 32, "leaf of serial 4"),
        ("leaves.0.ballot", BALLOTS[0].replace("-", ""), "ballot id of serial 1"),
        ("leaves.1.serial", 7, "serials not 1..5"),
        ("draw.ballots_count", 6, "ballots_count 6"),
        ("draw.material", "11" * 32, "material"),
        ("draw.beacon", "late beacon", "material"),
        ("draw.winners.0.serial", 2, "winners differ"),
        ("draw.winners.0.ballot", BALLOTS[1], "winners ballot ids"),
        ("draw.alternates.1.serial", 1, "alternates differ"),
        ("draw.alternates.0.rank", 3, "alternates differ"),
        ("draw.alternates.1.promoted", True, "promoted alternates"),
        ("leaves.1.created_at", "2026-01-01T09:00:09+00:00", "ballot order broken: serial 3"),
    ],
)
def test_tampering_is_named(path, value, expected):
    failures = tamper(path, value)
    assert failures, path
    assert any(expected in f for f in failures), failures


def test_a_tampered_leaf_breaks_the_root_and_the_outcome():
    failures = tamper("leaves.3.numbers", [1, 2, 3, 4, 5])
    assert any("leaf of serial 4" in f for f in failures)
    assert any("merkle root" in f for f in failures)
    assert any("material" in f for f in failures)


def test_equal_timestamps_are_ordered_by_ballot():
    draw, leaves = published()
    for item in leaves:
        item["created_at"] = "2026-01-01T09:00:00+00:00"
    assert verify.verify_published(draw, leaves) == []
    leaves[0]["ballot"], leaves[1]["ballot"] = leaves[1]["ballot"], leaves[0]["ballot"]
    assert any("ballot order broken: serial 2" in f for f in verify.verify_published(draw, leaves))


@pytest.mark.parametrize("status", ["open", "closed"])
def test_an_undrawn_draw_is_not_verified_yet(status):
    draw, _ = published()
    draw.update(status=status, seed=None, material=None, tie_rule=None, winners=[], alternates=[])
    if status == "open":
        draw.update(ballots_count=None, merkle_root=None)
    checks = verify.run_checks(draw, [])
    assert checks[0] == (True, f"commitment {COMMITMENT_HEX} published")
    assert verify.verify_published(draw, []) == [f"draw not drawn yet (status {status})"]


def test_no_entries():
    draw, _ = published()
    draw.update(
        status="no_entries",
        ballots_count=0,
        merkle_root=hashlib.sha256(b"").hexdigest(),
        material=None,
        tie_rule=None,
        winners=[],
        alternates=[],
    )
    assert verify.verify_published(draw, []) == []
    draw["merkle_root"] = ROOT_HEX
    assert any("merkle root" in f for f in verify.verify_published(draw, []))
    draw["merkle_root"], draw["seed"] = hashlib.sha256(b"").hexdigest(), None
    assert any("seed not revealed" in f for f in verify.verify_published(draw, []))


def test_void_and_malformed_data_fail():
    draw, leaves = published()
    draw["status"] = "void"
    assert any("void" in f for f in verify.verify_published(draw, leaves))
    draw, leaves = published()
    del draw["winners"]
    assert any("malformed" in f for f in verify.verify_published(draw, leaves))


def test_main_reports_network_errors_with_exit_2(capsys):
    assert verify.main(["http://127.0.0.1:9", "daily", "2026-01-01"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot fetch") and "Traceback" not in err


def test_main_prints_every_check(monkeypatch, capsys):
    draw, leaves = published()
    pages = {
        "http://x/api/v1/draws/daily/2026-01-01": draw,
        "http://x/api/v1/draws/daily/2026-01-01/leaves?limit=1000": {
            "count": 5,
            "items": leaves[:3],
            "next": "/api/v1/draws/daily/2026-01-01/leaves?c=2",
        },
        "http://x/api/v1/draws/daily/2026-01-01/leaves?c=2": {
            "count": 5,
            "items": leaves[3:],
            "next": None,
        },
    }

    def fetch_json(url, timeout=30.0):
        return pages[url]

    # The draw is read by verify.main, its pages by verify_http.fetch_leaves.
    monkeypatch.setattr(verify, "fetch_json", fetch_json)
    monkeypatch.setattr(verify_http, "fetch_json", fetch_json)
    assert verify.main(["http://x/", "daily", "2026-01-01", "--pages"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "draw is VALID"
    assert all(line.startswith("ok ") for line in out[1:-1])
    draw["merkle_root"] = "00" * 32
    assert verify.main(["http://x", "daily", "2026-01-01", "--pages"]) == 1
    assert "FAIL merkle root" in capsys.readouterr().out
