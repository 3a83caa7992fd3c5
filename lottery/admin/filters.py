"""Changelist filters that stay on an index at millions of ballots.

Ballot filters resolve the small side first (draws, winning picks: a few rows per day)
and filter ballots by those ids, so PostgreSQL walks ``ballot_serial_idx`` (draw,
created_at, uuid) or the primary key instead of joining every ballot to its draw.
"""

from datetime import date, datetime, time, timedelta

from django.contrib import admin
from django.core.validators import EMPTY_VALUES
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from unfold.contrib.filters.admin import DropdownFilter, RangeDateFilter
from unfold.utils import parse_date_str

from core.types import has_nul
from lottery.models import Draw, Game
from lottery.selectors.ballots import winning_picks


def _range(filter_: RangeDateFilter) -> tuple[date | None, date | None]:
    def value(suffix: str) -> date | None:
        raw = filter_.used_parameters.get(f"{filter_.parameter_name}_{suffix}")
        return parse_date_str(raw) if raw not in EMPTY_VALUES and isinstance(raw, str) else None

    return value("from"), value("to")


class DrawDateFilter(RangeDateFilter):
    """Ballots whose draw date is in the range: draw ids first, then the ballot index."""

    title = "draw date"

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        start, end = _range(self)
        if start is None and end is None:
            return queryset
        draws = Draw.objects.all()
        if start is not None:
            draws = draws.filter(date__gte=start)
        if end is not None:
            draws = draws.filter(date__lte=end)
        return queryset.filter(draw_id__in=list(draws.values_list("id", flat=True)))


class DayRangeFilter(RangeDateFilter):
    """Whole days of a datetime field, in the current time zone (the end day included)."""

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        start, end = _range(self)
        zone = timezone.get_current_timezone()
        if start is not None:
            since = datetime.combine(start, time(0), tzinfo=zone)
            queryset = queryset.filter(**{f"{self.field_path}__gte": since})
        if end is not None:
            until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)
            queryset = queryset.filter(**{f"{self.field_path}__lt": until})
        return queryset


class GameFilter(DropdownFilter):
    """Ballots of one game, through the ids of that game's draws."""

    title = "game"
    parameter_name = "game"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return list(Game.objects.values_list("slug", "name"))

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in EMPTY_VALUES:
            return queryset
        if has_nul(self.value()):
            return queryset.none()
        ids = Draw.objects.filter(game__slug=self.value()).values_list("id", flat=True)
        return queryset.filter(draw_id__in=list(ids))


class WinnerFilter(DropdownFilter):
    """Ballots that win now (or not), through the handful of winning picks."""

    title = "winner"
    parameter_name = "winner"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("yes", "Winning ballots"), ("no", "Other ballots")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() not in ("yes", "no"):
            return queryset
        winners = list(winning_picks().values_list("ballot_id", flat=True))
        if self.value() == "yes":
            return queryset.filter(pk__in=winners)
        return queryset.exclude(pk__in=winners)
