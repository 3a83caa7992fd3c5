"""Draws in the admin: what the page shows, draw now, void, and the auditors' CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from lottery import draws
from lottery.models import AuditAction, AuditEntry, DrawStatus, PickKind
from tests.helpers import PAST_DAY, admin_url

pytestmark = pytest.mark.django_db


def test_the_draw_page_shows_what_anyone_can_verify(auditor, drawn_draw, login):
    page = login(auditor).get(admin_url("lottery_draw_change", drawn_draw.pk)).content.decode()

    for value in (
        drawn_draw.commitment,
        drawn_draw.merkle_root,
        bytes(drawn_draw.seed).hex(),
        drawn_draw.material,
    ):
        assert value in page
    for pick in drawn_draw.picks.select_related("ballot"):
        assert str(pick.ballot.uuid) in page
    assert f'href="/api/v1/draws/daily/{drawn_draw.date}"' in page
    assert f'href="/api/v1/draws/daily/{drawn_draw.date}/leaves"' in page


def test_an_open_draw_keeps_its_seed_secret(auditor, make_draw, login):
    draw = make_draw(day=timezone.localdate() + timedelta(days=2), drawn=False)
    page = login(auditor).get(admin_url("lottery_draw_change", draw.pk)).content.decode()
    assert draw.commitment in page
    assert bytes(draw.seed).hex() not in page
    assert "secret until the draw" in page


def test_draw_now_draws_an_overdue_draw_and_audits_who_did_it(operator, make_draw, login):
    draw = make_draw(drawn=False)

    response = login(operator).post(admin_url("lottery_draw_draw_now", draw.pk), follow=True)

    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN
    assert "is drawn" in response.content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.MANUAL_DRAW, draw=draw)
    assert entry.actor == operator


def test_draw_now_refuses_a_draw_still_open(operator, make_draw, login):
    draw = make_draw(day=timezone.localdate() + timedelta(days=2), drawn=False)

    response = login(operator).post(admin_url("lottery_draw_draw_now", draw.pk), follow=True)

    assert "still open" in response.content.decode()
    draw.refresh_from_db()
    assert draw.status == DrawStatus.OPEN


def test_draw_now_on_a_get_only_asks(operator, make_draw, login):
    draw = make_draw(drawn=False)
    response = login(operator).get(admin_url("lottery_draw_draw_now", draw.pk))
    assert response.status_code == 200
    draw.refresh_from_db()
    assert draw.status == DrawStatus.OPEN


def test_void_needs_a_reason_and_is_audited(operator, make_draw, login):
    draw = make_draw(drawn=False)
    client = login(operator)
    url = admin_url("lottery_draw_draw_void", draw.pk)

    blank = client.post(url, {"reason": "   "})
    assert "A reason is required." in blank.content.decode()
    draw.refresh_from_db()
    assert draw.status == DrawStatus.OPEN

    client.post(url, {"reason": "Terminal outage all day"})
    draw.refresh_from_db()
    assert (draw.status, draw.void_reason) == (DrawStatus.VOID, "Terminal outage all day")
    entry = AuditEntry.objects.get(action=AuditAction.VOID)
    assert (entry.actor, entry.reason) == (operator, "Terminal outage all day")


def test_a_drawn_draw_cannot_be_voided(operator, drawn_draw, login):
    response = login(operator).post(
        admin_url("lottery_draw_draw_void", drawn_draw.pk), {"reason": "late"}, follow=True
    )
    assert "cannot be voided" in response.content.decode()
    drawn_draw.refresh_from_db()
    assert drawn_draw.status == DrawStatus.DRAWN


def test_the_csv_lists_every_ballot_in_serial_order_with_its_leaf_and_result(
    auditor, make_draw, login
):
    draw = make_draw(ballots=12)
    response = login(auditor).get(admin_url("lottery_draw_export_csv", draw.pk))

    assert f'filename="draw-daily-{PAST_DAY}.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [int(row["serial"]) for row in rows] == list(range(1, 13))
    leaves = [bytes.fromhex(row["leaf"]) for row in rows]
    assert draws.merkle_root(leaves).hex() == draw.merkle_root
    for pick in draw.picks.all():
        row = rows[pick.serial - 1]
        assert row["ballot"] == str(pick.ballot.uuid)
        assert (row["result"], int(row["rank"])) == (pick.kind, pick.rank)
    winner = draw.picks.get(kind=PickKind.WINNER)
    assert rows[winner.serial - 1]["wins"] == "yes"


def test_the_draw_list_filters_by_date_status_and_game(auditor, make_draw, login):
    drawn = make_draw(day=PAST_DAY)
    empty = make_draw(day=PAST_DAY - timedelta(days=1), ballots=0)
    client = login(auditor)

    def shown(query: str) -> set[int]:
        response = client.get(admin_url("lottery_draw_changelist") + query)
        return {draw.pk for draw in response.context["cl"].result_list}

    assert shown("?status__exact=no_entries") == {empty.pk}
    assert shown(f"?date_from={PAST_DAY}&date_to={PAST_DAY}") == {drawn.pk}
    assert shown(f"?game__id__exact={drawn.game_id}") == {drawn.pk, empty.pk}
