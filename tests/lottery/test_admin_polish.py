"""What staff read on the admin pages (issue 12, item 3): short ballot ids, a pending winner,
live counts, times to the second, the site's own URL, players apart from staff, page numbers."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings
from model_bakery import baker

from accounts.models import User
from lottery.audit import audit_entry_create
from lottery.models import AuditAction, Ballot, Draw, Game
from lottery.selectors.ballots import winning_picks
from lottery.services.draws import draw_get_or_create, draw_run
from lottery.services.redraws import redraw_request
from tests.helpers import PAST_DAY, admin_url, make_ballots

pytestmark = pytest.mark.django_db


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def winner_cells(html: str) -> list[str]:
    """The text of each row's last column (the winner label), in list order."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S) for row in rows]
    return [re.sub(r"<[^>]+>|\s+", " ", c[-1]).strip() for c in cells if c]


def test_ballots_list_shows_a_short_id_linking_to_the_ballot(auditor, login, make_draw):
    draw = make_draw(drawn=False, ballots=1)
    ballot = Ballot.objects.get(draw=draw)

    html = page(login(auditor), admin_url("lottery_ballot_changelist"))

    short = str(ballot.uuid)[:8]
    href = admin_url("lottery_ballot_change", ballot.pk)
    assert re.search(rf'<a href="{re.escape(href)}[^"]*"[^>]*>\s*{short}\s*</a>', html)
    assert str(ballot.uuid) not in html


def test_winner_is_pending_until_the_draw_is_drawn(auditor, login, make_draw, game):
    make_draw(drawn=False, ballots=2)
    client = login(auditor)
    assert winner_cells(page(client, admin_url("lottery_ballot_changelist"))) == ["pending"] * 2

    draw_run(draw_id=Draw.objects.get().pk)
    cells = winner_cells(page(client, admin_url("lottery_ballot_changelist")))
    # daily draws one winner (and alternates, who do not win): no "pending" any more.
    assert sorted(cells) == ["no", "winner"]


def test_an_open_draws_page_counts_its_ballots_live(auditor, login, make_draw):
    draw = make_draw(drawn=False, ballots=3)
    client = login(auditor)
    url = admin_url("lottery_draw_change", draw.pk)
    assert "3 so far (counted live)" in page(client, url)

    make_ballots(draw, 1)
    assert "4 so far (counted live)" in page(client, url)


def test_a_drawn_draws_page_shows_its_fixed_count(auditor, login, drawn_draw):
    html = page(login(auditor), admin_url("lottery_draw_change", drawn_draw.pk))
    assert "counted live" not in html
    assert re.search(r">\s*5\s*<", html)


def test_verify_hint_names_this_site(auditor, login, drawn_draw):
    client = login(auditor)
    url = admin_url("lottery_draw_change", drawn_draw.pk)
    hint = f"daily {drawn_draw.date.isoformat()}</code>"

    with override_settings(SITE_URL_SET=False):
        assert f"python -m lottery.verify http://testserver {hint}" in page(client, url)
    with override_settings(SITE_URL_SET=True, SITE_URL="https://lottery.example/"):
        assert f"python -m lottery.verify https://lottery.example {hint}" in page(client, url)


def test_audit_log_draw_timeline_and_redraws_show_seconds(auditor, operator, login, make_draw):
    at = datetime(2025, 3, 15, 21, 5, 7, tzinfo=UTC)  # after the draw closed
    with time_machine.travel(at, tick=False):
        audit_entry_create(action=AuditAction.VOID, actor=None, reason="seconds")
        draw = make_draw()
        pick = winning_picks().get(draw=draw)
        redraw_request(pick_id=pick.pk, actor=operator, reason="fraud")
    client = login(auditor)

    assert "2025-03-15 21:05:07" in page(client, admin_url("lottery_auditentry_changelist"))
    assert "2025-03-15 21:05:07" in page(client, admin_url("lottery_draw_change", draw.pk))
    assert "2025-03-15 21:05:07" in page(client, admin_url("lottery_redrawrequest_changelist"))


def listed_emails(client, query: str = "") -> set[str]:
    response = client.get(admin_url("accounts_user_changelist") + query)
    assert response.status_code == 200
    return {user.email for user in response.context["cl"].result_list}


def test_players_list_shows_players_and_staff_have_their_own(auditor, login):
    baker.make(User, email="ada@example.com")
    client = login(auditor)

    assert listed_emails(client) == {"ada@example.com"}
    assert listed_emails(client, "?kind=staff") == {auditor.email}
    assert listed_emails(client, "?kind=all") == {"ada@example.com", auditor.email}
    assert listed_emails(client, "?kind=nonsense") == {"ada@example.com"}
    html = page(client, admin_url("accounts_user_changelist"))
    assert "?kind=staff" in html  # the staff list is one click away


def position(html: str) -> str:
    match = re.search(r'data-testid="page-position"[^>]*>(.*?)<', html, flags=re.S)
    assert match, "no page position shown"
    return " ".join(match.group(1).split())


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("lottery_game_changelist", lambda: baker.make(Game, _quantity=201)),
        (
            "accounts_user_changelist",
            lambda: baker.make(User, _quantity=201),
        ),
        (
            "lottery_auditentry_changelist",
            lambda: [audit_entry_create(action=AuditAction.VOID, actor=None) for _ in range(201)],
        ),
    ],
)
def test_counted_lists_say_page_x_of_y(superuser, login, name, make):
    make()
    client = login(superuser)
    html = page(client, admin_url(name) + "?p=2")
    assert position(html).startswith("page 2 of 3 ·")
    assert ">3</a>" in html  # numbered pages to jump to


def test_draws_list_says_page_x_of_y(auditor, login, game):
    for i in range(51):
        draw_get_or_create(game=game, day=PAST_DAY - timedelta(days=i))
    assert position(page(login(auditor), admin_url("lottery_draw_changelist"))) == (
        "page 1 of 2 · 51 draws"
    )


def test_ballots_list_says_which_page_without_counting(auditor, login, make_draw):
    make_draw(drawn=False, ballots=51)
    client = login(auditor)
    assert position(page(client, admin_url("lottery_ballot_changelist"))) == "page 1"
    html = page(client, admin_url("lottery_ballot_changelist") + "?p=2")
    assert position(html) == "page 2"
    assert len(winner_cells(html)) == 1


def test_the_sidebar_links_players_and_staff_to_their_lists(auditor, login):
    baker.make(User, email="ada@example.com")
    client = login(auditor)
    html = page(client, admin_url("index"))
    players, staff = (
        admin_url("accounts_user_changelist") + f"?kind={k}" for k in ("players", "staff")
    )
    assert f'href="{players}"' in html and f'href="{staff}"' in html
    assert listed_emails(client, "?kind=players") == {"ada@example.com"}


def test_the_ballots_header_shows_no_stand_in_count(auditor, login, make_draw):
    make_draw(drawn=False, ballots=2)
    html = page(login(auditor), admin_url("lottery_ballot_changelist"))
    assert "9999999999" not in html and "Show all" not in html
