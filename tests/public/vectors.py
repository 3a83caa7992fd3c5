"""The JSON fixture the JavaScript verifier is tested against, computed from lottery/draws/
and lottery/verify.py (tests/public/test_vectors_fixture.py keeps the file equal to this)."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

from lottery import draws, verify
from tests.lottery.test_draws import (
    BALLOTS,
    CT_INPUTS,
    DATE,
    GAME,
    NUMBERS,
    SEED,
)
from tests.lottery.test_verify import published

FIXTURE = Path(__file__).with_name("draw_vectors.json")


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _leaf_items(ballots: list[str], numbers: list[list[int]]) -> list[draws.Leaf]:
    return [
        draws.Leaf(s, b, draws.numbers_text(n))
        for s, (b, n) in enumerate(zip(ballots, numbers, strict=True), 1)
    ]


def _merkle_case(leaves: list[bytes]) -> dict:
    return {
        "leaves": [leaf.hex() for leaf in leaves],
        "root": draws.merkle_root(leaves).hex(),
        "paths": [[p.hex() for p in draws.audit_path(leaves, i)] for i in range(len(leaves))],
    }


def _bigger_draw() -> tuple[list[str], list[list[int]]]:
    """40 ballots with repeated numbers, so both tie rules and early stops matter."""
    ballots = [f"{i:08x}-aaaa-4bbb-8ccc-{i * 7919:012x}" for i in range(1, 41)]
    numbers = [
        sorted({1 + (i * k * 3) % 50 for k in range(1, 6)} | {50 - i % 7}) for i in range(40)
    ]
    numbers = [n[:5] if len(n) >= 5 else sorted({*n, 11, 22, 33, 44, 49})[:5] for n in numbers]
    return ballots, [numbers[i % 13] for i in range(40)]


def _outcome_case(leaves, seed, tie, winners, alternates, beacon, game=GAME, date=DATE) -> dict:
    root, material, outcome = draws.outcome_from_leaves(
        leaves=leaves,
        seed=seed,
        game=game,
        date=date,
        tie_rule=tie,
        winners=winners,
        alternates=alternates,
        beacon=beacon,
    )

    def results(items: tuple[draws.Result, ...]) -> list[dict]:
        return [{"rank": r.rank, "serials": list(r.serials), "numbers": r.numbers} for r in items]

    return {
        "leaves": [{"serial": x.serial, "ballot": x.ballot, "numbers": x.numbers} for x in leaves],
        "seed": seed.hex(),
        "game": game,
        "date": date,
        "tie_rule": tie,
        "winners": winners,
        "alternates": alternates,
        "beacon": beacon,
        "expected": {
            "root": root.hex(),
            "material": material.hex(),
            "winners": results(outcome.winners),
            "alternates": results(outcome.alternates),
        },
    }


def _draw_cases() -> list[dict]:
    """Published draws, valid and tampered, with the exact checks lottery/verify.py reports."""
    cases: list[tuple[str, dict, list[dict]]] = []
    draw, leaves = published()
    cases.append(("valid, tie rule first", draw, leaves))
    share, share_leaves = published("share")
    share["alternates_per_draw"] = 10
    for serial in (3, 1):
        item = share_leaves[serial - 1]
        share["alternates"].append(
            {
                "rank": 3,
                "serial": serial,
                "ballot": item["ballot"],
                "numbers": item["numbers"],
                "promoted": False,
                "disqualified": False,
            }
        )
    cases.append(("valid, tie rule share, 10 alternates", share, share_leaves))

    def altered(name: str, change) -> None:
        d, lv = copy.deepcopy(draw), copy.deepcopy(leaves)
        change(d, lv)
        cases.append((name, d, lv))

    altered("one leaf's numbers altered", lambda d, lv: lv[2].update(numbers=[1, 2, 3, 4, 6]))
    altered("seed altered", lambda d, lv: d.update(seed="ff" + d["seed"][2:]))
    altered("winner altered", lambda d, lv: d["winners"][0].update(serial=2, ballot=BALLOTS[1]))
    altered("material altered", lambda d, lv: d.update(material="00" * 32))
    altered("beacon altered", lambda d, lv: d.update(beacon="drand-1"))
    altered("ballot order broken", lambda d, lv: lv[0].update(created_at="2026-01-01T09:59:00Z"))
    altered("a leaf missing", lambda d, lv: lv.pop())

    def redraw(d: dict, lv: list[dict]) -> None:
        d["winners"][0]["disqualified"] = True
        d["alternates"][0]["promoted"] = True

    altered("winner disqualified, first alternate promoted", redraw)
    altered(
        "second alternate promoted out of turn",
        lambda d, lv: d["alternates"][1].update(promoted=True),
    )
    base = {k: draw[k] for k in ("game", "date", "close_at", "commitment")}
    empty = {
        **base,
        "status": "no_entries",
        "ballots_count": 0,
        "merkle_root": draws.EMPTY_ROOT.hex(),
        "seed": SEED.hex(),
        "beacon": "",
        "material": None,
        "tie_rule": "first",
        "winners": [],
        "alternates": [],
    }
    cases.append(("no entries", empty, []))
    cases.append(
        (
            "closed, not drawn yet",
            {
                **base,
                "status": "closed",
                "ballots_count": 5,
                "merkle_root": draw["merkle_root"],
                "winners": [],
                "alternates": [],
            },
            leaves,
        )
    )
    cases.append(
        ("void before close", {**base, "status": "void", "winners": [], "alternates": []}, [])
    )
    return [
        {
            "name": name,
            "draw": d,
            "leaves": lv,
            "checks": [list(c) for c in verify.run_checks(d, lv)],
        }
        for name, d, lv in cases
    ]


def _inclusion_cases() -> list[dict]:
    leaves = [draws.leaf_hash(x.ballot, x.numbers) for x in _leaf_items(BALLOTS, NUMBERS)]
    root = draws.merkle_root(leaves)
    cases = []
    for i, ballot in enumerate(BALLOTS):
        proof = {
            "serial": i + 1,
            "leaf": leaves[i].hex(),
            "merkle_root": root.hex(),
            "tree_size": len(leaves),
            "path": [p.hex() for p in draws.audit_path(leaves, i)],
        }
        cases.append({"ballot": ballot, "numbers": NUMBERS[i], "proof": proof, "root": root.hex()})
    tampered = copy.deepcopy(cases[0])
    tampered["proof"]["path"][1] = "00" * 32
    other = copy.deepcopy(cases[3])
    other["numbers"] = [7, 14, 21, 28, 36]
    cases += [tampered, other]
    for case in cases:
        p = case["proof"]
        leaf = draws.leaf_hash(case["ballot"], draws.numbers_text(case["numbers"]))
        path = [bytes.fromhex(h) for h in p["path"]]
        got = draws.root_from_path(leaf, p["serial"] - 1, p["tree_size"], path)
        case["ok"] = leaf.hex() == p["leaf"] and got.hex() == case["root"]
    return cases


def build() -> dict:
    """Every vector, each with the value draws.py computes."""
    vector = _leaf_items(BALLOTS, NUMBERS)
    ct_leaves = [_sha(b"\x00" + bytes.fromhex(h)) for h in CT_INPUTS]
    big_ballots, big_numbers = _bigger_draw()
    big = _leaf_items(big_ballots, big_numbers)
    count_255 = 2**255 + 1  # about half of all x are rejected for bias: exercises step 5
    material = bytes.fromhex(_outcome_case(vector, SEED, "first", 1, 2, "")["expected"]["material"])
    seeds = [SEED, _sha(b"another seed")]
    return {
        "source": "made from lottery/draws/ and lottery/verify.py by tests/public/vectors.py",
        "leaves": [
            {
                "ballot": x.ballot,
                "numbers": x.numbers,
                "leaf": draws.leaf_hash(x.ballot, x.numbers).hex(),
            }
            for x in vector + big[:5]
        ],
        "merkle": [_merkle_case(ct_leaves[:n]) for n in range(9)]
        + [_merkle_case([_sha(b"leaf %d" % i) for i in range(n)]) for n in (13, 33)],
        "commitment": [{"seed": s.hex(), "commitment": draws.commitment(s).hex()} for s in seeds],
        "material": [
            {
                "seed": s.hex(),
                "game": GAME,
                "date": DATE,
                "count": 5,
                "root": r,
                "beacon": b,
                "material": draws.draw_material(
                    seed=s, game=GAME, date=DATE, count=5, root=bytes.fromhex(r), beacon=b
                ).hex(),
            }
            for s in seeds
            for r, b in ((draws.EMPTY_ROOT.hex(), ""), ("ab" * 32, "round 42 é"))
        ],
        "picks": [
            {
                "material": material.hex(),
                "count": str(n),
                "picks": [
                    str(i)
                    for i, _ in zip(draws.picks(material, n), range(min(n, 12)), strict=False)
                ],
            }
            for n in (1, 2, 5, 7, 1000, 2**32 + 15, count_255)
        ],
        "outcomes": [
            _outcome_case(vector, SEED, tie, 1, alternates, "")
            for tie in draws.TIE_RULES
            for alternates in (2, 10)
        ]
        + [
            _outcome_case(big, seeds[1], tie, winners, 6, "drand 7")
            for tie in draws.TIE_RULES
            for winners in (1, 3)
        ]
        + [_outcome_case([], SEED, "first", 1, 2, "")],
        "draws": _draw_cases(),
        "inclusion": _inclusion_cases(),
    }


def dumps(data: dict) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
