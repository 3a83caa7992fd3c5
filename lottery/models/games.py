"""A game: a lottery product and its rules."""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q


def default_time_zone() -> str:
    return settings.LOTTERY_TIME_ZONE


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone.")


class TieRule(models.TextChoices):
    FIRST = "first", "First ballot wins"
    SHARE = "share", "Equal ballots share"


class Game(models.Model):
    """A lottery product and its rules."""

    slug = models.SlugField("slug", max_length=40, unique=True)
    name = models.CharField("name", max_length=100)
    numbers_per_ballot = models.PositiveSmallIntegerField("numbers per ballot", default=5)
    min_number = models.PositiveSmallIntegerField("smallest number", default=1)
    max_number = models.PositiveSmallIntegerField("largest number", default=50)
    time_zone = models.CharField(
        "time zone", max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    winners_per_draw = models.PositiveSmallIntegerField("winners per draw", default=1)
    tie_rule = models.CharField(
        "tie rule", max_length=8, choices=TieRule.choices, default=TieRule.FIRST
    )
    alternates_per_draw = models.PositiveSmallIntegerField("alternates per draw", default=10)
    max_ballots_per_player = models.PositiveIntegerField(
        "most ballots per player and draw", default=100
    )
    horizon_days = models.PositiveSmallIntegerField("days ahead a ballot may be played", default=30)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_number__lt=F("max_number")), name="game_number_range"
            ),
            models.CheckConstraint(
                condition=Q(numbers_per_ballot__gte=1)
                & Q(numbers_per_ballot__lte=F("max_number") - F("min_number") + 1),
                name="game_numbers_fit_range",
            ),
            models.CheckConstraint(condition=Q(winners_per_draw__gte=1), name="game_one_winner"),
            models.CheckConstraint(
                condition=Q(max_ballots_per_player__gte=1), name="game_player_limit"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def close_at_for(self, day: date) -> datetime:
        """Midnight at the end of ``day`` in the game's time zone (stored in UTC)."""
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone).astimezone(UTC)

    def today_for(self, now: datetime) -> date:
        """The game's date at the instant ``now``: the day whose draw takes ballots."""
        return now.astimezone(self.zone).date()
