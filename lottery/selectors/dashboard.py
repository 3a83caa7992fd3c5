"""The reads behind the staff dashboard, in a fixed number of queries whatever the volume.
Closed draws carry their ballot count (fixed at close), so only still-open draws are
counted live, on the ballot index."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q

from lottery.models import Ballot, Draw, DrawStatus, Game, RedrawRequest, RedrawStatus
from lottery.selectors.draws import draws_drawn, draws_overdue, games_active

RECENT_DRAWS = 7
ATTENTION_LIMIT = 20
NO_ENTRIES_DAYS = 30  # empty draws of the last month need a look


@dataclass(frozen=True)
class GameToday:
    game: Game
    day: date
    draw: Draw | None
    ballots: int
    players: int
    close_at: datetime
    closes_in: str


@dataclass(frozen=True)
class Attention:
    overdue: list[Draw]
    redraws: list[RedrawRequest]
    no_entries: list[Draw]

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.redraws) + len(self.no_entries)


def _duration(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def _counts(draw_ids: list[int], *, players: bool = True) -> dict[int, dict[str, int]]:
    """Ballots (and distinct players) per draw, in one grouped query.

    COUNT(*) alone is answered from the ballot index; players need the table rows.
    """
    if not draw_ids:
        return {}
    counts: dict[str, Count] = {"ballots": Count("*")}
    if players:
        counts["players"] = Count("player_id", distinct=True)
    rows = Ballot.objects.filter(draw_id__in=draw_ids).values("draw_id").annotate(**counts)
    return {row["draw_id"]: row for row in rows.order_by()}


def games_today(*, now: datetime) -> list[GameToday]:
    """Each active game's draw of today (its own time zone): ballots, players, time left."""
    games = list(games_active())
    if not games:
        return []
    days = {game.pk: game.today_for(now) for game in games}
    wanted = Q()
    for game in games:
        wanted |= Q(game=game, date=days[game.pk])
    draws = {draw.game_id: draw for draw in Draw.objects.filter(wanted)}
    counts = _counts([draw.pk for draw in draws.values()])
    out = []
    for game in games:
        draw = draws.get(game.pk)
        close_at = draw.close_at if draw else game.close_at_for(days[game.pk])
        numbers = counts.get(draw.pk, {}) if draw else {}
        out.append(
            GameToday(
                game=game,
                day=days[game.pk],
                draw=draw,
                ballots=numbers.get("ballots", 0),
                players=numbers.get("players", 0),
                close_at=close_at,
                closes_in=_duration(close_at - now),
            )
        )
    return out


def draws_recent(*, limit: int = RECENT_DRAWS) -> list[Draw]:
    """The last drawn draws, each with its current winners (``draw.winning``) and players."""
    return list(draws_drawn()[:limit])


def ballots_per_draw_day(*, start: date, end: date) -> dict[str, dict[date, int]]:
    """Ballots per game name and draw date between ``start`` and ``end``: the count fixed at
    close, or a live count (on the ballot index) for the draws still open."""
    draws = list(
        Draw.objects.filter(date__range=(start, end)).values_list(
            "id", "game__name", "date", "ballots_count"
        )
    )
    live = _counts([pk for pk, _name, _day, count in draws if count is None], players=False)
    series: dict[str, dict[date, int]] = {}
    for pk, name, day, count in draws:
        value = count if count is not None else live.get(pk, {}).get("ballots", 0)
        per_day = series.setdefault(name, {})
        per_day[day] = per_day.get(day, 0) + value
    return series


def attention(*, now: datetime, today: date) -> Attention:
    """What staff must look at: overdue draws, redraws awaiting approval, empty draws."""
    overdue = draws_overdue(now=now).select_related("game")[:ATTENTION_LIMIT]
    redraws = (
        RedrawRequest.objects.filter(status=RedrawStatus.PENDING)
        .select_related("draw__game", "pick__ballot", "requested_by")
        .order_by("requested_at")[:ATTENTION_LIMIT]
    )
    no_entries = (
        Draw.objects.filter(
            status=DrawStatus.NO_ENTRIES, date__gte=today - timedelta(days=NO_ENTRIES_DAYS)
        )
        .select_related("game")
        .order_by("-date")[:ATTENTION_LIMIT]
    )
    return Attention(overdue=list(overdue), redraws=list(redraws), no_entries=list(no_entries))
