"""Tests of lottery.draws (pure functions, no database) against independent references."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from lottery import draws


# --- Independent reference implementation, written straight from SPEC section 2 -------------
def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ref_mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1 Merkle Tree Hash, recursively."""
    n = len(leaves)
    if n == 0:
        return sha(b"")
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return sha(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:]))


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 section 2.1.1 PATH(m, D[n]), recursively."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_picks(material: bytes, n: int, how_many: int) -> list[tuple[int, int, int | None]]:
    """Return (j, x, index or None when skipped) for the first how_many accepted picks."""
    out: list[tuple[int, int, int | None]] = []
    seen: set[int] = set()
    j = 0
    while len(seen) < how_many:
        x = int.from_bytes(sha(material + j.to_bytes(8, "big")), "big")
        i = x % n
        if x >= 2**256 - (2**256 % n) or i in seen:
            out.append((j, x, None))
        else:
            seen.add(i)
            out.append((j, x, i))
        j += 1
    return out


def ref_draw(seed, game, date, ballots, numbers, tie, winners, alternates, beacon=""):
    """The whole draw, naively: returns (leaves, root, material, winners, alternates)."""
    texts = ["-".join(str(v) for v in sorted(ns)) for ns in numbers]
    leaves = [sha(b"\x00" + f"{b}|{t}".encode()) for b, t in zip(ballots, texts, strict=True)]
    root = ref_mth(leaves)
    message = f"{game}|{date}|{len(leaves)}|{root.hex()}|{beacon}".encode()
    material = hmac.new(seed, message, hashlib.sha256).digest()
    results: list[tuple[tuple[int, ...], str]] = []
    wanted = min(winners + alternates, len(set(texts)))
    for _, _, i in ref_picks(material, len(texts), len(texts)):
        if i is None or len(results) == wanted:
            continue
        same = tuple(s + 1 for s, t in enumerate(texts) if t == texts[i])
        if any(t == texts[i] for _, t in results):
            continue
        results.append((same[:1] if tie == "first" else same, texts[i]))
    won = [(r, s, t) for r, (s, t) in enumerate(results[:winners], 1)]
    alt = [(r, s, t) for r, (s, t) in enumerate(results[winners:], 1)]
    return leaves, root, material, won, alt


def as_tuples(results: tuple[draws.Result, ...]) -> list[tuple[int, tuple[int, ...], str]]:
    return [(r.rank, r.serials, r.numbers) for r in results]


# --- FIXED TEST VECTOR (published in docs/test-vectors.md) --------------------------------
SEED = bytes(range(32))
GAME, DATE = "daily", "2026-01-01"
BALLOTS = [f"00000000-0000-4000-8000-00000000000{i}" for i in range(1, 6)]
NUMBERS = [[1, 2, 3, 4, 5], [5, 10, 20, 30, 40], [1, 2, 3, 4, 5], [7, 14, 21, 28, 35],
           [10, 20, 30, 40, 50]]  # fmt: skip
