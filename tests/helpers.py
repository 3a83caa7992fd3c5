"""Plain helpers the back-office tests share (their fixtures are in tests/conftest.py)."""

from datetime import date, datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from model_bakery import baker

from accounts.models import User
from lottery.models import Ballot, Draw

PAST_DAY = date(2025, 3, 14)


def admin_url(name: str, *args: object) -> str:
    return reverse(f"admin:{name}", args=args)


def make_ballots(draw: Draw, count: int, *, players: list[User] | None = None) -> list[Ballot]:
    """``count`` ballots with different numbers, played one second apart on the draw's day."""
    if not count:
        return []
    players = players or baker.make(User, _quantity=min(count, 5))
    start = datetime.combine(draw.date, time(9), tzinfo=draw.game.zone)
    return [
        baker.make(
            Ballot,
            draw=draw,
            player=players[i % len(players)],
            numbers=f"{1 + i % 46}-{47}-{48}-{49}-{50}",
            created_at=start + timedelta(seconds=i),
        )
        for i in range(count)
    ]


def today() -> date:
    return timezone.localdate()
