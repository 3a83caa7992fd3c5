"""Reads of draws: the games on offer, what is due, the published and listed draws."""

from datetime import date, datetime
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from core.errors import ServiceError
from lottery.models import Draw, DrawStatus, Game, Pick
from lottery.selectors.ballots import winning_prefetch


class AllPicks(TypedDict):
    """draw_public()'s prefetch: every pick, by rank then serial, with its ballot."""

    all_picks: list[Pick]


class Winning(TypedDict):
    """winning_prefetch(): the current winners, with their ballots and players."""

    winning: list[Pick]


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    # A draw as these reads return it, its prefetched attribute included.
    DrawWithPicks = WithAnnotations[Draw, AllPicks]
    DrawWithWinning = WithAnnotations[Draw, Winning]


def games_active() -> QuerySet[Game]:
    return Game.objects.filter(is_active=True).order_by("slug")


def draws_overdue(*, now: datetime) -> QuerySet[Draw]:
    """Draws whose close time has passed and that are not drawn yet, oldest first."""
    return Draw.objects.filter(
        status__in=[DrawStatus.OPEN, DrawStatus.CLOSED], close_at__lte=now
    ).order_by("close_at", "id")


def draws_due(*, now: datetime) -> list[int]:
    """The ids of the overdue draws: what the midnight task closes and draws."""
    return list(draws_overdue(now=now).values_list("id", flat=True))


def draws_drawn() -> QuerySet[Draw]:
    """Drawn draws with their current winners, in a constant number of queries."""
    return (
        Draw.objects.filter(status=DrawStatus.DRAWN)
        .select_related("game")
        .prefetch_related(winning_prefetch())
        .order_by("-date", "game__slug")
    )


def draw_public(*, game: str, day: date) -> "DrawWithPicks":
    """One draw with its game and every pick (and its ballot): the published JSON's reads."""
    draws = Draw.objects.select_related("game").prefetch_related(
        Prefetch(
            "picks",
            queryset=Pick.objects.select_related("ballot").order_by("rank", "serial"),
            to_attr="all_picks",
        )
    )
    return _of_day(draws, game=game, day=day)  # type: ignore[return-value]  # prefetched


def draw_of_day(*, game: str, day: date) -> Draw:
    """One draw and its game, without the picks: what the leaves and the proofs read."""
    return _of_day(Draw.objects.select_related("game"), game=game, day=day)


def _of_day(draws: QuerySet[Draw], *, game: str, day: date) -> Draw:
    draw = draws.filter(game__slug=game, date=day).first()
    if draw is None:
        raise ServiceError(f"No draw for {game} on {day}.", status=404)
    return draw


PUBLIC_PAST = (DrawStatus.DRAWN, DrawStatus.NO_ENTRIES, DrawStatus.VOID, DrawStatus.CLOSED)


def draws_listed() -> QuerySet[Draw]:
    """Draws newest first (by date, then game); the API narrows it with lottery.filters."""
    return Draw.objects.select_related("game").order_by("-date", "game__slug", "-id")


def draws_recent_with_winners(*, limit: int) -> list["DrawWithWinning"]:
    """The latest closed-or-later draws, each with ``winning`` (current winners and their
    players) prefetched: two queries whatever the number of draws or ballots."""
    return list(
        draws_listed().filter(status__in=PUBLIC_PAST).prefetch_related(winning_prefetch())[:limit]
    )


def draws_upcoming(*, limit: int) -> list[Draw]:
    """Open draws, soonest close first."""
    return list(
        Draw.objects.select_related("game")
        .filter(status=DrawStatus.OPEN)
        .order_by("close_at", "game__slug")[:limit]
    )


def draw_page(*, game: str, day: date) -> "DrawWithPicks":
    """One published draw whose picks know their player (for display names): 3 queries."""
    draw = draw_public(game=game, day=day)
    picks = getattr(draw, "all_picks", [])
    players = User.objects.in_bulk({pick.ballot.player_id for pick in picks})
    for pick in picks:
        pick.ballot.player = players[pick.ballot.player_id]
    return draw
