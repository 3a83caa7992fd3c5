"""Shared fixtures: an API client, players with tokens, and a clean cache per test."""

import shutil
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client
from model_bakery import baker

from accounts.models import User
from accounts.services import token_pair_issue
from lottery import caching
from lottery.models import Draw, Game
from lottery.services.draws import draw_get_or_create, draw_run
from tests.helpers import PAST_DAY, make_ballots


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()  # rate limits must not leak from one test to the next
    caching.memo_clear()  # nor the validators this process kept of the last test's draws


@pytest.fixture
def api() -> Client:
    return Client()


def daily_game() -> Game:
    """The migration's default game (re-made after a transactional test flushed it)."""
    game, _ = Game.objects.get_or_create(slug="daily", defaults={"name": "Daily lottery"})
    return game


@pytest.fixture
def game(db: None) -> Game:
    return daily_game()


@pytest.fixture
def make_player(db: None) -> Callable[..., User]:
    def make(**fields: object) -> User:
        fields.setdefault("first_name", "Ada")
        fields.setdefault("last_name", "Lovelace")
        user = baker.make(User, **fields)
        user.set_password("a-Long-passw0rd!")
        user.save()
        return user

    return make


@pytest.fixture
def player(make_player: Callable[..., User]) -> User:
    return make_player(email="ada@example.com")


def bearer(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_pair_issue(user=user).access_token}"}


@pytest.fixture
def auth(player: User) -> dict[str, str]:
    return bearer(player)


def postgres_only() -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
    )


@pytest.fixture
def _keep_test_connection():
    """Like django.test.Client: a WSGI request must not close the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Debian's Chromium (never a downloaded one), one per session: Playwright's sync API
    cannot run twice in one thread, so every browser test (tests/e2e, tests/e2e_prod) shares
    it and opens its own contexts."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# The back office: staff in each group, logged-in clients, drawn draws.


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
