"""The player's unfiltered list is read by one statement written once (PlayerBallots); it must
publish exactly what the ORM path (the FilterSet's, used with any filter) publishes."""

from datetime import timedelta

import pytest
from django.utils import timezone
from model_bakery import baker

from lottery.models import Game, Pick, PickKind
from lottery.selectors.ballots import PlayerBallots, ballot_rows, ballots_of
from lottery.services.draws import draw_get_or_create, draw_run
from tests.conftest import bearer
from tests.helpers import PAST_DAY


@pytest.fixture
def history(make_player, game):
    """A player with ballots in drawn, closed-but-undrawn and open draws of two games, some of
    them winning, one disqualified winner, one promoted alternate, ties on the play instant."""
    game.alternates_per_draw = 2
    game.save()
    other_game = baker.make(Game, slug="weekly", name="Weekly", alternates_per_draw=1)
    player, rival = make_player(email="mine@example.com"), make_player(email="rival@example.com")
    at = timezone.now() - timedelta(days=1)
    for offset, g in enumerate((game, game, other_game, game)):
        draw = draw_get_or_create(game=g, day=PAST_DAY - timedelta(days=offset))
        for _ in range(3):
            baker.make_recipe("lottery.ballot", draw=draw, player=player, created_at=at)
            baker.make_recipe("lottery.ballot", draw=draw, player=rival)
        draw_run(draw_id=draw.pk)
        at -= timedelta(minutes=1)
    picks = Pick.objects.filter(ballot__player=player)
    # whatever the draws picked, make sure each case is in the list
    winner = Pick.objects.filter(kind=PickKind.WINNER).first()
    winner.ballot.player = player
    winner.ballot.save()
    Pick.objects.filter(pk=winner.pk).update(disqualified_at=timezone.now())
    alternate = Pick.objects.filter(kind=PickKind.ALTERNATE).exclude(draw=winner.draw).first()
    alternate.ballot.player = player
    alternate.ballot.save()
    Pick.objects.filter(pk=alternate.pk).update(promoted_at=timezone.now())
    assert picks.exists()
    tomorrow = draw_get_or_create(game=game, day=timezone.localdate() + timedelta(days=1))
    for _ in range(2):
        baker.make_recipe("lottery.ballot", draw=tomorrow, player=player)
    return player


@pytest.mark.parametrize(("start", "stop"), [(0, 5), (5, 10), (0, 100), (12, 20), (40, 60)])
def test_every_page_is_what_the_orm_path_publishes(history, start, stop):
    fast = PlayerBallots(player=history)[start:stop]
    assert fast == ballot_rows(ballots_of(player=history)[start:stop])
    assert PlayerBallots(player=history).count() == ballots_of(player=history).count() >= 14


def test_the_list_says_won_lost_and_not_yet(history):
    rows = PlayerBallots(player=history)[0:100]
    assert {row["won"] for row in rows} == {True, False, None}
    promoted = Pick.objects.get(promoted_at__isnull=False).ballot
    disqualified = Pick.objects.get(disqualified_at__isnull=False).ballot
    won = {row["uuid"]: row["won"] for row in rows}
    assert won[promoted.uuid] is True
    assert won[disqualified.uuid] is False


def test_the_api_answers_the_unfiltered_list_in_one_statement(
    api, history, django_assert_num_queries
):
    auth = bearer(history)
    # the page (with won), the count and the bearer's account, in one statement
    with django_assert_num_queries(1):
        body = api.get("/api/v1/lotteries?page_size=5", **auth).json()
    total = ballots_of(player=history).count()
    assert body["count"] == total
    filtered = api.get("/api/v1/lotteries?page_size=5&game=daily", **auth).json()
    assert [item for item in body["items"] if item["game"] == "daily"] == [
        item for item in filtered["items"] if item["uuid"] in {i["uuid"] for i in body["items"]}
    ]
    last = api.get("/api/v1/lotteries?page_size=5&page=3", **auth).json()
    assert (last["count"], len(last["items"])) == (total, min(5, total - 10))


def test_a_page_past_the_end_is_empty_and_still_counted(api, history, django_assert_num_queries):
    auth = bearer(history)
    total = ballots_of(player=history).count()
    # the page (empty), the account (an empty page might mean a dead token), the count
    with django_assert_num_queries(3):
        body = api.get("/api/v1/lotteries?page_size=5&page=99", **auth).json()
    assert body == {"items": [], "count": total}


def test_a_player_without_ballots_gets_an_empty_list(api, make_player, game):
    newcomer = make_player(email="new@example.com")
    response = api.get("/api/v1/lotteries", **bearer(newcomer))
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}


def test_the_count_and_the_page_are_read_together(history):
    """The count is read in the page's own statement, so both describe one snapshot."""
    ballots = PlayerBallots(player=history)
    page = ballots[0:5]
    assert len(page) == 5
    assert ballots.count() == ballots_of(player=history).count()
