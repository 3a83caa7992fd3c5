"""A real Huey consumer (python manage.py run_huey) draws a day missed while none ran."""

import os
import subprocess
import sys
import time
from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from model_bakery import baker

from lottery.models import Draw, DrawStatus, Pick
from lottery.services.draws import draw_get_or_create
from tests.conftest import daily_game

pytestmark = pytest.mark.slow


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def test_consumer_draws_a_missed_midnight(transactional_db, tmp_path):
    # The close time passed long ago, while no consumer was running.
    draw = draw_get_or_create(game=daily_game(), day=date(2026, 3, 4))
    players = baker.make("accounts.User", _quantity=2)
    for i in range(6):
        baker.make_recipe("lottery.ballot", draw=draw, player=players[i % 2])
    env = {
        **os.environ,
        "HUEY_IMMEDIATE": "0",
        "DATABASE_URL": _database_url(),
        "DATA_DIR": str(tmp_path),  # a Huey queue of this test's own
        "DJANGO_SETTINGS_MODULE": "backoffice.settings",
    }
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    consumer = subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "--workers", "1"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            draw.refresh_from_db()
            if draw.status == DrawStatus.DRAWN:
                break
            time.sleep(0.5)
    finally:
        consumer.terminate()
        output = consumer.communicate(timeout=20)[0].decode()
    assert draw.status == DrawStatus.DRAWN, output
    assert Pick.objects.filter(draw=draw, kind="winner").count() == 1
    assert Draw.objects.filter(status=DrawStatus.OPEN, close_at__lte=draw.close_at).count() == 0
