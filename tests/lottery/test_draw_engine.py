import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from model_bakery import baker

from core.errors import ServiceError
from lottery import draws, published
from lottery.models import AuditAction, AuditEntry, Ballot, Draw, DrawStatus, Game, Pick
from lottery.selectors.draws import draw_public, draws_drawn
from lottery.selectors.leaves import draw_leaves
from lottery.services.draws import (
    draw_close,
    draw_get_or_create,
    draw_run,
    draw_void,
    draws_due_run,
)
from lottery.services.redraws import redraw_approve, redraw_refuse, redraw_request
from lottery.verify import verify_published
from tests.conftest import daily_game, postgres_only

pytestmark = pytest.mark.django_db
PAST = date(2026, 1, 10)


@pytest.fixture
def past_draw(game):
    return draw_get_or_create(game=game, day=PAST)


def fill(draw, n, numbers=None):
    players = baker.make("accounts.User", _quantity=min(n, 5), _bulk_create=True)
    return [
        baker.make_recipe(
            "lottery.ballot",
            draw=draw,
            player=players[i % len(players)],
            **({"numbers": numbers[i]} if numbers else {}),
        )
        for i in range(n)
    ]


def published_of(draw):
    draw = draw_public(game=draw.game.slug, day=draw.date)
    body = published.draw(draw)
    leaves = []
    cursor = None
    while True:
        page = draw_leaves(draw=draw, cursor=cursor, limit=7)
        leaves += page.items
        if not page.next_cursor:
            return body, leaves
        cursor = page.next_cursor


def jsonable(body, leaves):
    import json

    from ninja.responses import NinjaJSONEncoder

    return (
        json.loads(json.dumps(body, cls=NinjaJSONEncoder)),
        json.loads(json.dumps(leaves, cls=NinjaJSONEncoder)),
    )


def test_draw_run_draws_one_winner_and_alternates_that_the_verifier_accepts(past_draw):
    fill(past_draw, 30)
    draw = draw_run(draw_id=past_draw.pk)
    assert draw.status == DrawStatus.DRAWN
    assert draw.ballots_count == 30
    assert draws.commitment(bytes(draw.seed)).hex() == draw.commitment
    winners = Pick.objects.filter(draw=draw, kind="winner")
    assert winners.count() == 1
    assert Pick.objects.filter(draw=draw, kind="alternate").count() == 10
    assert verify_published(*jsonable(*published_of(draw))) == []
    actions = list(AuditEntry.objects.filter(draw=draw).values_list("action", flat=True))
    assert sorted(actions) == [AuditAction.CLOSE, AuditAction.DRAW]


def test_a_second_run_changes_nothing(past_draw):
    fill(past_draw, 12)
    first = draw_run(draw_id=past_draw.pk)
    picks = list(Pick.objects.filter(draw=first).values_list("ballot_id", "kind", "rank"))
    again = draw_run(draw_id=past_draw.pk)
    assert again.material == first.material
    assert list(Pick.objects.filter(draw=first).values_list("ballot_id", "kind", "rank")) == picks
    assert AuditEntry.objects.filter(draw=first, action=AuditAction.DRAW).count() == 1


def test_a_draw_without_ballots_ends_with_no_entries_and_reveals_its_seed(past_draw):
    draw = draw_run(draw_id=past_draw.pk)
    assert draw.status == DrawStatus.NO_ENTRIES
    assert draw.ballots_count == 0
    assert draw.merkle_root == draws.EMPTY_ROOT.hex()
    body, leaves = jsonable(*published_of(draw))
    assert body["seed"] == bytes(draw.seed).hex()
    assert verify_published(body, leaves) == []


def test_an_open_day_cannot_be_closed_before_midnight(game):
    draw = draw_get_or_create(game=game, day=date.today() + timedelta(days=1))
    with pytest.raises(ServiceError, match="still open"):
        draw_close(draw_id=draw.pk)
    draw.refresh_from_db()
    assert draw.status == DrawStatus.OPEN


def test_close_fixes_count_and_root_of_the_ballots_in_serial_order(past_draw):
    ballots = fill(past_draw, 9)
    draw = draw_close(draw_id=past_draw.pk)
    ordered = sorted(ballots, key=lambda b: (b.created_at, str(b.uuid)))
    expected = draws.merkle_root([draws.leaf_hash(str(b.uuid), b.numbers) for b in ordered])
    assert draw.status == DrawStatus.CLOSED
    assert (draw.ballots_count, draw.merkle_root) == (9, expected.hex())


