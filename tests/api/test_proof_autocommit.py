"""The proof and the serial readers work in autocommit, as under gunicorn (no test transaction)."""

from datetime import date

import pytest
from model_bakery import baker

from lottery import draws
from lottery.selectors.leaves import serial_ids, serial_rows
from lottery.services.draws import draw_get_or_create, draw_run
from tests.conftest import bearer, daily_game, postgres_only

PAST = date(2026, 1, 10)
pytestmark = [postgres_only(), pytest.mark.django_db(transaction=True)]


def closed_draw_with_ballots(n):
    draw = draw_get_or_create(game=daily_game(), day=PAST)
    player = baker.make("accounts.User")
    ballots = [baker.make_recipe("lottery.ballot", draw=draw, player=player) for _ in range(n)]
    return draw_run(draw_id=draw.pk), ballots


def test_owner_gets_the_proof_of_their_ballot_outside_a_transaction(api):
    draw, ballots = closed_draw_with_ballots(5)
    ballot = ballots[2]
    response = api.get(f"/api/v1/draws/daily/{PAST}/proof/{ballot.uuid}", **bearer(ballot.player))
    assert response.status_code == 200, response.content
    proof = response.json()
    leaf = bytes.fromhex(proof["leaf"])
    path = [bytes.fromhex(node) for node in proof["path"]]
    root = draws.root_from_path(leaf, proof["serial"] - 1, proof["tree_size"], path)
    assert root.hex() == draw.merkle_root


def test_serial_readers_stream_outside_a_transaction():
    draw, ballots = closed_draw_with_ballots(3)
    rows = list(serial_rows(draw=draw))
    assert sorted(str(b.uuid) for b in ballots) == sorted(uuid for _pk, uuid, _n in rows)
    assert list(serial_ids(draw=draw)) == [pk for pk, _u, _n in rows]


def test_an_abandoned_serial_stream_leaves_the_connection_usable():
    draw, _ = closed_draw_with_ballots(3)
    stream = serial_rows(draw=draw)
    next(stream)
    stream.close()
    assert len(serial_ids(draw=draw)) == 3