LEAF_STRINGS = [
    "00000000-0000-4000-8000-000000000001|1-2-3-4-5",
    "00000000-0000-4000-8000-000000000002|5-10-20-30-40",
    "00000000-0000-4000-8000-000000000003|1-2-3-4-5",
    "00000000-0000-4000-8000-000000000004|7-14-21-28-35",
    "00000000-0000-4000-8000-000000000005|10-20-30-40-50",
]
LEAF_HEX = [
    "d666e3f1853e43f894f0fa3bb6d5fa477d2000d899c9363da88d20858b217573",
    "89ddd1e5f9532539cf05ec04b6432c6fb6229571c2c14b04f6a7c58979f97a11",
    "39d75281c361380cb050dde4cce84d2a4aea0e487223e30d8b9f4c7c45b7fbf9",
    "b9273d6d1bc4ddfb4b1c2db626d39723688c2ba55ef3408aaaac5a447e5d585d",
    "aed175236e285daeeab64b446021e39b2366cd06430ac4855f7be06d6e478acf",
]
# Interior nodes: N12 = node(L1, L2), N34 = node(L3, L4), N1234 = node(N12, N34);
# root = node(N1234, L5) (RFC 6962 splits 5 leaves as 4 + 1).
N12_HEX = "ce8da5e8a4569055b3fc4d49ed3efb8004b2e6fa6d32938dc1a9bbe661900af8"
N34_HEX = "c3569e898eace7f31ca2aa5d7d1c2a6c7eeeecdf6538ae501d49bc38befc738c"
N1234_HEX = "c27683942d6909ea5e176a30fcfcd49bc4029a749d68f94528e578e999a8df65"
ROOT_HEX = "1245ade8db3e11d23ca971fe6f07a49c2e36b42187d5a09dfc7bff00755ad168"
# RFC 6962 audit path of each serial, leaf side first.
PATHS_HEX = {
    1: [LEAF_HEX[1], N34_HEX, LEAF_HEX[4]],
    2: [LEAF_HEX[0], N34_HEX, LEAF_HEX[4]],
    3: [LEAF_HEX[3], N12_HEX, LEAF_HEX[4]],
    4: [LEAF_HEX[2], N12_HEX, LEAF_HEX[4]],
    5: [N1234_HEX],
}
COMMITMENT_HEX = "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
HMAC_MESSAGE = f"daily|2026-01-01|5|{ROOT_HEX}|"
MATERIAL_HEX = "09e3b1cfb83c2949030c0b1b1ef6ee724e51c45beaf2ac0444b32fa7b07fc9bb"
# (j, x as hex, accepted index or None when i was already seen); N = 5 so the bias limit is
# 2**256 - 1 and no x here is rejected for bias.
PICK_STEPS = [
    (0, "439f1ded701107bc6b86ec65239522e02a44c2a5928804d2b0eb4e7a64e11c85", 3),
    (1, "edab6c5d88a2c998756c93aad970354ddee43ece47cfffd1ce551c2c6d606cfb", None),
    (2, "15821917af469fbc8d4700762172ec5e6a812e4d6f26ee06f90be7e9a431e6fa", 1),
    (3, "ca43b54e03980eb7da3af4263638420ca855e01a8ac5cdf2156bf6ed114e1765", None),
    (4, "e537e5a67fe1c1d534a9096bb3d559a64f8715b337d3651dce1b38837923f9da", 4),
]
FIRST_PICKS = [3, 1, 4, 0, 2]  # all five; index 0 comes at j = 9, index 2 at j = 27
WINNERS = [(1, (4,), "7-14-21-28-35")]
ALTERNATES = [(1, (2,), "5-10-20-30-40"), (2, (5,), "10-20-30-40-50")]
# Same inputs with alternates = 10: the fourth (last distinct) result is serial 1's numbers.
ALTERNATES_10_FIRST = [*ALTERNATES, (3, (1,), "1-2-3-4-5")]
ALTERNATES_10_SHARE = [*ALTERNATES, (3, (1, 3), "1-2-3-4-5")]
VECTOR_LEAVES = [
    draws.Leaf(s, b, draws.numbers_text(n))
    for s, (b, n) in enumerate(zip(BALLOTS, NUMBERS, strict=True), 1)
]


def test_fixed_vector_reference_values():
    leaves, root, material, won, alt = ref_draw(SEED, GAME, DATE, BALLOTS, NUMBERS, "first", 1, 2)
    assert [sha(b"\x00" + s.encode()).hex() for s in LEAF_STRINGS] == LEAF_HEX
    assert [leaf.hex() for leaf in leaves] == LEAF_HEX
    assert sha(b"\x01" + leaves[0] + leaves[1]).hex() == N12_HEX
    assert sha(b"\x01" + leaves[2] + leaves[3]).hex() == N34_HEX
    assert ref_mth(leaves[:4]).hex() == N1234_HEX
    assert root.hex() == ROOT_HEX
    assert sha(b"\x01" + bytes.fromhex(N1234_HEX) + leaves[4]).hex() == ROOT_HEX
    for serial, path in PATHS_HEX.items():
        assert [p.hex() for p in ref_path(serial - 1, leaves)] == path
    assert sha(SEED).hex() == COMMITMENT_HEX
    assert hmac.new(SEED, HMAC_MESSAGE.encode(), hashlib.sha256).hexdigest() == MATERIAL_HEX
    assert material.hex() == MATERIAL_HEX
    steps = ref_picks(material, 5, 5)
    assert [(j, f"{x:064x}", i) for j, x, i in steps[:5]] == PICK_STEPS
    assert [i for _, _, i in steps if i is not None] == FIRST_PICKS
    assert (won, alt) == (WINNERS, ALTERNATES)


