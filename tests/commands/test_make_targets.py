"""The README's operator commands, typed as given: make draw and make verify, in real processes.

Each runs against its own SQLite files under a temporary DATA_DIR, with the environment a
shell has after `make run` (no DJANGO_DEBUG, no secret key: the Makefile provides them).
"""

import getpass
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow
REPO = str(settings.BASE_DIR)
PAST = (date.today() - timedelta(days=60)).isoformat()
YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


@pytest.fixture(scope="module")
def shell_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A shell's environment, its data in a temporary DATA_DIR holding the demo."""
    unset = ("DJANGO_", "PYTEST", "DATABASE_URL", "REDIS_URL", "HUEY_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(unset)}
    env["DATA_DIR"] = str(tmp_path_factory.mktemp("data"))
    for command in (["migrate", "-v0"], ["demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=REPO,
            env={**env, "DJANGO_DEBUG": "1"},
            check=True,
            capture_output=True,
            timeout=180,
        )
    return env


def make(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # -o: the virtualenv is shared and installed; a checkout's fresh lock file must not
    # make this test reinstall it.
    return subprocess.run(
        ["make", "-s", "-C", REPO, "-o", ".venv/.installed", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def audit_who(env: dict[str, str], day: str) -> set[tuple[str, str]]:
    with sqlite3.connect(os.path.join(env["DATA_DIR"], "db.sqlite3")) as db:
        rows = db.execute(
            "SELECT a.action, coalesce(u.email, a.actor_label) FROM lottery_auditentry a "
            "JOIN lottery_draw d ON d.id = a.draw_id "
            "LEFT JOIN accounts_user u ON u.id = a.actor_id WHERE d.date = ?",
            [day],
        )
        return set(rows)


def test_make_draw_draws_a_day_and_records_the_os_user(shell_env):
    result = make("draw", "GAME=daily", f"DATE={PAST}", env=shell_env)
    assert result.returncode == 0, result.stderr
    assert f"daily {PAST}: No entries" in result.stdout
    user = getpass.getuser()
    assert audit_who(shell_env, PAST) == {
        ("close", f"{user} (manage.py draw)"),
        ("draw", f"{user} (manage.py draw)"),
    }


def test_make_draw_with_actor_records_the_staff_account(shell_env):
    day = (date.today() - timedelta(days=61)).isoformat()
    result = make("draw", "GAME=paris", f"DATE={day}", "ACTOR=operator@demo.example", env=shell_env)
    assert result.returncode == 0, result.stderr
    assert audit_who(shell_env, day) == {
        ("close", "operator@demo.example"),
        ("draw", "operator@demo.example"),
    }


def test_make_draw_without_a_date_prints_its_usage(shell_env):
    result = make("draw", env=shell_env)
    assert result.returncode != 0
    assert "usage: make draw GAME=daily DATE=YYYY-MM-DD" in result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(shell_env):
    port = free_port()
    server = subprocess.Popen(
        [".venv/bin/python", "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=REPO,
        env={**shell_env, "DJANGO_DEBUG": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_make_verify_checks_a_drawn_demo_draw(shell_env, served):
    result = make("verify", f"URL={served}", "GAME=paris", f"DATE={YESTERDAY}", env=shell_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok winners (rank, serials, numbers)" in result.stdout
    assert result.stdout.rstrip().endswith("draw is VALID")


def test_make_verify_says_an_empty_draw_has_no_ballots(shell_env, served):
    assert make("draw", "GAME=daily", f"DATE={PAST}", env=shell_env).returncode == 0
    result = make("verify", f"URL={served}", "GAME=daily", f"DATE={PAST}", env=shell_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok no ballots, as ballots_count says" in result.stdout
