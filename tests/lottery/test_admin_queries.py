"""Every changelist (and the dashboard) runs the same number of queries for 3 rows as for 30."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from model_bakery import baker

from accounts.models import User
from lottery.audit import audit_entry_create
from lottery.models import AuditAction, Draw, PickKind
from lottery.services.redraws import redraw_request
from tests.helpers import PAST_DAY, admin_url, make_ballots

pytestmark = pytest.mark.django_db


def queries(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def draws(make_draw: Callable[..., Draw], count: int, start: int = 0) -> list[Draw]:
    return [make_draw(day=PAST_DAY - timedelta(days=start + i), ballots=1) for i in range(count)]


def redraws(actor: User, drawn: list[Draw]) -> None:
    for draw in drawn:
        winner = draw.picks.get(kind=PickKind.WINNER)
        redraw_request(pick_id=winner.pk, actor=actor, reason=f"check {draw}")


def players(count: int, draw: Draw, start: int) -> None:
    for i in range(start, start + count):
        make_ballots(draw, 2, players=[baker.make(User, email=f"player{i}@example.com")])


GROW: dict[str, Callable[..., None]] = {
    # Each grows the rows its changelist shows, with distinct related objects per row.
    "lottery_ballot_changelist": lambda ctx, n, start: [
        make_ballots(draw, 1, players=[baker.make(User)])
        for draw in draws(ctx["make_draw"], n, start)
    ],
    "lottery_draw_changelist": lambda ctx, n, start: draws(ctx["make_draw"], n, start),
    "lottery_redrawrequest_changelist": lambda ctx, n, start: redraws(
        ctx["actor"], draws(ctx["make_draw"], n, start)
    ),
    "lottery_auditentry_changelist": lambda ctx, n, start: [
        audit_entry_create(action=AuditAction.VOID, actor=baker.make(User), draw=draw, reason="r")
        for draw in draws(ctx["make_draw"], n, start)
    ],
    "accounts_user_changelist": lambda ctx, n, start: players(
        n, ctx["make_draw"](day=PAST_DAY - timedelta(days=start), ballots=1), start
    ),
    "lottery_game_changelist": lambda ctx, n, start: [
        baker.make(
            "lottery.Game", slug=f"game-{start + i}", name=f"Game {start + i}", time_zone="UTC"
        )
        for i in range(n)
    ],
    "index": lambda ctx, n, start: redraws(ctx["actor"], draws(ctx["make_draw"], n, start)),
}


@pytest.mark.parametrize("page", sorted(GROW))
def test_the_number_of_queries_does_not_grow_with_the_rows(page, superuser, make_draw, login):
    client = login(superuser)
    context = {"make_draw": make_draw, "actor": superuser}
    url = admin_url(page)

    GROW[page](context, 3, 0)
    client.get(url)  # warm the per-process caches (content types, permissions)
    few = queries(client, url)
    GROW[page](context, 27, 3)
    many = queries(client, url)

    assert len(many) == len(few), "\n".join(many)
    assert len(many) <= 15


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?draw__date_from=2025-03-01&draw__date_to=2025-03-14",
        "?game=daily",
        "?winner=yes",
        "?winner=no",
        "?q=player0%40example.com",
        "?q=00000000-0000-0000-0000-000000000000",
    ],
)
def test_the_ballot_list_never_counts_every_ballot(query, superuser, make_draw, login):
    draws(make_draw, 3)

    sql = queries(login(superuser), admin_url("lottery_ballot_changelist") + query)

    assert not [q for q in sql if "COUNT(" in q.upper() and "lottery_ballot" in q]


def test_a_draw_page_runs_a_fixed_number_of_queries(superuser, make_draw, login):
    client = login(superuser)
    small = make_draw(day=PAST_DAY, ballots=3)
    large = make_draw(day=PAST_DAY - timedelta(days=1), ballots=30)
    client.get(admin_url("lottery_draw_change", small.pk))  # warm the content-type cache
    assert len(queries(client, admin_url("lottery_draw_change", small.pk))) == len(
        queries(client, admin_url("lottery_draw_change", large.pk))
    )
