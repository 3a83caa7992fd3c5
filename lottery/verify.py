"""Independent verifier of a published draw (stdlib only): python -m lottery.verify URL GAME DATE.

It fetches the published draw and its leaves, recomputes the commitment, every leaf, the
Merkle root (RFC 6962), the draw material, the picks, the winners and the alternates, and
prints one "ok ..." or "FAIL ..." line per check. Exit status: 0 valid, 1 any failure or
draw not drawn yet, 2 network, HTTP or JSON error.
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid
from array import array
from collections.abc import Callable, Iterable
from datetime import datetime

try:
    from lottery import draws
    from lottery.verify_http import (
        FetchError,
        JsonObject,
        fetch_json,
        fetch_leaves,
        fetch_leaves_file,
        quote,
    )
except ImportError:  # copied next to the draws/ folder and verify_http.py
    # mypy checks the package layout; these are the same modules copied side by side.
    import draws  # type: ignore[no-redef,import-not-found]
    from verify_http import (  # type: ignore[no-redef,import-not-found]
        FetchError,
        JsonObject,
        fetch_json,
        fetch_leaves,
        fetch_leaves_file,
        quote,
    )

__all__ = ["FetchError", "fetch_json", "fetch_leaves", "fetch_leaves_file", "main", "run_checks"]

Check = tuple[bool, str]
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _results(entries: list[JsonObject]) -> list[tuple[int, tuple[int, ...], str]]:
    """Group published entries by rank into (rank, serials, numbers text) results."""
    by_rank: dict[int, tuple[list[int], set[str]]] = {}
    for entry in entries:
        serials, numbers = by_rank.setdefault(int(entry["rank"]), ([], set()))
        serials.append(int(entry["serial"]))
        numbers.add(draws.numbers_text(entry["numbers"]))
    return [(r, tuple(sorted(s)), "/".join(sorted(n))) for r, (s, n) in sorted(by_rank.items())]


class Leaves:
    """What the checks keep of the leaves, streamed once: each ballot id as 16 bytes and each
    numbers text in one buffer (about 40 MB at 1M ballots), not a dict per leaf."""

    def __init__(self) -> None:
        self.count = 0
        self.ballots = bytearray()
        self.numbers = bytearray()
        self.ends = array("Q")
        self.distinct: set[bytes] = set()
        self.root = draws.EMPTY_ROOT

    def add(self, ballot: str, numbers: str) -> None:
        self.count += 1
        self.ballots += _ballot_bytes(ballot)
        text = numbers.encode()
        self.numbers += text
        self.ends.append(len(self.numbers))
        self.distinct.add(text)

    def ballot(self, serial: int) -> str | None:
        if not 1 <= serial <= self.count:
            return None
        raw = bytes(self.ballots[16 * (serial - 1) : 16 * serial])
        return str(uuid.UUID(bytes=raw)) if any(raw) else None

    def numbers_at(self, serial: int) -> str:
        start = self.ends[serial - 2] if serial > 1 else 0
        return self.numbers[start : self.ends[serial - 1]].decode()

    def serials_with(self, numbers: str) -> list[int]:
        return [s for s in range(1, self.count + 1) if self.numbers_at(s) == numbers]


def _ballot_bytes(ballot: str) -> bytes:
    """16 bytes of a canonical uuid text; zeros for anything else (its id check fails)."""
    return uuid.UUID(ballot).bytes if _UUID.fullmatch(ballot) else bytes(16)


def _leaf_checks(
    draw: JsonObject, leaves: Iterable[JsonObject], check: Callable[[bool, str, str], None]
) -> Leaves:
    """Check the count, serials, ids, leaf hashes, ordering and Merkle root of the leaves,
    reading them once; return what the later checks need."""
    kept, builder = Leaves(), draws.MerkleBuilder()
    bad_serial = bad_leaf = bad_id = bad_order = None
    previous: tuple[datetime, str] | None = None
    for pos, item in enumerate(leaves, 1):
        ballot, numbers = item["ballot"], draws.numbers_text(item["numbers"])
        if bad_serial is None and item["serial"] != pos:
            bad_serial = pos
        leaf = draws.leaf_hash(ballot, numbers)
        builder.add(leaf)
        if bad_leaf is None and leaf.hex() != item["leaf"].lower():
            bad_leaf = pos
        if bad_id is None and not _UUID.fullmatch(ballot):
            bad_id = pos
        key = (datetime.fromisoformat(item["created_at"]), ballot)
        if bad_order is None and previous is not None and previous > key:
            bad_order = pos
        previous = key
        kept.add(ballot, numbers)
    n, count = kept.count, draw["ballots_count"]
    if n == 0:  # nothing to number, hash or order: only the empty tree's root is left to check
        check(not count, "no ballots, as ballots_count says", f"no leaves, ballots_count {count}")
        _root_check(draw, builder, check)
        return kept
    check(n == count, f"{n} leaves, as ballots_count says", f"{n} leaves, ballots_count {count}")
    why = f"serials not 1..{n} at position {bad_serial}"
    check(bad_serial is None, f"serials are 1..{n} in order", why)
    ok = bad_id is None
    check(ok, "ballot ids are lowercase uuids", f"ballot id of serial {bad_id} is not canonical")
    ok = bad_leaf is None
    check(ok, "every leaf hash matches", f"leaf of serial {bad_leaf} does not match its ballot")
    why = f"ballot order broken: serial {bad_order} sorts before serial {(bad_order or 0) - 1}"
    check(bad_order is None, "ballots are ordered by (created_at, ballot)", why)
    _root_check(draw, builder, check)
    kept.root = builder.root()
    return kept


def _root_check(
    draw: JsonObject, builder: draws.MerkleBuilder, check: Callable[[bool, str, str], None]
) -> None:
    root, published = builder.root().hex(), draw["merkle_root"]
    check(
        root == published.lower(), f"merkle root {root}", f"merkle root is {root}, not {published}"
    )


def _checks(draw: JsonObject, leaves: Iterable[JsonObject]) -> list[Check]:
    """Run every check that applies to the draw's status."""
    out: list[Check] = []

    def check(ok: bool, good: str, bad: str) -> None:
        out.append((ok, good if ok else bad))

    status, commit, seed_hex = draw["status"], draw["commitment"].lower(), draw.get("seed")
    if seed_hex is None:
        why = f"seed not revealed although the status is {status}"
        check(status not in ("drawn", "no_entries"), f"commitment {commit} published", why)
    else:
        ok = draws.commitment(bytes.fromhex(seed_hex)).hex() == commit
        why = f"seed does not hash to the commitment {commit}"
        check(ok, f"seed hashes to the commitment {commit}", why)
    if status in ("open", "closed"):
        return [*out, (False, f"draw not drawn yet (status {status})")]
    if status not in ("drawn", "no_entries", "void"):
        return [*out, (False, f"unknown status {status!r}")]
    kept = Leaves()
    if draw.get("merkle_root") is not None:
        kept = _leaf_checks(draw, leaves, check)
    elif status != "void":
        check(False, "", f"merkle_root not published although the status is {status}")
    if status == "void":
        return [*out, (False, "draw is void: there is no result to verify")]
    if status == "no_entries":
        check(not kept.count and not draw["ballots_count"], "no ballots", "no_entries with ballots")
        check(not draw["winners"] and not draw["alternates"], "no winners", "no_entries winners")
        return out
    if not kept.count:
        return [*out, (False, "a drawn draw without leaves: nothing to recompute")]
    material = draws.draw_material(
        seed=bytes.fromhex(seed_hex or ""),
        game=draw["game"],
        date=draw["date"],
        count=kept.count,
        root=kept.root,
        beacon=draw.get("beacon") or "",
    )
    outcome = draws.select_results(
        material=material,
        count=kept.count,
        distinct=len(kept.distinct),
        tie_rule=draw["tie_rule"],
        winners=int(draw["winners_per_draw"]),
        alternates=int(draw["alternates_per_draw"]),
        numbers_at=kept.numbers_at,
        serials_with=kept.serials_with,
    )
    published_material = str(draw["material"])
    why = f"material is {material.hex()}, not {published_material}"
    check(material.hex() == published_material.lower(), f"material {material.hex()}", why)
    for name, results in (("winners", outcome.winners), ("alternates", outcome.alternates)):
        computed = [(r.rank, r.serials, r.numbers) for r in results]
        published = _results(draw[name])
        why = f"{name} differ: recomputed {computed}, published {published}"
        check(published == computed, f"{name} (rank, serials, numbers) {computed}", why)
        wrong = [e["serial"] for e in draw[name] if kept.ballot(e["serial"]) != e["ballot"]]
        check(not wrong, f"{name} ballot ids match", f"{name} ballot ids wrong at serials {wrong}")
    # A redraw promotes the next alternate each time a winning result is fully disqualified:
    # a winner rank, or an alternate rank that had been promoted and was disqualified in turn.
    lost: dict[tuple[str, int], bool] = {}
    for name in ("winners", "alternates"):
        for entry in draw[name]:
            if name == "alternates" and not entry["promoted"]:
                continue
            key = (name, entry["rank"])
            lost[key] = lost.get(key, True) and bool(entry.get("disqualified", False))
    alternate_ranks = {e["rank"] for e in draw["alternates"]}
    k = min(sum(lost.values()), len(alternate_ranks))
    promoted = {e["rank"] for e in draw["alternates"] if e["promoted"]}
    unpromoted = {e["rank"] for e in draw["alternates"] if not e["promoted"]}
    ok = promoted == set(range(1, k + 1)) and not promoted & unpromoted
    why = f"promoted alternates are ranks {sorted(promoted)}, expected the first {k}"
    check(ok, f"{k} alternate(s) promoted, one per fully disqualified result", why)
    return out


