"""Fixtures of the back-office tests: staff in each group, logged-in clients, drawn draws.

Import the fixtures you use from this module (it is not a conftest pytest loads by itself).
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from model_bakery import baker

from accounts.models import User
from lottery.models import Ballot, Draw, Game
from lottery.services.draws import draw_get_or_create, draw_run

PAST_DAY = date(2025, 3, 14)

# What `from tests.lottery.conftest_admin import *` brings into a test module: the fixtures.
__all__ = [
    "approver",
    "auditor",
    "drawn_draw",
    "login",
    "make_draw",
    "make_staff",
    "operator",
    "other_operator",
    "superuser",
]


def admin_url(name: str, *args: object) -> str:
    return reverse(f"admin:{name}", args=args)


@pytest.fixture
def make_staff(db: None) -> Callable[..., User]:
    """A staff member in the named groups (the groups the data migration created)."""

    def make(*groups: str, email: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", True)
        user = baker.make(
            User,
            email=email
            or f"{'-'.join(groups).lower() or 'staff'}-{User.objects.count()}@lottery.test",
            **fields,
        )
        user.groups.set(Group.objects.filter(name__in=groups))
        return user

    return make


@pytest.fixture
def operator(make_staff: Callable[..., User]) -> User:
    return make_staff("Operators", email="operator@lottery.test")


@pytest.fixture
def other_operator(make_staff: Callable[..., User]) -> User:
    return make_staff("Operators", email="operator2@lottery.test")


@pytest.fixture
def approver(make_staff: Callable[..., User]) -> User:
    return make_staff("Approvers", email="approver@lottery.test")


@pytest.fixture
def auditor(make_staff: Callable[..., User]) -> User:
    return make_staff("Auditors", email="auditor@lottery.test")


@pytest.fixture
def superuser(make_staff: Callable[..., User]) -> User:
    return make_staff(email="root@lottery.test", is_superuser=True)


@pytest.fixture
def login() -> Callable[[User], Client]:
    def client_for(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return client_for


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


@pytest.fixture
def make_draw(game: Game) -> Callable[..., Draw]:
    """A draw of the daily game on ``day`` with ``ballots`` ballots, drawn unless told not to."""

    def make(day: date = PAST_DAY, ballots: int = 5, drawn: bool = True, **kwargs: object) -> Draw:
        draw = draw_get_or_create(game=game, day=day)
        make_ballots(draw, ballots, **kwargs)
        if drawn:
            draw_run(draw_id=draw.pk)
        draw.refresh_from_db()
        return draw

    return make


@pytest.fixture
def drawn_draw(make_draw: Callable[..., Draw]) -> Draw:
    return make_draw()


def today() -> date:
    return timezone.localdate()
