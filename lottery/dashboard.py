"""The staff dashboard (unfold's DASHBOARD_CALLBACK) and the reads behind it.

Every number is read here, in a fixed number of queries whatever the volume; the
template only lays the values out. Closed draws carry their ballot count (fixed at
close), so only still-open draws are counted live, on the ballot index.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest
from django.utils import timezone

from lottery import selectors
from lottery.models import Ballot, Draw, DrawStatus, Game, RedrawRequest, RedrawStatus

CHART_DAYS = 30
CHART_AHEAD = 7  # the coming week's ballots too (players may play days ahead)
RECENT_DRAWS = 7
ATTENTION_LIMIT = 20


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
    games = list(selectors.games_active())
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
    winning = selectors.winning_picks().select_related("ballot__player").order_by("kind", "rank")
    return list(
        Draw.objects.filter(status=DrawStatus.DRAWN)
        .select_related("game")
        .prefetch_related(Prefetch("picks", queryset=winning, to_attr="winning"))
        .order_by("-date", "game__slug")[:limit]
    )


def ballots_per_day(*, today: date, days: int = CHART_DAYS, ahead: int = CHART_AHEAD) -> dict:
    """Chart.js data: ballots per draw date and game, the last ``days`` days (today included)
    and the ``ahead`` coming ones; the y axis shows its values."""
    start, end = today - timedelta(days=days - 1), today + timedelta(days=ahead)
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
    labels = [start + timedelta(days=i) for i in range(days + ahead)]
    colors = ["var(--color-primary-600)", "var(--color-primary-300)", "var(--color-base-400)"]
    return {
        "labels": [f"{day:%b %d}{' (today)' if day == today else ''}" for day in labels],
        "datasets": [
            {
                "label": name,
                "data": [per_day.get(day, 0) for day in labels],
                "backgroundColor": colors[i % len(colors)],
                "displayYAxis": True,  # unfold hides the y ticks unless a dataset asks
            }
            for i, (name, per_day) in enumerate(sorted(series.items()))
        ],
    }


def attention(*, now: datetime, today: date) -> Attention:
    """What staff must look at: overdue draws, redraws awaiting approval, empty draws."""
    overdue = (
        Draw.objects.filter(status__in=[DrawStatus.OPEN, DrawStatus.CLOSED], close_at__lte=now)
        .select_related("game")
        .order_by("close_at")[:ATTENTION_LIMIT]
    )
    redraws = (
        RedrawRequest.objects.filter(status=RedrawStatus.PENDING)
        .select_related("draw__game", "pick__ballot", "requested_by")
        .order_by("requested_at")[:ATTENTION_LIMIT]
    )
    no_entries = (
        Draw.objects.filter(
            status=DrawStatus.NO_ENTRIES, date__gte=today - timedelta(days=CHART_DAYS)
        )
        .select_related("game")
        .order_by("-date")[:ATTENTION_LIMIT]
    )
    return Attention(overdue=list(overdue), redraws=list(redraws), no_entries=list(no_entries))


def dashboard_callback(request: HttpRequest, context: dict) -> dict:
    now = timezone.now()
    today = timezone.localdate(now)
    context.update(
        games_today=games_today(now=now),
        attention=attention(now=now, today=today),
        recent_draws=draws_recent(),
        chart=json.dumps(ballots_per_day(today=today)),
        chart_days=CHART_DAYS,
        chart_ahead=CHART_AHEAD,
    )
    return context