def verify_published(draw: JsonObject, leaves: Iterable[JsonObject]) -> list[str]:
    """Return the failure messages for a published draw and its leaves (empty = valid)."""
    return [line for ok, line in run_checks(draw, leaves) if not ok]


def run_checks(draw: JsonObject, leaves: Iterable[JsonObject]) -> list[Check]:
    """Return every (ok, message) check; malformed published data is itself a failure."""
    try:
        return _checks(draw, leaves)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return [(False, f"malformed published data: {type(exc).__name__}: {exc}")]


def main(argv: list[str] | None = None) -> int:
    """Verify one published draw; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m lottery.verify", description=__doc__)
    parser.add_argument("url", help="site base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("game", help="game slug, e.g. daily")
    parser.add_argument("date", help="draw date, YYYY-MM-DD")
    parser.add_argument(
        "--pages", action="store_true", help="page through the leaves, not the one-file download"
    )
    args = parser.parse_args(argv)
    base = args.url.rstrip("/")
    print(f"verifying draw {args.game} {args.date} published at {base}")
    try:
        draw = fetch_json(f"{base}/api/v1/draws/{quote(args.game)}/{quote(args.date)}")
        if not isinstance(draw, dict):
            raise FetchError("the draw is not a JSON object")
        fetched = draw.get("status") not in ("open", "closed") and draw.get("merkle_root")
        leaves: Iterable[JsonObject] = []
        if fetched:
            whole = None if args.pages else fetch_leaves_file(base, args.game, args.date)
            print(
                f"leaves from {'pages' if whole is None else 'the one-file download'}",
                file=sys.stderr,
            )
            leaves = fetch_leaves(base, args.game, args.date) if whole is None else whole
        checks = run_checks(draw, leaves)  # the leaves are read as the checks stream them
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for ok, line in checks:
        print(f"{'ok' if ok else 'FAIL'} {line}")
    failures = sum(not ok for ok, _ in checks)
    print("draw is VALID" if not failures else f"draw is NOT VERIFIED: {failures} check(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
