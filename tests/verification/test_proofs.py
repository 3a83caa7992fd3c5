"""GET /draws/{game}/{date}/proof/{ballot}: O(log N) stored hashes, the same audit paths."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lottery import draws
from lottery.models import Ballot, DrawTree, DrawTreeBlock
from tests.conftest import bearer, postgres_only
from tests.verification.conftest import PAST, draw_with_ballots, serial_order


def proof_of(api, ballot):
    url = f"/api/v1/draws/daily/{PAST}/proof/{ballot.uuid}"
    return api.get(url, **bearer(ballot.player))


def verifies(proof: dict, root: str) -> bool:
    path = [bytes.fromhex(node) for node in proof["path"]]
    leaf = bytes.fromhex(proof["leaf"])
    return draws.root_from_path(leaf, proof["serial"] - 1, proof["tree_size"], path).hex() == root


@pytest.mark.django_db
@pytest.mark.parametrize("size", [*range(1, 18), 33])
def test_every_proof_equals_the_full_recompute_and_verifies(api, size):
    draw, _ = draw_with_ballots(size)
    ordered = serial_order(draw)
    leaves = [draws.leaf_hash(str(b.uuid), b.numbers) for b in ordered]
    for index, ballot in enumerate(ordered):
        response = proof_of(api, ballot)
        assert response.status_code == 200, response.content
        proof = response.json()
        assert proof["serial"] == index + 1
        assert proof["leaf"] == leaves[index].hex()
        assert proof["tree_size"] == size
        assert proof["path"] == [node.hex() for node in draws.audit_path(leaves, index)]
        assert verifies(proof, draw.merkle_root)


@pytest.mark.django_db
def test_a_proof_reads_stored_hashes_not_the_other_ballots(api):
    draw, _ = draw_with_ballots(40)
    ordered = serial_order(draw)
    # A ballot far from the asked one is altered after close: a proof that re-hashed every
    # ballot would no longer lead to the published root; one from the stored tree still does.
    Ballot.objects.filter(pk=ordered[-1].pk).update(numbers="1-2-3-4-5")
    response = proof_of(api, ordered[0])
    assert response.status_code == 200
    assert verifies(response.json(), draw.merkle_root)


def queries_for_a_proof(api, ballot) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert proof_of(api, ballot).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_a_proof_costs_the_same_queries_at_any_size(api):
    _, small_ballots = draw_with_ballots(3)
    large, large_ballots = draw_with_ballots(700, day=PAST.replace(day=11))
    count = queries_for_a_proof(api, small_ballots[1])
    large_url = f"/api/v1/draws/daily/{large.date}/proof/{large_ballots[650].uuid}"
    with CaptureQueriesContext(connection) as queries:
        response = api.get(large_url, **bearer(large_ballots[650].player))
    assert response.status_code == 200
    assert verifies(response.json(), large.merkle_root)
    assert len(queries) == count


@pytest.mark.django_db
def test_a_draw_closed_before_stored_trees_answers_and_keeps_its_tree(api):
    draw, ballots = draw_with_ballots(20)
    DrawTree.objects.filter(draw=draw).delete()
    DrawTreeBlock.objects.filter(draw=draw).delete()
    first = proof_of(api, ballots[7])
    assert first.status_code == 200
    assert verifies(first.json(), draw.merkle_root)
    assert DrawTree.objects.filter(draw=draw).count() == 1
    stored = DrawTreeBlock.objects.filter(draw=draw).count()
    assert proof_of(api, ballots[8]).status_code == 200
    assert DrawTreeBlock.objects.filter(draw=draw).count() == stored


@pytest.mark.django_db
def test_a_draw_whose_ballots_changed_gets_no_proof_of_an_old_tree(api):
    draw, ballots = draw_with_ballots(6)
    DrawTree.objects.filter(draw=draw).delete()
    DrawTreeBlock.objects.filter(draw=draw).delete()
    Ballot.objects.filter(pk=ballots[0].pk).update(numbers="1-2-3-4-5")
    response = proof_of(api, ballots[1])
    assert response.status_code == 409
    assert "detail" in response.json()
    assert not DrawTree.objects.filter(draw=draw).exists()


@postgres_only()
@pytest.mark.django_db(transaction=True)
def test_proofs_and_the_first_tree_of_an_old_draw_work_in_autocommit(api):
    draw, ballots = draw_with_ballots(300)
    assert verifies(proof_of(api, ballots[299]).json(), draw.merkle_root)
    DrawTree.objects.filter(draw=draw).delete()
    DrawTreeBlock.objects.filter(draw=draw).delete()
    response = proof_of(api, ballots[5])
    assert response.status_code == 200
    assert verifies(response.json(), draw.merkle_root)
    assert DrawTree.objects.filter(draw=draw).exists()
