"""GET …/proof/{ballot} as production serves it: autocommit, no test transaction around it."""

from datetime import date

import pytest
from django.test import Client
from model_bakery import baker

from lottery import draws
from lottery.services.draws import draw_get_or_create, draw_run
from tests.conftest import bearer, daily_game, postgres_only


@postgres_only()
@pytest.mark.django_db(transaction=True)
def test_the_owner_gets_a_proof_outside_any_transaction():
    # A server-side cursor needs a transaction block: outside one PostgreSQL refused it (500).
    draw = draw_get_or_create(game=daily_game(), day=date(2026, 2, 3))
    player = baker.make("accounts.User")
    ballots = [baker.make_recipe("lottery.ballot", draw=draw, player=player) for _ in range(5)]
    draw = draw_run(draw_id=draw.pk)
    url = f"/api/v1/draws/daily/2026-02-03/proof/{ballots[2].uuid}"
    response = Client().get(url, **bearer(player))
    assert response.status_code == 200, response.content
    proof = response.json()
    leaf, path = bytes.fromhex(proof["leaf"]), [bytes.fromhex(p) for p in proof["path"]]
    root = draws.root_from_path(leaf, proof["serial"] - 1, proof["tree_size"], path)
    assert root.hex() == draw.merkle_root
