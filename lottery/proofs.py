"""The stored proof tree of a closed draw: written once, at close (services.draw_close), or
the first time a proof is asked of a draw closed before it existed.

A proof then reads one block of ballots and a few stored hashes (lottery.draws, "Audit paths
in O(log N) reads") instead of re-reading and re-hashing every ballot of the draw.
"""

from django.db import transaction

from core.errors import ServiceError
from lottery import draws, selectors
from lottery.models import Ballot, Draw, DrawTree, DrawTreeBlock

_IN_CHUNK = 5000  # ids per IN (...): under SQLite's limit on parameters


def tree_build(*, draw: Draw) -> tuple[bytes, int]:
    """Hash a draw's ballots in serial order once; store what its proofs need and return
    (Merkle root, ballots count). The caller holds the draw's row lock."""
    bits = draws.block_bits_for(Ballot.objects.filter(draw=draw).count())
    builder = draws.ProofTreeBuilder(bits)
    add, leaf_hash, mask, firsts = builder.add, draws.leaf_hash, (1 << bits) - 1, []
    for serial, (pk, uuid_text, numbers) in enumerate(selectors.serial_rows(draw=draw)):
        if not serial & mask:
            firsts.append(pk)
        add(leaf_hash(uuid_text, numbers))
    root, upper = builder.finish()
    DrawTree.objects.filter(draw=draw).delete()
    DrawTreeBlock.objects.filter(draw=draw).delete()
    DrawTree.objects.create(draw=draw, size=builder.count, block_bits=bits, upper=upper)
    keys = {}
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
