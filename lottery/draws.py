"""The verifiable draw of SPEC section 2 as pure functions (stdlib only, no Django, no clock).

Everything here is deterministic: given the published inputs, anyone can recompute the
leaves, the Merkle root (RFC 6962 section 2.1), the draw material and the results.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

TIE_FIRST = "first"
TIE_SHARE = "share"
TIE_RULES = (TIE_FIRST, TIE_SHARE)

_sha256 = hashlib.sha256
# RFC 6962 section 2.1: MTH({}) = SHA-256 of the empty string.
EMPTY_ROOT = _sha256(b"").digest()


def numbers_text(numbers: Iterable[int]) -> str:
    """Return the canonical numbers text: sorted, decimal, '-' joined ("3-7-12-30-44")."""
    return "-".join(map(str, sorted(numbers)))


def numbers_list(text: str) -> list[int]:
    """The numbers of a canonical numbers text (the inverse of numbers_text)."""
    return [int(n) for n in text.split("-")]


def leaf_hash(ballot: str, numbers: str) -> bytes:
    """Return the leaf hash sha256(0x00 || "{ballot}|{numbers}") (RFC 6962 leaf prefix 0x00)."""
    # "\x00" encodes to the single byte 0x00 in UTF-8: one concatenation, one encode.
    return _sha256(("\x00" + ballot + "|" + numbers).encode()).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the interior node hash sha256(0x01 || left || right) (RFC 6962 section 2.1)."""
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Return k, the largest power of two smaller than n (n >= 2), per RFC 6962 section 2.1."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleBuilder:
    """Streaming RFC 6962 Merkle Tree Hash over leaf hashes, in O(log n) memory."""

    __slots__ = ("_stack", "count")

    def __init__(self) -> None:
        """Start an empty tree."""
        # _stack holds the roots of perfect subtrees, largest (leftmost) first; their sizes
        # are the set bits of count, from the highest down.
        self._stack: list[bytes] = []
        self.count: int = 0

    def add(self, leaf: bytes) -> None:
        """Append one leaf hash (already computed with leaf_hash)."""
        stack, n, h = self._stack, self.count, leaf
        # Each trailing one bit of count is a perfect subtree of the new leaf's size: merge.
        while n & 1:
            h = _sha256(b"\x01" + stack.pop() + h).digest()
            n >>= 1
        stack.append(h)
        self.count += 1

    def root(self) -> bytes:
        """Return the Merkle Tree Hash of the leaves added so far (empty tree: sha256(b""))."""
        stack = self._stack
        if not stack:
            return EMPTY_ROOT
        # RFC 6962 section 2.1: MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])) with k the largest
        # power of two < n; the stack's leftmost entry is exactly MTH(D[0:k]), so folding
        # right-to-left reproduces the recursive definition.
        h = stack[-1]
        for left in reversed(stack[:-1]):
            h = _sha256(b"\x01" + left + h).digest()
        return h


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """Return the RFC 6962 Merkle Tree Hash of a list of leaf hashes."""
    builder = MerkleBuilder()
    for leaf in leaves:
        builder.add(leaf)
    return builder.root()


def audit_path(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Return the RFC 6962 section 2.1.1 audit path PATH(index, D[n]), leaf side first."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} out of range for a tree of {n} leaves")
    path: list[bytes] = []
    lo, hi = 0, n
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:  # PATH(m, D[0:k]) : MTH(D[k:n])
            path.append(merkle_root(leaves[lo + k : hi]))
            hi = lo + k
        else:  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            path.append(merkle_root(leaves[lo : lo + k]))
            lo += k
    path.reverse()  # the outermost sibling comes last in RFC 6962's recursion
    return path


