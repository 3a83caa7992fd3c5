"""The staff dashboard (unfold's DASHBOARD_CALLBACK): the reads are
lottery.selectors.dashboard's; here they are laid out (the chart's data for Chart.js)."""

import json
from datetime import date, timedelta

from django.http import HttpRequest
from django.utils import timezone

from accounts.play_limits import self_exclusions_active
from lottery.selectors import dashboard

CHART_DAYS = 30
CHART_AHEAD = 7  # the coming week's ballots too (players may play days ahead)


def ballots_per_day(*, today: date, days: int = CHART_DAYS, ahead: int = CHART_AHEAD) -> dict:
    """Chart.js data: ballots per draw date and game, the last ``days`` days (today included)
    and the ``ahead`` coming ones; the y axis shows its values."""
    start, end = today - timedelta(days=days - 1), today + timedelta(days=ahead)
    series = dashboard.ballots_per_draw_day(start=start, end=end)
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


def dashboard_callback(request: HttpRequest, context: dict) -> dict:
    now = timezone.now()
    today = timezone.localdate(now)
    context.update(
        games_today=dashboard.games_today(now=now),
        attention=dashboard.attention(now=now, today=today),
        recent_draws=dashboard.draws_recent(),
        chart=json.dumps(ballots_per_day(today=today)),
        chart_days=CHART_DAYS,
        chart_ahead=CHART_AHEAD,
        self_exclusions=self_exclusions_active(now=now),
    )
    return context
