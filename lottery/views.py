"""Public results pages: server-rendered, no login, every script and style a static file."""

from datetime import date
from typing import TYPE_CHECKING

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core.errors import ServiceError
from lottery import published
from lottery.models import PickKind
from lottery.selectors.draws import draw_page, draws_recent_with_winners, draws_upcoming

if TYPE_CHECKING:
    from lottery.selectors.draws import DrawWithWinning

RECENT_ON_HOME = 10
RECENT_ON_LIST = 60
UPCOMING = 10


def home(request: HttpRequest) -> HttpResponse:
    return _listing(request, recent=RECENT_ON_HOME, title="Results")


def draw_list(request: HttpRequest) -> HttpResponse:
    return _listing(request, recent=RECENT_ON_LIST, title="All recent draws")


def _listing(request: HttpRequest, *, recent: int, title: str) -> HttpResponse:
    context = {
        "title": title,
        "recent": [_card(draw) for draw in draws_recent_with_winners(limit=recent)],
        "upcoming": draws_upcoming(limit=UPCOMING),
        "more": recent == RECENT_ON_HOME,
    }
    return render(request, "public/draw_list.html", context)


def _card(draw: "DrawWithWinning") -> dict[str, object]:
    """A recent draw and the display names of its current winners (prefetched)."""
    names = [pick.ballot.player.display_name for pick in draw.winning]
    return {"draw": draw, "winners": names}


def draw_detail(request: HttpRequest, game: str, day: str) -> HttpResponse:
    try:
        draw = draw_page(game=game, day=date.fromisoformat(day))
    except (ValueError, ServiceError) as exc:
        raise Http404("No such draw.") from exc
    shown = published.draw(draw)
    picks = getattr(draw, "all_picks", [])
    rows = [
        {
            "rank": pick.rank,
            "serial": pick.serial,
            "name": pick.ballot.player.display_name,
            "numbers": pick.ballot.numbers_list,
            "promoted": pick.promoted_at is not None,
            "disqualified": pick.disqualified_at is not None,
        }
        for pick in picks
    ]
    context = {
        "title": f"{draw.game.name}, {draw.date:%d %B %Y}",
        "draw": draw,
        "published": shown,
        "winners": [r for r, p in zip(rows, picks, strict=True) if p.kind == PickKind.WINNER],
        "alternates": [r for r, p in zip(rows, picks, strict=True) if p.kind == PickKind.ALTERNATE],
        "api_url": f"/api/v1/draws/{draw.game.slug}/{draw.date.isoformat()}",
        "verifiable": shown.get("seed") is not None,
    }
    return render(request, "public/draw_detail.html", context)