def test_fixed_vector_module_values():
    texts = [draws.numbers_text(n) for n in NUMBERS]
    assert [f"{b}|{t}" for b, t in zip(BALLOTS, texts, strict=True)] == LEAF_STRINGS
    assert [draws.leaf_hash(b, t).hex() for b, t in zip(BALLOTS, texts, strict=True)] == LEAF_HEX
    leaves = [bytes.fromhex(h) for h in LEAF_HEX]
    assert draws.merkle_root(leaves).hex() == ROOT_HEX
    for serial, path in PATHS_HEX.items():
        assert [p.hex() for p in draws.audit_path(leaves, serial - 1)] == path
        proof = [bytes.fromhex(p) for p in path]
        assert draws.root_from_path(leaves[serial - 1], serial - 1, 5, proof).hex() == ROOT_HEX
    assert draws.commitment(SEED).hex() == COMMITMENT_HEX
    material = draws.draw_material(
        seed=SEED, game=GAME, date=DATE, count=5, root=bytes.fromhex(ROOT_HEX)
    )
    assert material.hex() == MATERIAL_HEX
    assert list(draws.picks(material, 5)) == FIRST_PICKS
    root, material, outcome = draws.outcome_from_leaves(
        leaves=VECTOR_LEAVES,
        seed=SEED,
        game=GAME,
        date=DATE,
        tie_rule="first",
        winners=1,
        alternates=2,
    )
    assert (root.hex(), material.hex()) == (ROOT_HEX, MATERIAL_HEX)
    assert as_tuples(outcome.winners) == WINNERS
    assert as_tuples(outcome.alternates) == ALTERNATES


@pytest.mark.parametrize(
    ("tie", "expected"), [("first", ALTERNATES_10_FIRST), ("share", ALTERNATES_10_SHARE)]
)
def test_fixed_vector_with_ten_alternates(tie, expected):
    *_, won, alt = ref_draw(SEED, GAME, DATE, BALLOTS, NUMBERS, tie, 1, 10)
    assert (won, alt) == (WINNERS, expected)
    _, _, outcome = draws.outcome_from_leaves(
        leaves=VECTOR_LEAVES,
        seed=SEED,
        game=GAME,
        date=DATE,
        tie_rule=tie,
        winners=1,
        alternates=10,
    )
    assert as_tuples(outcome.winners) == WINNERS
    assert as_tuples(outcome.alternates) == expected


# --- Basic functions --------------------------------------------------------------------------
def test_numbers_text_sorts_and_joins():
    assert draws.numbers_text([44, 3, 30, 12, 7]) == "3-7-12-30-44"
    assert draws.numbers_text((50,)) == "50"
    assert draws.numbers_text([]) == ""


def test_leaf_hash_is_prefixed_sha256_of_ballot_and_numbers():
    ballot = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
    expected = sha(b"\x00" + b"3f2504e0-4f89-41d3-9a0c-0305e82c3301|3-7-12-30-44")
    assert draws.leaf_hash(ballot, "3-7-12-30-44") == expected
    assert draws.leaf_hash(ballot, "3-7-12-30-45") != expected


def test_node_hash_is_prefixed_sha256_of_children():
    left, right = sha(b"l"), sha(b"r")
    assert draws.node_hash(left, right) == sha(b"\x01" + left + right)
    assert draws.node_hash(left, right) != draws.node_hash(right, left)