@pytest.mark.parametrize("rule", ["first", "share"])
def test_tie_rules_on_equal_numbers(game, past_draw, rule):
    Game.objects.filter(pk=game.pk).update(tie_rule=rule, alternates_per_draw=0)
    fill(past_draw, 6, numbers=["1-2-3-4-5"] * 6)
    draw = draw_run(draw_id=past_draw.pk)
    winners = list(Pick.objects.filter(draw=draw, kind="winner").order_by("serial"))
    if rule == "first":
        assert [w.serial for w in winners] == [1]  # the earliest ballot wins
    else:
        assert [w.serial for w in winners] == [1, 2, 3, 4, 5, 6]
        assert {w.rank for w in winners} == {1}
    assert verify_published(*jsonable(*published_of(draw))) == []


def test_scheduler_catches_up_every_missed_midnight(game):
    missed = [draw_get_or_create(game=game, day=PAST + timedelta(days=i)) for i in range(3)]
    fill(missed[1], 4)
    done = draws_due_run()
    statuses = {d.date: d.status for d in done}
    assert statuses == {
        PAST: "no_entries",
        PAST + timedelta(days=1): "drawn",
        PAST + timedelta(days=2): "no_entries",
    }
    assert draws_due_run() == []


def test_winners_are_emailed_once_after_commit(past_draw, django_capture_on_commit_callbacks):
    fill(past_draw, 5)
    with django_capture_on_commit_callbacks(execute=True):
        draw = draw_run(draw_id=past_draw.pk)
    winner = Pick.objects.get(draw=draw, kind="winner").ballot
    assert [m.to for m in mail.outbox] == [[winner.player.email]]
    assert str(winner.uuid) in mail.outbox[0].body
    from lottery.notifications import winners_notify

    assert winners_notify(draw_id=draw.pk) == 0  # a retry tells no one twice
    assert len(mail.outbox) == 1


def test_draw_command_draws_a_past_day_and_refuses_an_open_one(game, capsys):
    call_command("draw", "daily", PAST.isoformat())
    out = capsys.readouterr().out
    assert "No entries" in out and "seed" in out
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="still open"):
        call_command("draw", "daily", (date.today() + timedelta(days=1)).isoformat())
    with pytest.raises(CommandError, match="no game"):
        call_command("draw", "nope", PAST.isoformat())


def test_draw_command_prints_the_winner(past_draw, capsys):
    fill(past_draw, 3)
    call_command("draw", "daily", PAST.isoformat())
    winner = Pick.objects.get(draw=past_draw, kind="winner")
    assert f"winner    #1 serial {winner.serial} ballot {winner.ballot.uuid}" in (
        capsys.readouterr().out
    )


def _staff(perms):
    from django.contrib.auth.models import Permission

    user = baker.make("accounts.User", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=perms))
    return user


def test_redraw_needs_a_second_person_and_promotes_the_next_alternate(past_draw):
    fill(past_draw, 20)
    draw = draw_run(draw_id=past_draw.pk)
    winner = Pick.objects.get(draw=draw, kind="winner")
    first_alternate = Pick.objects.get(draw=draw, kind="alternate", rank=1)
    operator, approver = _staff(["request_redraw"]), _staff(["approve_redraw"])
    with pytest.raises(ServiceError, match="reason"):
        redraw_request(pick_id=winner.pk, actor=operator, reason="  ")
    request = redraw_request(pick_id=winner.pk, actor=operator, reason="fraud")
    with pytest.raises(ServiceError, match="different staff member"):
        redraw_approve(request_id=request.pk, actor=operator)
    redraw_approve(request_id=request.pk, actor=approver, note="checked")
    winner.refresh_from_db()
    first_alternate.refresh_from_db()
    assert winner.disqualified_at is not None
    assert first_alternate.promoted_at is not None
    body, leaves = jsonable(*published_of(draw))
    assert body["winners"][0]["disqualified"] is True
    assert body["alternates"][0]["promoted"] is True
    assert verify_published(body, leaves) == []
    actions = set(AuditEntry.objects.filter(draw=draw).values_list("action", flat=True))
    assert {AuditAction.REDRAW_REQUEST, AuditAction.REDRAW_APPROVE} <= actions
    # The promoted alternate is now what the public winners list shows.
    winning = draws_drawn().get(pk=draw.pk).winning
    assert [p.ballot_id for p in winning] == [first_alternate.ballot_id]


