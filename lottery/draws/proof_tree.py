"""Audit paths in O(log N) reads: the upper levels of a draw's tree stored once, the lower
ones recomputed from one block of ballots."""

from __future__ import annotations

from collections.abc import Sequence

from .merkle import EMPTY_ROOT, _sha256, audit_path

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
