"""The draw's own guards: a count that changed after close, a redraw of a non-winner, the
seed of a closed draw, and the serial order of ballots played at the same instant."""

import hashlib
import uuid
from datetime import date, datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from model_bakery import baker

from core.errors import ServiceError
from lottery import draws
from lottery.models import AuditAction, AuditEntry, Ballot, DrawStatus, Pick, RedrawRequest
from lottery.services.draws import draw_close, draw_get_or_create, draw_run
from lottery.services.redraws import redraw_request
from lottery.verify import verify_published
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db
PAST = date(2026, 1, 10)


def fill(draw, n):
    players = baker.make("accounts.User", _quantity=min(n, 3))
    return [
        baker.make_recipe("lottery.ballot", draw=draw, player=players[i % len(players)])
        for i in range(n)
    ]


def test_a_draw_whose_ballots_changed_after_close_is_refused_and_left_closed(game):
    draw = draw_get_or_create(game=game, day=PAST)
    fill(draw, 4)
    draw_close(draw_id=draw.pk)
    fill(draw, 1)  # a ballot slipped in after N and the root were fixed

    with pytest.raises(ServiceError, match="has 5 ballots but closed with 4") as refused:
        draw_run(draw_id=draw.pk)

    assert refused.value.status == 409
    draw.refresh_from_db()
    assert (draw.status, draw.ballots_count, draw.material) == (DrawStatus.CLOSED, 4, "")
    assert not Pick.objects.filter(draw=draw).exists()
    assert not AuditEntry.objects.filter(draw=draw, action=AuditAction.DRAW).exists()


@override_settings(LOTTERY_REDRAW_APPROVALS=0)
def test_a_pick_that_no_longer_wins_cannot_be_redrawn(drawn_draw, operator):
    winner = drawn_draw.picks.get(kind="winner")
    redraw_request(pick_id=winner.pk, actor=operator, reason="shared account")
    second_alternate = drawn_draw.picks.get(kind="alternate", rank=2)
    requests = RedrawRequest.objects.count()

    for pick in (winner, second_alternate):  # disqualified; never promoted
        with pytest.raises(ServiceError, match="Only a ballot that currently wins"):
            redraw_request(pick_id=pick.pk, actor=operator, reason="again")

    assert RedrawRequest.objects.count() == requests
    promoted = drawn_draw.picks.get(kind="alternate", rank=1)
    assert promoted.promoted_at is not None
    assert drawn_draw.picks.filter(promoted_at__isnull=False).count() == 1


def test_a_closed_draw_not_drawn_yet_keeps_its_seed_secret(api, game, auditor, login):
    draw = draw_get_or_create(game=game, day=PAST)
    fill(draw, 3)
    draw = draw_close(draw_id=draw.pk)
    seed = bytes(draw.seed).hex()

    body = api.get(f"/api/v1/draws/daily/{PAST}").json()
    page = login(auditor).get(admin_url("lottery_draw_change", draw.pk)).content.decode()

    assert body["status"] == "closed"
    assert body["commitment"] == hashlib.sha256(bytes(draw.seed)).hexdigest()
    assert (body["ballots_count"], body["merkle_root"]) == (3, draw.merkle_root)
    assert (body["seed"], body["material"], body["winners"]) == (None, None, [])
    assert seed not in page
    assert "secret until the draw" in page


@pytest.mark.parametrize("played_first", ["smaller uuid", "larger uuid"])
def test_ballots_played_at_the_same_instant_are_ordered_by_uuid(api, game, played_first):
    draw = draw_get_or_create(game=game, day=PAST)
    player = baker.make("accounts.User")
    instant = timezone.make_aware(datetime(2026, 1, 10, 12, 0))
    small = uuid.UUID("00000000-0000-4000-8000-000000000001")
    large = uuid.UUID("ffffffff-ffff-4fff-bfff-fffffffffffe")
    order = [small, large] if played_first == "smaller uuid" else [large, small]
    numbers = {small: "1-2-3-4-5", large: "6-7-8-9-10"}
    for ballot_id in order:
        baker.make(Ballot, uuid=ballot_id, draw=draw, player=player,
                   numbers=numbers[ballot_id], created_at=instant)  # fmt: skip
    baker.make(Ballot, draw=draw, player=player, numbers="11-12-13-14-15",
               created_at=instant - timedelta(microseconds=1))  # fmt: skip

    drawn = draw_run(draw_id=draw.pk)

    leaves = api.get(f"/api/v1/draws/daily/{PAST}/leaves").json()["items"]
    assert [leaf["ballot"] for leaf in leaves][1:] == [str(small), str(large)]
    expected_root = draws.merkle_root(
        [draws.leaf_hash(leaf["ballot"], draws.numbers_text(leaf["numbers"])) for leaf in leaves]
    )
    assert drawn.merkle_root == expected_root.hex()
    body = api.get(f"/api/v1/draws/daily/{PAST}").json()
    assert verify_published(body, leaves) == []
    by_serial = dict(Pick.objects.filter(draw=drawn).values_list("serial", "ballot__uuid"))
    assert by_serial == {s: uuid.UUID(leaves[s - 1]["ballot"]) for s in by_serial}