def root_from_path(leaf: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes:
    """Recompute the root from a leaf hash and its audit path (RFC 9162 section 2.1.3.2)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} out of range for a tree of {size} leaves")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ValueError("audit path too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("audit path too short")
    return r


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


# Audit paths in O(log N) reads (SPEC section 7: "Proofs read O(log N) stored hashes").
#
# RFC 6962 section 2.1 splits a tree of n leaves at k, the largest power of two < n. The
# same tree, read bottom-up, pairs the nodes of each level left to right and carries an
# unpaired last node up unchanged: node j of level i is MTH(D[j*2**i : (j+1)*2**i]) (cut at
# n), and PATH(m, D[n]) (RFC 6962 section 2.1.1, RFC 9162 section 2.1.3.1) is, leaf side
# first, the sibling (m >> i) ^ 1 of every level i that has one. The levels below
# ``block_bits`` are recomputed from one block of 2**block_bits consecutive leaves (read
# from the ballots); the levels from ``block_bits`` up (about 2n / 2**block_bits hashes)
# are stored once per draw, concatenated, so that a proof reads one block and a few hashes.

HASH_SIZE = 32
MAX_BLOCK_BITS = 8


def block_bits_for(size: int) -> int:
    """The block size (as a power of two) of a tree of ``size`` leaves: about sqrt(size),
    at most 2**MAX_BLOCK_BITS (256 leaves, a few milliseconds to read and hash)."""
    return min(MAX_BLOCK_BITS, size.bit_length() // 2)


def level_sizes(size: int, block_bits: int) -> list[int]:
    """How many nodes each stored level holds, from level ``block_bits`` up to the root."""
    if size == 0:
        return []
    sizes = [-(-size >> block_bits)]  # ceil(size / 2**block_bits)
    while sizes[-1] > 1:
        sizes.append((sizes[-1] + 1) // 2)
    return sizes


def upper_path_offsets(index: int, size: int, block_bits: int) -> list[int]:
    """Byte offsets, in the stored upper levels, of the audit path nodes of leaf ``index``
    above its block (levels ``block_bits`` and up), leaf side first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} out of range for a tree of {size} leaves")
    offsets, base, j = [], 0, index >> block_bits
    for count in level_sizes(size, block_bits):
        sibling = j ^ 1
        if sibling < count:
            offsets.append((base + sibling) * HASH_SIZE)
        base += count
        j >>= 1
    return offsets


def _level_up(level: list[bytes]) -> list[bytes]:
    """The next level: pairs hashed left to right, an unpaired last node carried up."""
    it = iter(level)
    up = [_sha256(b"\x01" + a + b).digest() for a, b in zip(it, it)]  # noqa: B905 (odd tail)
    if len(level) & 1:
        up.append(level[-1])
    return up


class ProofTreeBuilder:
    """Streaming RFC 6962 root that also keeps the tree's levels from ``block_bits`` up.

    Memory: one block of leaves plus about 2n / 2**block_bits hashes (250 KB at 1M leaves).
    """

    __slots__ = ("_block", "_block_size", "_blocks", "block_bits", "count")

    def __init__(self, block_bits: int) -> None:
        """Start an empty tree whose stored levels begin at ``block_bits``."""
        self.block_bits = block_bits
        self._block_size = 1 << block_bits
        self._block: list[bytes] = []
        self._blocks: list[bytes] = []  # the roots of the full blocks so far
        self.count = 0

    def add(self, leaf: bytes) -> None:
        """Append one leaf hash."""
        block = self._block
        block.append(leaf)
        self.count += 1
        if len(block) == self._block_size:
            self._blocks.append(self._block_root(block))
            self._block = []

    @staticmethod
    def _block_root(block: list[bytes]) -> bytes:
        while len(block) > 1:
            block = _level_up(block)
        return block[0]

    def finish(self) -> tuple[bytes, bytes]:
        """Return (root, stored levels): the levels from ``block_bits`` up, concatenated."""
        level = list(self._blocks)
        if self._block:
            level.append(self._block_root(self._block))
        if not level:
            return EMPTY_ROOT, b""
        levels = [level]
        while len(level) > 1:
            level = _level_up(level)
            levels.append(level)
        return level[0], b"".join(h for lvl in levels for h in lvl)


def audit_path_in_block(
    block: Sequence[bytes], index: int, upper: Sequence[bytes], block_bits: int
) -> list[bytes]:
    """PATH(index, D[n]) from the leaves of the block holding ``index`` and the stored
    upper nodes that ``upper_path_offsets`` named (RFC 6962 section 2.1.1)."""
    local = index & ((1 << block_bits) - 1)
    return [*audit_path(block, local), *upper]
