"""The production-mode stack, started once per session as an operator starts it.

The README's production section, step by step: `collectstatic --noinput`, `migrate --noinput`,
then the Procfile's `web:` line (gunicorn from gunicorn.conf.py) and `worker:` line (Huey, the
scheduler included), read from the Procfile itself, with DEBUG off and real random secrets.
With DATABASE_URL set (the PostgreSQL + Redis run) it uses a fresh PostgreSQL database of its
own, dropped at the end, and REDIS_URL as given; otherwise the embedded default (SQLite and
SqliteHuey files in DATA_DIR). The tests talk to it over HTTP only, outside any transaction.
"""

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.test_production_config import production_env

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
PASSWORD = "e2e-Prod-passw0rd!"
GAME = "e2e"


def procfile_line(name: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {name}: line in the Procfile")


def free_port() -> int:
    """A port of this engineer's range (9100-9199) nobody listens on, else E2E_PROD_PORT."""
    import socket

    if os.environ.get("E2E_PROD_PORT"):
        return int(os.environ["E2E_PROD_PORT"])
    # From a random start: two xdist workers each start a stack of their own.
    start = secrets.randbelow(50)
    for port in [9150 + (start + n) % 50 for n in range(50)]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port in 9150-9199")


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


@dataclass
class Stack:
    url: str
    env: dict
    data_dir: Path
    logs: dict = field(default_factory=dict)

    def http(
        self,
        method: str,
        path: str,
        body: object = None,
        token: str | None = None,
        headers: dict | None = None,
    ) -> Response:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return Response(answer.status, dict(answer.headers), answer.read())
        except urllib.error.HTTPError as answer:
            return Response(answer.code, dict(answer.headers), answer.read())

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if check:
            assert result.returncode == 0, result.stderr
        return result

    def shell(self, code: str) -> object:
        """Run Python in `manage.py shell` against the live database; it prints JSON back."""
        out = self.manage("shell", "--no-imports", "-c", code).stdout.strip().splitlines()
        return json.loads(out[-1]) if out else None

    def player(self, email: str) -> str:
        """Register a player through the API and return an access token."""
        answer = self.http("POST", "/api/v1/users/register", register_body(email))
        assert answer.status == 201, answer.body
        tokens = self.http("POST", "/api/v1/users/token", {"email": email, "password": PASSWORD})
        assert tokens.status == 200, tokens.body
        return tokens.json()["access_token"]


def _production_env(data_dir: Path, port: int) -> dict[str, str]:
    return production_env(
        data_dir,
        DATA_DIR=str(data_dir),
        JWT_SIGNING_KEY=secrets.token_urlsafe(50),
        STATIC_ROOT=str(data_dir / "static"),
        # Plain HTTP on loopback: no HTTPS redirect (nothing else is relaxed).
        SECURE_SSL_REDIRECT="0",
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="2",
        PYTHONUNBUFFERED="1",
        # The worker's emails as files the tests can read.
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(data_dir / "mail"),
    )


def _psql(sql: str, url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    subprocess.run(["psql", admin_url, "-q", "-c", sql], check=True, capture_output=True)


def _start(line: str, env: dict, log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(
        ["bash", "-c", f"exec {line}"],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(stack: Stack, processes: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        for process in processes:
            assert process.poll() is None, "\n".join(p.read_text() for p in stack.logs.values())
        try:
            if stack.http("GET", "/readyz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("the stack was not ready within 90 s")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("e2e_prod")
    port = free_port()
    env = _production_env(data_dir, port)
    database_url = os.environ.get("DATABASE_URL", "")
    dropped = None
    if database_url:
        name = f"e2e_prod_{secrets.token_hex(4)}"
        _psql(f"CREATE DATABASE {name}", database_url)
        dropped = name
        parts = urllib.parse.urlsplit(database_url)
        env["DATABASE_URL"] = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
        env["REDIS_URL"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        # its own queue and cache keys: its consumer runs all session, beside other stacks
        env["REDIS_NAMESPACE"] = name
    stack = Stack(url=f"http://127.0.0.1:{port}", env=env, data_dir=data_dir)
    processes: list[subprocess.Popen] = []
    try:
        # 1. Build, 2. Release: exactly the README's commands.
        stack.manage("collectstatic", "--noinput")
        stack.manage("migrate", "--noinput")
        # 3. Web, 4. Worker: the Procfile's lines, untouched (HOST/PORT come from the env).
        for name in ("web", "worker"):
            stack.logs[name] = data_dir / f"{name}.log"
            processes.append(_start(procfile_line(name), env, stack.logs[name]))
        _wait_ready(stack, processes)
        yield stack
    finally:
        for process in processes:
            _stop(process)
        if dropped:
            _psql(f"DROP DATABASE IF EXISTS {dropped} WITH (FORCE)", database_url)


def register_body(email: str) -> dict:
    return {
        "email": email,
        "password": PASSWORD,
        "confirm_password": PASSWORD,
        "first_name": "E2e",
        "last_name": "Prod",
    }


@dataclass
class Day:
    """A day of the `e2e` game, played by two players, closed now: the worker draws it."""

    date: str
    owner: str
    other: str
    ballot: str


@pytest.fixture(scope="session")
def due_day(stack: Stack) -> Day:
    """Create the game, play it over the API, then close its day now; the worker's periodic
    task (every minute) draws it while the other tests run. See `drawn`."""
    today = stack.shell(
        "import json; from lottery.models import Game;"
        "from django.utils import timezone;"
        f"game = Game.objects.create(slug={GAME!r}, name='E2E', numbers_per_ballot=3,"
        " min_number=1, max_number=9, time_zone='UTC', winners_per_draw=1,"
        " alternates_per_draw=2);"
        "print(json.dumps(game.today_for(timezone.now()).isoformat()))"
    )
    owner, other = stack.player("owner@example.com"), stack.player("other@example.com")
    played = [
        stack.http("POST", "/api/v1/lotteries", {"numbers": n, "game": GAME}, token=t)
        for n, t in (([1, 2, 3], owner), ([4, 5, 6], other), ([7, 8, 9], owner))
    ]
    assert [p.status for p in played] == [201, 201, 201], played[0].body
    stack.shell(
        "from django.utils import timezone; from lottery.models import Draw;"
        f"n = Draw.objects.filter(game__slug={GAME!r}, date={today!r})"
        ".update(close_at=timezone.now()); print(n)"
    )
    return Day(date=today, owner=owner, other=other, ballot=played[0].json()["uuid"])


@pytest.fixture(scope="session")
def drawn(stack: Stack, due_day: Day) -> Day:
    """The due day once the real worker has drawn it (its task runs at each minute)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        answer = stack.http("GET", f"/api/v1/draws/{GAME}/{due_day.date}")
        if answer.status == 200 and answer.json()["status"] == "drawn":
            return due_day
        time.sleep(1)
    raise AssertionError(
        f"the worker did not draw the day within 90 s:\n{stack.logs['worker'].read_text()}"
    )
