"""Plain helpers the back-office tests share (their fixtures are in tests/conftest.py)."""

import threading
import time as time_module
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.test import Client
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


def race_the_close(
    *, draw: Draw, players: list[User], attempt: Callable[[Client, dict[str, str]], None]
) -> None:
    """Bring the draw's close to one second from now, let each player call ``attempt(client,
    headers)`` in a loop for 2.5 s on its own thread and connection, and draw it the moment
    it closes (draw_run closes it first): a real race around the cut-off (PostgreSQL)."""
    from lottery.services.draws import draw_run
    from tests.conftest import bearer

    close_at = timezone.now() + timedelta(seconds=1)
    Draw.objects.filter(pk=draw.pk).update(close_at=close_at)
    stop = time_module.monotonic() + 2.5

    def player_loop(player: User) -> None:
        client, headers = Client(), bearer(player)
        while time_module.monotonic() < stop:
            attempt(client, headers)
        connection.close()

    def closer() -> None:
        while timezone.now() < close_at:
            time_module.sleep(0.005)
        draw_run(draw_id=draw.pk)
        connection.close()

    threads = [threading.Thread(target=player_loop, args=(p,)) for p in players]
    threads.append(threading.Thread(target=closer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    draw.refresh_from_db()