@override_settings(LOTTERY_REDRAW_APPROVALS=0)
def test_a_promoted_alternate_disqualified_in_turn_promotes_the_next(past_draw):
    fill(past_draw, 20)
    draw = draw_run(draw_id=past_draw.pk)
    staff = _staff([])
    redraw_request(pick_id=Pick.objects.get(draw=draw, kind="winner").pk, actor=staff, reason="one")
    redraw_request(
        pick_id=Pick.objects.get(draw=draw, kind="alternate", rank=1).pk,
        actor=staff,
        reason="two",
    )
    winning = draws_drawn().get(pk=draw.pk).winning
    assert [(p.kind, p.rank) for p in winning] == [("alternate", 2)]
    body, leaves = jsonable(*published_of(draw))
    assert [a["promoted"] for a in body["alternates"][:3]] == [True, True, False]
    assert verify_published(body, leaves) == []
    body["alternates"][2]["promoted"] = True  # a promotion nobody asked for
    assert any("promoted" in failure for failure in verify_published(body, leaves))


@override_settings(LOTTERY_REDRAW_APPROVALS=0)
def test_redraw_without_approvals_takes_effect_at_once(past_draw):
    fill(past_draw, 5)
    draw = draw_run(draw_id=past_draw.pk)
    winner = Pick.objects.get(draw=draw, kind="winner")
    request = redraw_request(pick_id=winner.pk, actor=_staff([]), reason="dup")
    assert request.status == "approved"


def test_refused_redraw_keeps_the_winner(past_draw):
    fill(past_draw, 5)
    draw = draw_run(draw_id=past_draw.pk)
    winner = Pick.objects.get(draw=draw, kind="winner")
    request = redraw_request(pick_id=winner.pk, actor=_staff([]), reason="maybe")
    redraw_refuse(request_id=request.pk, actor=_staff([]), note="no evidence")
    winner.refresh_from_db()
    assert winner.is_winning
    assert AuditEntry.objects.filter(action=AuditAction.REDRAW_REFUSE).count() == 1


def test_void_needs_a_reason_and_only_an_undrawn_draw(past_draw, game):
    staff = _staff(["void_draw"])
    with pytest.raises(ServiceError, match="reason"):
        draw_void(draw_id=past_draw.pk, actor=staff, reason=" ")
    voided = draw_void(draw_id=past_draw.pk, actor=staff, reason="outage")
    assert voided.status == DrawStatus.VOID
    assert voided.void_reason == "outage"
    # A void day is never drawn afterwards.
    assert draw_run(draw_id=past_draw.pk).status == DrawStatus.VOID
    drawn = draw_get_or_create(game=game, day=PAST - timedelta(days=1))
    fill(drawn, 2)
    draw_run(draw_id=drawn.pk)
    with pytest.raises(ServiceError, match="cannot be voided"):
        draw_void(draw_id=drawn.pk, actor=staff, reason="too late")
    assert Draw.objects.get(pk=drawn.pk).status == DrawStatus.DRAWN
    entry = AuditEntry.objects.get(action=AuditAction.VOID)
    assert (entry.actor, entry.reason, entry.before, entry.after) == (
        staff,
        "outage",
        {"status": "open"},
        {"status": "void"},
    )


def test_winning_ballots_lists_drawn_draws_in_constant_queries(
    api, game, django_assert_max_num_queries
):
    for i in range(6):
        draw = draw_get_or_create(game=game, day=PAST - timedelta(days=i))
        fill(draw, 3)
        draw_run(draw_id=draw.pk)
    with django_assert_max_num_queries(3):
        body = api.get("/api/v1/winning_ballots").json()
    assert body["count"] == 6
    first = body["items"][0]
    assert first["draw_date"] == PAST.isoformat()
    winner = Pick.objects.get(draw__date=PAST, kind="winner").ballot
    assert first["winning_games"] == [str(winner.uuid)]
    assert first["winning_numbers"] == [winner.numbers_list]
    assert first["winning_users"] == [winner.player.display_name]
    assert api.get(f"/api/v1/winning_ballots/{first['uuid']}").json() == first
    one_day = api.get("/api/v1/winning_ballots?game=daily&from_date=2099-01-01T00:00:00Z")
    assert one_day.json()["count"] == 0


def test_own_ballot_shows_whether_it_won(api, past_draw):
    ballots = fill(past_draw, 4)
    draw_run(draw_id=past_draw.pk)
    winner = Pick.objects.get(draw=past_draw, kind="winner").ballot
    from tests.conftest import bearer

    for ballot in ballots:
        body = api.get(f"/api/v1/lotteries/{ballot.uuid}", **bearer(ballot.player)).json()
        assert body["won"] is (ballot.pk == winner.pk)


