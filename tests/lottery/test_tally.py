"""The per-draw limit is kept as one tally row per player and draw, never by counting."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lottery.models import Ballot, BallotTally, Game
from lottery.services.draws import draw_get_or_create
from tests.helpers import make_ballots

pytestmark = pytest.mark.django_db


def post(api, url, auth, body):
    return api.post(url, body, content_type="application/json", **auth)


def tallies(player) -> dict:
    return {t.draw.date: t.ballots for t in BallotTally.objects.filter(player=player)}


def actual(player) -> dict:
    counts: dict = {}
    for ballot in Ballot.objects.filter(player=player).select_related("draw"):
        counts[ballot.draw.date] = counts.get(ballot.draw.date, 0) + 1
    return counts


def test_every_ballot_played_is_in_its_tally_and_refusals_add_nothing(api, auth, player, game):
    Game.objects.filter(pk=game.pk).update(max_ballots_per_player=5)
    today = game.today_for(timezone.now())
    assert post(api, "/api/v1/lotteries", auth, {"quick_pick": True}).status_code == 201
    ticket = {"lines": [{"quick_pick": True}] * 2, "draws": 3}
    assert post(api, "/api/v1/tickets", auth, ticket).status_code == 201
    assert (
        tallies(player)
        == actual(player)
        == {
            today: 3,
            today + timedelta(days=1): 2,
            today + timedelta(days=2): 2,
        }
    )
    # Over the limit in today's draw: refused whole, no tally moves.
    refused = post(api, "/api/v1/tickets", auth, {"lines": [{"quick_pick": True}] * 3})
    assert refused.status_code == 422
    assert tallies(player) == actual(player)
    assert post(api, "/api/v1/tickets", auth, {"lines": [{"quick_pick": True}] * 2}).json()
    assert tallies(player)[today] == 5 == actual(player)[today]


def test_ballots_of_other_players_in_the_draw_do_not_count(api, auth, player, game):
    Game.objects.filter(pk=game.pk).update(max_ballots_per_player=1)
    post(api, "/api/v1/lotteries", auth, {"quick_pick": True})
    draw = Ballot.objects.get(player=player).draw
    make_ballots(draw, 50)  # others'
    assert post(api, "/api/v1/lotteries", auth, {"quick_pick": True}).status_code == 422
    assert tallies(player) == {draw.date: 1}


def test_playing_never_counts_the_draws_ballots(api, auth, game):
    post(api, "/api/v1/lotteries", auth, {"quick_pick": True})  # the draw exists from here on
    with CaptureQueriesContext(connection) as queries:
        assert post(api, "/api/v1/tickets", auth, {"lines": [{"quick_pick": True}] * 3}).json()
    statements = " ".join(q["sql"] for q in queries.captured_queries).lower()
    assert "count(" not in statements
    assert BallotTally._meta.db_table in statements


def test_the_migration_counts_the_ballots_already_played(player, make_player, game):
    migration = importlib.import_module("lottery.migrations.0009_ballot_tally")
    post_draws = [
        draw_get_or_create(game=game, day=timezone.localdate() - timedelta(days=n)) for n in (3, 4)
    ]
    other = make_player(email="other@example.com")
    make_ballots(post_draws[0], 3, players=[player])
    make_ballots(post_draws[0], 2, players=[other])
    make_ballots(post_draws[1], 1, players=[player])
    BallotTally.objects.all().delete()  # as before the migration

    class Editor:  # what the migration asks of its schema editor, on the test's connection
        def execute(self, sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    migration.tallies_from_ballots(apps, Editor())
    assert {(t.player_id, t.draw_id): t.ballots for t in BallotTally.objects.all()} == {
        (player.pk, post_draws[0].pk): 3,
        (other.pk, post_draws[0].pk): 2,
        (player.pk, post_draws[1].pk): 1,
    }
