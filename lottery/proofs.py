"""The stored proof tree of a closed draw, and the audit paths read from it. Written once,
at close (draw_close), or the first time a proof is asked of a draw closed before it existed.

A proof then reads one block of ballots and a few stored hashes (lottery.draws, "Audit paths
in O(log N) reads") instead of re-reading and re-hashing every ballot of the draw.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db import connection, transaction

from core.errors import ServiceError
from lottery import draws
from lottery.models import Ballot, Draw, DrawTree, DrawTreeBlock
from lottery.selectors.leaves import draw_closed_check, serial_rows

_BALLOT, _TREE, _BLOCK = (model._meta.db_table for model in (Ballot, DrawTree, DrawTreeBlock))
_IN_CHUNK = 5000  # ids per IN (...): under SQLite's limit on parameters


def tree_build(*, draw: Draw) -> tuple[bytes, int]:
    """Hash a draw's ballots in serial order once; store what its proofs need and return
    (Merkle root, ballots count). The caller holds the draw's row lock."""
    bits = draws.block_bits_for(Ballot.objects.filter(draw=draw).count())
    builder = draws.ProofTreeBuilder(bits)
    add, leaf_hash, mask, firsts = builder.add, draws.leaf_hash, (1 << bits) - 1, []
    for serial, (pk, uuid_text, numbers) in enumerate(serial_rows(draw=draw)):
        if not serial & mask:
            firsts.append(pk)
        add(leaf_hash(uuid_text, numbers))
    root, upper = builder.finish()
    DrawTree.objects.filter(draw=draw).delete()
    DrawTreeBlock.objects.filter(draw=draw).delete()
    DrawTree.objects.create(draw=draw, size=builder.count, block_bits=bits, upper=upper)
    keys: dict[int, tuple[datetime, UUID]] = {}  # first ballot of each block: its sort key
    for lo in range(0, len(firsts), _IN_CHUNK):
        chunk = Ballot.objects.filter(pk__in=firsts[lo : lo + _IN_CHUNK])
        keys.update((pk, (at, u)) for pk, at, u in chunk.values_list("pk", "created_at", "uuid"))
    DrawTreeBlock.objects.bulk_create(
        (
            DrawTreeBlock(draw=draw, number=number, created_at=keys[pk][0], ballot_uuid=keys[pk][1])
            for number, pk in enumerate(firsts)
        ),
        batch_size=2000,
    )
    return root, builder.count


@transaction.atomic
def tree_ensure(*, draw_id: int) -> None:
    """Store the proof tree of a draw closed before trees were stored (once: under the
    draw's row lock, a second caller finds it done)."""
    draw = Draw.objects.select_for_update().get(pk=draw_id)
    if draw.ballots_count is None or DrawTree.objects.filter(draw=draw).exists():
        return
    root, count = tree_build(draw=draw)
    if (root.hex(), count) != (draw.merkle_root, draw.ballots_count):
        raise ServiceError(
            "This draw's ballots no longer match its published Merkle root: no proof.",
            status=409,
        )


@dataclass(frozen=True)
class Proof:
    serial: int
    leaf: str
    merkle_root: str
    tree_size: int
    path: list[str]


# The block of a ballot: the last stored first-of-block key at or before the ballot's
# (created_at, uuid), then the block's ballots from the serial index; row values compare
# keys on both databases and let each use its index (O(log N) for any N).
_BLOCK_OF = (
    f"SELECT {{number}} FROM {_BLOCK} WHERE draw_id = %s "  # noqa: S608
    "AND (created_at, ballot_uuid) <= (%s, %s) ORDER BY created_at DESC, ballot_uuid DESC LIMIT 1"
)
_BLOCK_SQL = (
    "SELECT ("  # noqa: S608 (constants only; every value is a parameter)
    + _BLOCK_OF.format(number="number")
    + f"), {{uuid}}, numbers FROM {_BALLOT} "
    f"WHERE draw_id = %s AND (created_at, {_BALLOT}.uuid) >= ("
    + _BLOCK_OF.format(number="created_at, ballot_uuid")
    + f") ORDER BY created_at, {_BALLOT}.uuid LIMIT %s"
)


def _block_of(draw: Draw, ballot: Ballot, block_bits: int) -> list[tuple[int, str, str]]:
    """(block number, uuid text, numbers) of the ballots in the block holding ``ballot``."""
    fields = Ballot._meta
    key = (
        draw.pk,
        fields.get_field("created_at").get_db_prep_value(ballot.created_at, connection),
        fields.get_field("uuid").get_db_prep_value(ballot.uuid, connection),
    )
    uuid_text = f"{_BALLOT}.uuid::text" if connection.vendor == "postgresql" else "uuid"
    with connection.cursor() as cursor:
        cursor.execute(_BLOCK_SQL.format(uuid=uuid_text), [*key, draw.pk, *key, 1 << block_bits])
        rows = cursor.fetchall()
    if connection.vendor != "postgresql":  # SQLite stores the uuid as 32 hex digits
        rows = [(number, str(UUID(u)), numbers) for number, u, numbers in rows]
    return rows


def _upper_nodes(draw: Draw, offsets: list[int]) -> tuple[int, int, list[bytes]] | None:
    """(block_bits, size, the stored nodes at these byte offsets), or None if not stored."""
    nodes = ", ".join(["substr(upper, %s, 32)"] * len(offsets))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT block_bits, size{', ' if nodes else ''}{nodes} "  # noqa: S608 (no input)
            f"FROM {_TREE} WHERE draw_id = %s",
            [*(offset + 1 for offset in offsets), draw.pk],
        )
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1], [bytes(node) for node in row[2:]])


def ballot_proof(*, draw: Draw, ballot: Ballot) -> Proof:
    """RFC 6962 audit path of one ballot in its closed draw's tree, from one block of
    ballots and O(log N) stored hashes: a constant number of indexed queries."""
    draw_closed_check(draw)
    size = draw.ballots_count or 0
    bits = draws.block_bits_for(size)
    rows = _block_of(draw, ballot, bits)
    if not rows:  # closed before proof trees were stored: store it once, then answer
        tree_ensure(draw_id=draw.pk)
        rows = _block_of(draw, ballot, bits)
    target = str(ballot.uuid)
    local = next((i for i, (_n, u, _) in enumerate(rows) if u == target), None)
    if local is None:
        raise ServiceError("This ballot is not in the draw's stored tree.", status=409)
    index = (rows[0][0] << bits) + local
    stored = _upper_nodes(draw, draws.upper_path_offsets(index, size, bits))
    if stored is None or stored[:2] != (bits, size):
        raise ServiceError("The draw's proof tree does not match its ballots count.", status=409)
    leaves = [draws.leaf_hash(u, numbers) for _n, u, numbers in rows]
    path = draws.audit_path_in_block(leaves, index, stored[2], bits)
    return Proof(
        serial=index + 1,
        leaf=leaves[local].hex(),
        merkle_root=draw.merkle_root,
        tree_size=size,
        path=[node.hex() for node in path],
    )
