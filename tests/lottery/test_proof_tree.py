"""Audit paths from the stored upper levels (lottery/draws/proof_tree.py) are exactly RFC 6962's
PATH(m, D[n]) for every size, index and block size; what is stored and its bounds."""

from __future__ import annotations

import hashlib

import pytest

from lottery import draws


def leaves(n: int) -> list[bytes]:
    return [draws.leaf_hash(f"ballot-{i}", "1-2-3-4-5") for i in range(n)]


def stored(n: int, block_bits: int) -> tuple[bytes, bytes]:
    builder = draws.ProofTreeBuilder(block_bits)
    for leaf in leaves(n):
        builder.add(leaf)
    assert builder.count == n
    return builder.finish()


def path_from_store(tree: list[bytes], upper: bytes, index: int, block_bits: int) -> list[bytes]:
    """What the proof endpoint does: one block of leaves plus the named stored nodes."""
    size = len(tree)
    start = (index >> block_bits) << block_bits
    block = tree[start : start + (1 << block_bits)]
    offsets = draws.upper_path_offsets(index, size, block_bits)
    nodes = [upper[o : o + draws.HASH_SIZE] for o in offsets]
    return draws.audit_path_in_block(block, index, nodes, block_bits)


@pytest.mark.parametrize("block_bits", [0, 1, 2, 3])
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 33])
def test_every_path_from_the_stored_levels_is_rfc6962s(n, block_bits):
    tree = leaves(n)
    root, upper = stored(n, block_bits)
    assert root == draws.merkle_root(tree)
    assert len(upper) == sum(draws.level_sizes(n, block_bits)) * draws.HASH_SIZE
    for index in range(n):
        path = path_from_store(tree, upper, index, block_bits)
        assert path == draws.audit_path(tree, index), (n, block_bits, index)
        assert draws.root_from_path(tree[index], index, n, path) == root


def test_the_stored_levels_are_the_tree_nodes_from_the_block_level_up():
    tree = leaves(5)
    _, upper = stored(5, 1)
    node = draws.node_hash
    level1 = [node(tree[0], tree[1]), node(tree[2], tree[3]), tree[4]]
    level2 = [node(level1[0], level1[1]), level1[2]]
    level3 = [node(level2[0], level2[1])]
    assert upper == b"".join(level1 + level2 + level3)


def test_an_empty_tree_stores_nothing_and_has_the_empty_root():
    assert stored(0, 3) == (hashlib.sha256(b"").digest(), b"")
    assert draws.level_sizes(0, 3) == []


@pytest.mark.parametrize(
    ("size", "block_bits", "sizes"),
    [
        (1, 0, [1]),
        (2, 0, [2, 1]),
        (5, 1, [3, 2, 1]),
        (8, 2, [2, 1]),
        (9, 2, [3, 2, 1]),
        (4, 3, [1]),
    ],
)
def test_level_sizes(size, block_bits, sizes):
    assert draws.level_sizes(size, block_bits) == sizes


@pytest.mark.parametrize(
    ("size", "bits"),
    [(0, 0), (1, 0), (3, 1), (4, 1), (16, 2), (255, 4), (1_000, 5), (70_000, 8), (10**9, 8)],
)
def test_a_block_is_about_the_square_root_of_the_draw_and_at_most_256_leaves(size, bits):
    assert draws.MAX_BLOCK_BITS == 8
    assert draws.block_bits_for(size) == bits


@pytest.mark.parametrize("index", [-1, 5, 6])
def test_offsets_refuse_an_index_outside_the_tree(index):
    with pytest.raises(ValueError, match="out of range"):
        draws.upper_path_offsets(index, 5, 1)


def test_offsets_name_the_sibling_of_each_level_above_the_block():
    # 5 leaves, blocks of 2: level 1 holds 3 nodes, level 2 two, level 3 the root.
    assert draws.upper_path_offsets(0, 5, 1) == [1 * 32, (3 + 1) * 32]
    assert draws.upper_path_offsets(4, 5, 1) == [(3 + 0) * 32]  # the odd node: one sibling
