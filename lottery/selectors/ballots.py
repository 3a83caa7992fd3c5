"""Reads of ballots: a player's list, as published, and which of them win."""

from typing import Literal

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from lottery import published
from lottery.models import Ballot, Draw, DrawStatus, Pick, PickKind


def winning_picks() -> QuerySet[Pick]:
    """Picks that win now: undisqualified winners and promoted alternates."""
    return Pick.objects.filter(disqualified_at__isnull=True).filter(
        Q(kind=PickKind.WINNER) | Q(promoted_at__isnull=False)
    )


def winning_prefetch() -> 'Prefetch[str, QuerySet[Pick], Literal["winning"]]':
    """Each draw's current winners and their players, as ``draw.winning`` (one query for any
    number of draws)."""
    return Prefetch(
        "picks",
        queryset=winning_picks().select_related("ballot__player").order_by("kind", "rank"),
        to_attr="winning",
    )


def ballots_of(*, player: User) -> QuerySet[Ballot]:
    """A player's ballots, newest first (the API's FilterSet narrows it further)."""
    return Ballot.objects.filter(player=player).order_by("-created_at", "-id")


# What BallotOut publishes, read as plain values: building model instances and an EXISTS
# annotation cost more CPU than the rest of the request (bench/api_load.sh, PROFILE=1).
_BALLOT_VALUES = (
    "id",
    "uuid",
    "draw__game__slug",
    "draw__date",
    "numbers",
    "created_at",
    "draw__status",
    "quick_pick",
)


def ballot_rows(ballots: QuerySet[Ballot]) -> list[dict]:
    """Ballots as the API publishes them (BallotOut), in two queries at most: the rows with
    their draw's columns, then which of those in drawn draws won."""
    rows = list(ballots.values_list(*_BALLOT_VALUES))
    drawn = [row[0] for row in rows if row[6] == DrawStatus.DRAWN]
    won = set()
    if drawn:
        won = set(winning_picks().filter(ballot_id__in=drawn).values_list("ballot_id", flat=True))
    return [published.ballot(*row, won=won) for row in rows]


def ballot_row(ballot: Ballot) -> dict:
    """One ballot as published; ``ballot.draw`` and its game are already loaded."""
    draw = ballot.draw
    won = set()
    if draw.status == DrawStatus.DRAWN and winning_picks().filter(ballot=ballot).exists():
        won = {ballot.pk}
    return published.ballot(
        ballot.pk,
        ballot.uuid,
        draw.game.slug,
        draw.date,
        ballot.numbers,
        ballot.created_at,
        draw.status,
        ballot.quick_pick,
        won=won,
    )


def distinct_numbers(*, draw: Draw, cap: int) -> int:
    """How many different number sets a draw holds, counted up to ``cap`` (enough to stop)."""
    # order_by() drops the model's default ordering, which DISTINCT would otherwise include.
    numbers = Ballot.objects.filter(draw=draw).order_by().values_list("numbers", flat=True)
    return len(numbers.distinct()[:cap])