def test_commitment_and_material():
    seed = sha(b"some seed")
    assert draws.commitment(seed) == sha(seed)
    root = sha(b"root")
    got = draws.draw_material(
        seed=seed, game="g", date="2026-02-03", count=7, root=root, beacon="b42"
    )
    message = f"g|2026-02-03|7|{root.hex()}|b42".encode()
    assert got == hmac.new(seed, message, hashlib.sha256).digest()
    assert got != draws.draw_material(seed=seed, game="g", date="2026-02-03", count=7, root=root)


# --- RFC 6962 Merkle trees --------------------------------------------------------------------
# Certificate Transparency test data (google/certificate-transparency-go, merkle verifier tests;
# the same values appear in the C++ and Python CT sources).
CT_INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
             "606162636465666768696a6b6c6d6e6f"]  # fmt: skip
CT_LEAVES = [sha(b"\x00" + bytes.fromhex(h)) for h in CT_INPUTS]
CT_ROOTS = {
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
# (0-based index, tree size, audit path) from the same CT sources.
CT_PATHS = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip


@pytest.mark.parametrize("size", range(9))
def test_ct_reference_roots(size):
    leaves = CT_LEAVES[:size]
    assert draws.merkle_root(leaves).hex() == CT_ROOTS[size]
    assert ref_mth(leaves).hex() == CT_ROOTS[size]


def test_ct_known_leaf_hash_and_empty_root():
    assert CT_LEAVES[1].hex() == CT_PATHS[0][2][0]  # leaf hash of the one-byte input 00
    assert draws.EMPTY_ROOT == draws.MerkleBuilder().root() == sha(b"")


@pytest.mark.parametrize(("index", "size", "path"), CT_PATHS)
def test_ct_reference_audit_paths(index, size, path):
    leaves = CT_LEAVES[:size]
    assert [p.hex() for p in draws.audit_path(leaves, index)] == path
    got = draws.root_from_path(leaves[index], index, size, [bytes.fromhex(p) for p in path])
    assert got.hex() == CT_ROOTS[size]


@pytest.mark.parametrize("size", range(71))
def test_builder_matches_recursive_definition(size):
    leaves = [sha(b"leaf %d" % i) for i in range(size)]
    builder = draws.MerkleBuilder()
    for leaf in leaves:
        builder.add(leaf)
    assert builder.count == size
    assert builder.root() == ref_mth(leaves) == draws.merkle_root(leaves)
    assert len(builder._stack) == size.bit_count()  # O(log n) memory


@pytest.mark.parametrize("size", range(1, 18))
def test_audit_paths_for_every_index(size):
    leaves = [sha(b"leaf %d" % i) for i in range(size)]
    root = ref_mth(leaves)
    for index in range(size):
        path = draws.audit_path(leaves, index)
        assert path == ref_path(index, leaves)
        assert draws.root_from_path(leaves[index], index, size, path) == root
        assert draws.root_from_path(sha(b"other"), index, size, path) != root
        if path:
            with pytest.raises(ValueError, match="too short"):
                draws.root_from_path(leaves[index], index, size, path[:-1])
            bad = [sha(b"x"), *path[1:]]
            assert draws.root_from_path(leaves[index], index, size, bad) != root
        with pytest.raises(ValueError, match="too long"):
            draws.root_from_path(leaves[index], index, size, [*path, root])


def test_audit_path_and_root_from_path_reject_bad_indices():
    leaves = CT_LEAVES[:3]
    for index in (-1, 3):
        with pytest.raises(ValueError):
            draws.audit_path(leaves, index)
        with pytest.raises(ValueError):
            draws.root_from_path(leaves[0], index, 3, [])
    with pytest.raises(ValueError):
        draws.audit_path([], 0)


# --- Picks ------------------------------------------------------------------------------------
@pytest.mark.parametrize("count", [1, 2, 3, 5, 7, 8, 10, 33, 100])
def test_picks_are_a_deterministic_permutation(count):
    material = sha(b"material %d" % count)
    got = list(draws.picks(material, count))
    assert sorted(got) == list(range(count))
    assert got == list(draws.picks(material, count))
    assert got == [i for _, _, i in ref_picks(material, count, count) if i is not None]


def test_picks_of_nothing_and_order_depends_on_material():
    assert list(draws.picks(b"x", 0)) == []
    with pytest.raises(ValueError):
        list(draws.picks(b"x", -1))
    assert list(draws.picks(sha(b"a"), 50)) != list(draws.picks(sha(b"b"), 50))


def test_picks_reject_the_biased_tail():
    # With count = 2**255 + 1 the limit is count itself: about half of all x are rejected.
    count = 2**255 + 1
    material = sha(b"bias")
    steps = ref_picks(material, count, 20)
    assert any(x >= count for _, x, _ in steps)  # the rejection branch really ran
    picks = draws.picks(material, count)
    assert [next(picks) for _ in range(20)] == [i for _, x, i in steps if i is not None]


@pytest.mark.parametrize("count", [10, 7])
def test_first_pick_is_uniform(count):
    # Deterministic chi-square test: 20000 fixed seeds, 9 or 6 degrees of freedom, alpha 0.001.
    critical = {10: 27.877, 7: 22.458}[count]
    observed = [0] * count
    for k in range(20000):
        observed[next(draws.picks(sha(f"seed-{k}".encode()), count))] += 1
    expected = 20000 / count
    chi2 = sum((o - expected) ** 2 / expected for o in observed)
    assert chi2 < critical, (observed, chi2)


# --- Results ----------------------------------------------------------------------------------
def lookups(texts: list[str]):
    by_numbers: dict[str, list[int]] = {}
    for serial, text in enumerate(texts, 1):
        by_numbers.setdefault(text, []).append(serial)
    return (lambda serial: texts[serial - 1]), by_numbers.__getitem__, len(by_numbers)


def select(texts, tie="first", winners=1, alternates=10, material=b"m"):
    numbers_at, serials_with, distinct = lookups(texts)
    return draws.select_results(
        material=material,
        count=len(texts),
        distinct=distinct,
        tie_rule=tie,
        winners=winners,
        alternates=alternates,
        numbers_at=numbers_at,
        serials_with=serials_with,
    )


def test_tie_first_gives_the_earliest_serial():
    texts = ["1-2-3-4-5"] * 4 + ["6-7-8-9-10"] * 3
    for k in range(30):
        outcome = select(texts, material=sha(b"%d" % k))
        results = outcome.winners + outcome.alternates
        assert sorted(r.serials for r in results) == [(1,), (5,)]


def test_tie_share_gives_every_serial_one_rank():
    texts = ["1-2-3-4-5", "6-7-8-9-10", "1-2-3-4-5", "1-2-3-4-5"]
    for k in range(30):
        outcome = select(texts, tie="share", winners=2, alternates=0, material=sha(b"%d" % k))
        assert [r.rank for r in outcome.winners] == [1, 2]
        assert sorted(r.serials for r in outcome.winners) == [(1, 3, 4), (2,)]
        assert outcome.alternates == ()


@pytest.mark.parametrize("tie", ["first", "share"])
def test_alternates_follow_winners_and_never_repeat(tie):
    texts = [f"{k % 9}-{k % 9 + 10}" for k in range(40)]
    for k in range(20):
        material = sha(b"%d" % k)
        outcome = select(texts, tie=tie, winners=3, alternates=4, material=material)
        assert [r.rank for r in outcome.winners] == [1, 2, 3]
        assert [r.rank for r in outcome.alternates] == [1, 2, 3, 4]
        numbers = [r.numbers for r in outcome.winners + outcome.alternates]
        assert len(set(numbers)) == 7
        order = [texts[i] for i in draws.picks(material, 40)]
        assert numbers == list(dict.fromkeys(order))[:7]  # first-seen order of the picks


def test_stops_early_when_distinct_results_run_out():
    outcome = select(["1-2-3-4-5"] * 5, winners=1, alternates=10)
    assert as_tuples(outcome.winners) == [(1, (1,), "1-2-3-4-5")]
    assert outcome.alternates == ()
    share = select(["1-2-3-4-5"] * 5, tie="share", winners=2, alternates=10)
    assert as_tuples(share.winners) == [(1, (1, 2, 3, 4, 5), "1-2-3-4-5")]
    assert share.alternates == ()


def test_does_not_walk_every_pick():
    texts = [str(k) for k in range(1000)]
    numbers_at, serials_with, _ = lookups(texts)
    calls = []
    outcome = draws.select_results(
        material=b"m",
        count=1000,
        distinct=1000,
        tie_rule="first",
        winners=1,
        alternates=2,
        numbers_at=lambda s: calls.append(s) or numbers_at(s),
        serials_with=serials_with,
    )
    assert len(calls) == 3 and len(outcome.alternates) == 2


def test_unknown_tie_rule_raises():
    with pytest.raises(ValueError, match="tie rule"):
        select(["1-2"], tie="random")


def test_empty_draw_and_bad_serials():
    root, material, outcome = draws.outcome_from_leaves(
        leaves=[], seed=SEED, game=GAME, date=DATE, tie_rule="first", winners=1, alternates=10
    )
    assert (root, material, outcome) == (sha(b""), b"", draws.Outcome((), ()))
    with pytest.raises(ValueError, match="serial order"):
        draws.outcome_from_leaves(
            leaves=VECTOR_LEAVES[::-1],
            seed=SEED,
            game=GAME,
            date=DATE,
            tie_rule="first",
            winners=1,
            alternates=2,
        )


@pytest.mark.parametrize("tie", ["first", "share"])
def test_whole_draw_matches_the_reference(tie):
    for k in range(40):
        n = k % 13 + 1
        numbers = [[(k * 7 + s * s) % 4 + 1, 10 + s % 3] for s in range(n)]
        ballots = [f"00000000-0000-4000-8000-{s:012d}" for s in range(n)]
        seed = sha(b"seed %d" % k)
        _, root, material, won, alt = ref_draw(
            seed, GAME, DATE, ballots, numbers, tie, 2, 3, beacon="beacon"
        )
        items = [
            draws.Leaf(s, b, draws.numbers_text(ns))
            for s, (b, ns) in enumerate(zip(ballots, numbers, strict=True), 1)
        ]
        got = draws.outcome_from_leaves(
            leaves=items,
            seed=seed,
            game=GAME,
            date=DATE,
            tie_rule=tie,
            winners=2,
            alternates=3,
            beacon="beacon",
        )
        assert got[:2] == (root, material)
        assert (as_tuples(got[2].winners), as_tuples(got[2].alternates)) == (won, alt)


@pytest.mark.parametrize(("winners", "alternates"), [(-1, 2), (1, -1)])
def test_negative_winners_or_alternates_raise(winners, alternates):
    with pytest.raises(ValueError, match=">= 0"):
        select(["1-2", "3-4"], winners=winners, alternates=alternates)


def test_no_winner_and_no_alternate_asked_chooses_nothing():
    assert select(["1-2", "3-4"], winners=0, alternates=0) == draws.Outcome((), ())


def test_a_pick_whose_numbers_no_serial_holds_raises():
    numbers_at, _, distinct = lookups(["1-2", "3-4"])
    with pytest.raises(ValueError, match="no serial has the numbers"):
        draws.select_results(
            material=b"m",
            count=2,
            distinct=distinct,
            tie_rule="first",
            winners=1,
            alternates=0,
            numbers_at=numbers_at,
            serials_with=lambda numbers: [],
        )


def test_root_from_path_names_an_index_outside_the_tree():
    leaves = CT_LEAVES[:3]
    path = draws.audit_path(leaves, 2)
    for index in (-1, 3):
        with pytest.raises(ValueError, match="out of range"):
            draws.root_from_path(leaves[2], index, 3, path)
