"""Browser tests: a real Chromium (Debian's, never a downloaded one) driven by Playwright.

They skip cleanly when chromium is not installed; CI installs it.
"""

import importlib
import os
from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from model_bakery import baker

from accounts.models import User
from lottery.models import Ballot, Draw, Game
from lottery.services.draws import draw_get_or_create, draw_run

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are still plain synchronous code (Django otherwise refuses them).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Screenshots land in data/screenshots so a test run leaves the tree clean; refresh the
# README's copies with SCREENSHOTS_DIR=docs/screenshots make test.
SCREENSHOTS = Path(
    os.environ.get("SCREENSHOTS_DIR")
    or Path(__file__).resolve().parents[2] / "data" / "screenshots"
)
PASSWORD = "a-Long-passw0rd!"


@pytest.fixture
def new_page(chromium: object, live_server: object) -> Iterator[Callable[[], object]]:
    """Open a fresh browser context (its own cookies) per staff member."""
    contexts = []

    def make() -> object:
        context = chromium.new_context(
            base_url=live_server.url, viewport={"width": 1440, "height": 1000}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def log_in(page: object, email: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")


def screenshot(page: object, name: str) -> None:
    """Save a full-page PNG; the viewport grows to the page so fixed parts stay in place."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1440, "height": min(max(height, 900), 4000)})
    page.wait_for_timeout(400)  # let Chart.js redraw at the new size
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


@pytest.fixture
def lottery_defaults(transactional_db: None) -> Game:
    """What the data migration creates: a transactional test may start from a flushed database."""
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    migration = importlib.import_module("lottery.migrations.0002_default_game_and_groups")
    for name, codenames in migration.GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label__in=["lottery", "accounts"], codename__in=codenames
            )
        )
    game, _ = Game.objects.get_or_create(slug="daily", defaults={"name": "Daily lottery"})
    return game


@pytest.fixture
def staff_member(lottery_defaults: Game) -> Callable[..., User]:
    def make(email: str, *groups: str, **fields: object) -> User:
        user = baker.make(
            User,
            email=email,
            first_name=email.split("@")[0].title(),
            last_name="Staff",
            is_staff=True,
            **fields,
        )
        user.set_password(PASSWORD)
        user.save()
        user.groups.set(Group.objects.filter(name__in=groups))
        return user

    return make


@pytest.fixture
def season(lottery_defaults: Game) -> dict[str, object]:
    """Two weeks of drawn draws with ballots, and today's open draw: enough to look real."""
    game = lottery_defaults
    players = [
        baker.make(User, email=f"{name.lower()}@example.com", first_name=name, last_name="Player")
        for name in ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances")
    ]
    today = timezone.localdate()
    draws: list[Draw] = []
    for back in range(14, -1, -1):
        day = today - timedelta(days=back)
        draw = draw_get_or_create(game=game, day=day)
        start = datetime.combine(day, time(8), tzinfo=game.zone)
        count = 6 + (back * 7) % 23
        Ballot.objects.bulk_create(
            Ballot(
                draw=draw,
                player=players[i % len(players)],
                numbers="-".join(
                    str(n) for n in sorted({1 + (i * 7 + k * 11) % 50 for k in range(5)})
                ),
                created_at=min(start + timedelta(minutes=13 * i), timezone.now()),
            )
            for i in range(count)
        )
        if back:
            draw_run(draw_id=draw.pk)
        draws.append(draw)
    return {"game": game, "players": players, "draws": draws, "today": today}
