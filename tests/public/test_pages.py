"""The public results pages: no login, what they show, nothing inline, constant queries."""

import re
from datetime import timedelta

import pytest
from django.test import Client

from lottery.models import Pick, PickKind
from lottery.services.draws import draw_run
from tests.conftest import daily_game
from tests.public.conftest import DAY, draw_with_ballots


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def detail_url(draw: object) -> str:
    return f"/draws/{draw.game.slug}/{draw.date.isoformat()}/"


@pytest.mark.parametrize("url", ["/", "/draws/"])
def test_listing_shows_recent_draws_with_winners_and_upcoming_with_commitment(
    client, statuses, url
):
    html = page(client, url)
    winner = Pick.objects.get(draw=statuses["drawn"], kind=PickKind.WINNER).ballot.player
    assert winner.display_name in html and winner.email not in html
    for status in ("drawn", "no_entries", "void", "closed", "open"):
        assert detail_url(statuses[status]) in html
    upcoming = html.split('id="upcoming"')[1].split("</ul>")[0]
    assert statuses["open"].commitment in upcoming
    assert statuses["drawn"].commitment not in upcoming
    assert 'href="/api/v1/draws"' in html


def test_draw_page_shows_winners_by_display_name_and_every_published_value(client, statuses):
    draw = statuses["drawn"]
    html = page(client, detail_url(draw))
    winners = html.split('id="winners"')[1].split("</ol>")[0]
    winner = Pick.objects.get(draw=draw, kind=PickKind.WINNER).ballot.player
    assert winner.display_name in winners  # "First L."
    assert re.search(r"[A-Z][a-z]+ [A-Z]\.", winners)
    for value in (draw.commitment, draw.merkle_root, bytes(draw.seed).hex(), draw.material):
        assert value in html
    assert 'data-field="ballots_count">12<' in html
    assert 'id="verify-button"' in html and 'data-draw-url="/api/v1/draws/daily/' in html


def test_an_open_draw_page_has_its_commitment_but_no_seed_and_no_verify_button(client, statuses):
    draw = statuses["open"]
    html = page(client, detail_url(draw))
    assert draw.commitment in html and bytes(draw.seed).hex() not in html
    assert 'id="verify-button"' not in html


def test_a_void_draw_page_says_why(client, statuses):
    assert "Power cut at the office." in page(client, detail_url(statuses["void"]))


@pytest.mark.parametrize(
    "url",
    [
        "/draws/daily/2026-02-30/",
        "/draws/daily/1999-01-01/",
        "/draws/nothing/2026-03-10/",
        "/draws/daily/yesterday/",
    ],
)
def test_unknown_or_malformed_draws_are_404(client, statuses, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("which", ["/", "/draws/", "drawn", "open", "void", "no_entries"])
def test_pages_load_nothing_from_outside_and_have_nothing_inline(client, statuses, which):
    html = page(client, which if which.startswith("/") else detail_url(statuses[which]))
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert not re.search(r"\sstyle=", html), "style attribute"
    assert "<style" not in html and " on" + "click=" not in html
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/") or url.startswith("#"), url


def test_listing_costs_the_same_queries_however_many_draws_and_ballots(
    client, players, django_assert_max_num_queries
):
    game = daily_game()
    draw_run(draw_id=draw_with_ballots(game, DAY, 3, players).pk)
    with django_assert_max_num_queries(3):
        page(client, "/draws/")
    for back in range(1, 15):
        draw_run(draw_id=draw_with_ballots(game, DAY - timedelta(back), 20, players).pk)
    draw_with_ballots(game, DAY + timedelta(1), 5, players)
    with django_assert_max_num_queries(3):
        page(client, "/draws/")


def test_draw_page_costs_the_same_queries_however_many_ballots(
    client, players, django_assert_max_num_queries
):
    game = daily_game()
    small = draw_run(draw_id=draw_with_ballots(game, DAY, 2, players).pk)
    big = draw_run(draw_id=draw_with_ballots(game, DAY + timedelta(1), 200, players).pk)
    for draw in (small, big):
        with django_assert_max_num_queries(3):
            page(client, detail_url(draw))
