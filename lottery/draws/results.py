"""From the committed seed to the results (SPEC section 2, steps 4-7): the draw material,
unbiased picks by rejection sampling, and the winners and alternates under the tie rule."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from .merkle import MerkleBuilder, leaf_hash

TIE_FIRST = "first"
TIE_SHARE = "share"
TIE_RULES = (TIE_FIRST, TIE_SHARE)

_sha256 = hashlib.sha256


def commitment(seed: bytes) -> bytes:
    """Return the published commitment sha256(seed)."""
    return _sha256(seed).digest()


def draw_material(
    *, seed: bytes, game: str, date: str, count: int, root: bytes, beacon: str = ""
) -> bytes:
    """Return HMAC-SHA256(key=seed, msg="{game}|{date}|{count}|{root_hex}|{beacon}")."""
    message = f"{game}|{date}|{count}|{root.hex()}|{beacon}".encode()
    return hmac.new(seed, message, hashlib.sha256).digest()


def picks(material: bytes, count: int) -> Iterator[int]:
    """Yield the distinct indices in [0, count) in draw order (spec step 5, no modulo bias)."""
    if count < 0:
        raise ValueError("count must be >= 0")
    if count == 0:
        return
    limit = 2**256 - (2**256 % count)
    seen: set[int] = set()
    base, from_bytes, left, j = _sha256(material), int.from_bytes, count, 0
    while left:
        h = base.copy()
        h.update(j.to_bytes(8, "big"))
        j += 1
        x = from_bytes(h.digest(), "big")
        if x >= limit:
            continue
        i = x % count
        if i in seen:
            continue
        seen.add(i)
        left -= 1
        yield i


@dataclass(frozen=True)
class Result:
    """One drawn result: its rank and the 1-based serials of its ballot(s)."""

    rank: int
    serials: tuple[int, ...]
    numbers: str


@dataclass(frozen=True)
class Outcome:
    """The winners and alternates of a draw, each ranked from 1."""

    winners: tuple[Result, ...]
    alternates: tuple[Result, ...]


def select_results(
    *,
    material: bytes,
    count: int,
    distinct: int,
    tie_rule: str,
    winners: int,
    alternates: int,
    numbers_at: Callable[[int], str],
    serials_with: Callable[[str], Sequence[int]],
) -> Outcome:
    """Map picks to results (spec step 6) until min(winners + alternates, distinct) are chosen."""
    if tie_rule not in TIE_RULES:
        raise ValueError(f"unknown tie rule {tie_rule!r}")
    if winners < 0 or alternates < 0:
        raise ValueError("winners and alternates must be >= 0")
    wanted = min(winners + alternates, distinct)
    chosen: list[tuple[tuple[int, ...], str]] = []
    used: set[str] = set()
    if wanted > 0:
        for i in picks(material, count):
            numbers = numbers_at(i + 1)
            if numbers in used:  # a result already chosen is skipped
                continue
            used.add(numbers)
            serials = tuple(sorted(serials_with(numbers)))
            if not serials:
                raise ValueError(f"no serial has the numbers {numbers!r} of serial {i + 1}")
            chosen.append((serials[:1] if tie_rule == TIE_FIRST else serials, numbers))
            if len(chosen) >= wanted:
                break
    return Outcome(
        winners=tuple(Result(r, s, n) for r, (s, n) in enumerate(chosen[:winners], 1)),
        alternates=tuple(Result(r, s, n) for r, (s, n) in enumerate(chosen[winners:], 1)),
    )


@dataclass(frozen=True)
class Leaf:
    """A ballot as it enters the tree: serial (1-based), uuid text and numbers text."""

    serial: int
    ballot: str
    numbers: str


def outcome_from_leaves(
    *,
    leaves: Sequence[Leaf],
    seed: bytes,
    game: str,
    date: str,
    tie_rule: str,
    winners: int,
    alternates: int,
    beacon: str = "",
) -> tuple[bytes, bytes, Outcome]:
    """Run the whole draw in memory; return (root, material, outcome); material b"" if empty."""
    if [leaf.serial for leaf in leaves] != list(range(1, len(leaves) + 1)):
        raise ValueError("leaves must be given in serial order 1..N")
    builder, by_numbers = MerkleBuilder(), dict[str, list[int]]()  # numbers text -> serials
    for leaf in leaves:
        builder.add(leaf_hash(leaf.ballot, leaf.numbers))
        by_numbers.setdefault(leaf.numbers, []).append(leaf.serial)
    root, count = builder.root(), len(leaves)
    if count == 0:  # spec step 3: no_entries, nothing is drawn
        return root, b"", Outcome((), ())
    material = draw_material(seed=seed, game=game, date=date, count=count, root=root, beacon=beacon)
    outcome = select_results(
        material=material,
        count=count,
        distinct=len(by_numbers),
        tie_rule=tie_rule,
        winners=winners,
        alternates=alternates,
        numbers_at=lambda serial: leaves[serial - 1].numbers,
        serials_with=by_numbers.__getitem__,
    )
    return root, material, outcome