def test_own_list_says_won_lost_or_not_yet_in_constant_queries(
    api, past_draw, make_player, django_assert_max_num_queries
):
    player = make_player(email="lister@example.com")
    rivals = fill(past_draw, 3)
    mine = [baker.make_recipe("lottery.ballot", draw=past_draw, player=player) for _ in range(2)]
    draw_run(draw_id=past_draw.pk)
    winner = Pick.objects.get(draw=past_draw, kind="winner").ballot
    tomorrow = draw_get_or_create(game=past_draw.game, day=date.today() + timedelta(1))
    pending = baker.make_recipe("lottery.ballot", draw=tomorrow, player=player)
    from tests.conftest import bearer

    auth = bearer(player)
    # user, rows with their draws, which drawn ones won; the count comes from the last page
    with django_assert_max_num_queries(3):
        body = api.get("/api/v1/lotteries", **auth).json()
    won = {item["uuid"]: item["won"] for item in body["items"]}
    assert body["count"] == 3
    assert won == {
        **{str(b.uuid): b.pk == winner.pk for b in mine},
        str(pending.uuid): None,
    }
    assert rivals  # other players' ballots never show in the list


def test_leaves_page_through_every_ballot_in_serial_order(api, past_draw):
    fill(past_draw, 23)
    draw_run(draw_id=past_draw.pk)
    url, seen = f"/api/v1/draws/daily/{PAST}/leaves?limit=10", []
    while url:
        page = api.get(url).json()
        assert page["count"] == 23
        seen += page["items"]
        url = page["next"]
    assert [leaf["serial"] for leaf in seen] == list(range(1, 24))
    assert "player" not in seen[0] and "email" not in str(seen)
    assert api.get(f"/api/v1/draws/daily/{PAST}/leaves?cursor=garbage").status_code == 422
    assert api.get(f"/api/v1/draws/daily/{PAST}/leaves?limit=0").status_code == 422


def test_proof_is_for_the_owner_and_leads_to_the_root(api, past_draw, make_player):
    ballots = fill(past_draw, 11)
    draw = draw_run(draw_id=past_draw.pk)
    from tests.conftest import bearer

    ballot = ballots[6]
    url = f"/api/v1/draws/daily/{PAST}/proof/{ballot.uuid}"
    proof = api.get(url, **bearer(ballot.player)).json()
    leaf = bytes.fromhex(proof["leaf"])
    assert leaf == draws.leaf_hash(str(ballot.uuid), ballot.numbers)
    path = [bytes.fromhex(node) for node in proof["path"]]
    root = draws.root_from_path(leaf, proof["serial"] - 1, proof["tree_size"], path)
    assert root.hex() == draw.merkle_root == proof["merkle_root"]
    assert api.get(url, **bearer(make_player(email="x@example.com"))).status_code == 404
    assert api.get(url).status_code == 401


def test_ballots_for_a_closed_draw_are_refused(api, game, player):
    from tests.conftest import bearer

    # Tomorrow's draw, closed early: only the close rule can refuse it (a past day would be
    # refused by the past-day rule before the draw is even looked at).
    day = date.today() + timedelta(days=1)
    draw = draw_get_or_create(game=game, day=day)
    Draw.objects.filter(pk=draw.pk).update(close_at=draw.close_at - timedelta(days=2))
    draw_close(draw_id=draw.pk)
    response = api.post(
        "/api/v1/lotteries",
        {"numbers": [1, 2, 3, 4, 5], "game_date": day.isoformat()},
        content_type="application/json",
        **bearer(player),
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"The draw of {day} is closed: it closed at")
    assert not Ballot.objects.exists()


@postgres_only()
@pytest.mark.django_db(transaction=True)
def test_eight_workers_drawing_one_draw_at_once_leave_one_result():
    game = daily_game()
    draw = draw_get_or_create(game=game, day=PAST)
    fill(draw, 50)
    barrier = threading.Barrier(8)
    errors = []

    def worker():
        try:
            barrier.wait()
            draw_run(draw_id=draw.pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN
    assert Pick.objects.filter(draw=draw, kind="winner").count() == 1
    assert Pick.objects.filter(draw=draw).count() == 11
    assert AuditEntry.objects.filter(draw=draw, action=AuditAction.DRAW).count() == 1
    assert AuditEntry.objects.filter(draw=draw, action=AuditAction.CLOSE).count() == 1
