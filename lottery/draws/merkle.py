"""Leaves and the RFC 6962 Merkle tree of a draw's ballots (SPEC section 2, steps 1-2)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

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
