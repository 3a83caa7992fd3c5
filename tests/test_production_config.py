"""The configuration an operator gets: secrets refused at start-up, the build step enforced,
forwarded headers trusted only from trusted proxies, and a dev server on loopback only.

These start real processes (manage.py, gunicorn from gunicorn.conf.py, the Procfile.dev web
line) on the production settings module, never the test settings.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
VENV_BIN = Path(sys.executable).parent


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a production process: real secrets, DEBUG off, nothing of pytest's."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTEST", "JWT_", "DATABASE_URL", "REDIS_URL", "HOST"))
    }
    return {
        **clean,
        "PATH": f"{VENV_BIN}:{clean.get('PATH', '')}",
        "DJANGO_SETTINGS_MODULE": "backoffice.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATA_DIR": str(tmp_path / "data"),
        **extra,
    }


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("DJANGO_SECRET_KEY", "", "DJANGO_SECRET_KEY is empty"),
        ("DJANGO_SECRET_KEY", "0123456789", "DJANGO_SECRET_KEY is 10 bytes"),
        ("DJANGO_SECRET_KEY", "x" * 31, "DJANGO_SECRET_KEY is 31 bytes"),
        (
            "DJANGO_SECRET_KEY",
            "django-insecure-local-only-never-in-production",
            "DJANGO_SECRET_KEY is a published default",
        ),
        ("DJANGO_SECRET_KEY", "django-insecure-" + "k" * 50, "published default"),
        ("JWT_SIGNING_KEY", "short-jwt-key", "JWT_SIGNING_KEY is 13 bytes"),
        ("JWT_SIGNING_KEY", "collectstatic-only", "JWT_SIGNING_KEY is a published default"),
    ],
)
def test_production_refuses_to_start_with_a_weak_secret(tmp_path, variable, value, says):
    env = production_env(tmp_path, **{variable: value})
    result = manage("check", env=env)
    assert result.returncode != 0
    assert says in result.stderr


def test_production_refuses_to_start_without_a_secret(tmp_path):
    env = production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is empty" in result.stderr


def test_production_accepts_a_long_random_secret(tmp_path):
    result = manage("check", env=production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_a_debug_run_makes_a_key_of_its_own_and_keeps_it(tmp_path):
    """No key is written in the code: each checkout's dev server makes one, once."""
    show = (
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY)",
    )
    env = production_env(tmp_path, DJANGO_DEBUG="1")
    del env["DJANGO_SECRET_KEY"]
    first = manage(*show, env=env)
    again = manage(*show, env=env)
    other = manage(*show, env={**env, "DATA_DIR": str(tmp_path / "elsewhere")})
    key = (tmp_path / "data" / "dev-secret-key").read_text().strip()
    assert first.stdout.strip() == key == again.stdout.strip()
    assert len(key) >= 50
    assert other.stdout.strip() not in ("", key)
    assert key not in (ROOT / "backoffice" / "settings.py").read_text()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(process: subprocess.Popen, port: int, path: str = "/healthz") -> None:
    """Until the server answers HTTP (a worker is up, not only the listening socket)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.communicate()[0])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5):
                return
        except urllib.error.HTTPError:
            return  # an answer, whatever it says
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the server did not answer within 90 s")


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        return process.communicate(timeout=20)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0]


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build step, once for this module: collectstatic into a directory of its own."""
    root = tmp_path_factory.mktemp("static")
    env = production_env(root, STATIC_ROOT=str(root / "static"))
    result = manage("collectstatic", "--noinput", "-v0", env=env)
    assert result.returncode == 0, result.stderr
    return root / "static"


def gunicorn(env: dict[str, str]) -> subprocess.Popen:
    """The Procfile's web line, as a PaaS runs it."""
    web = next(
        line.split(":", 1)[1].strip()
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line.startswith("web:")
    )
    return subprocess.Popen(
        ["bash", "-c", f"exec {web}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture
def web(tmp_path: Path, collected_static: Path) -> Iterator:
    """Start the Procfile web process with extra settings; yields its base URL."""
    started: list[subprocess.Popen] = []

    def start(**extra: str) -> str:
        port = free_port()
        env = production_env(
            tmp_path,
            STATIC_ROOT=str(collected_static),
            HOST="127.0.0.1",
            PORT=str(port),
            WEB_CONCURRENCY="1",
            **extra,
        )
        process = gunicorn(env)
        started.append(process)
        wait_until_up(process, port)
        return f"http://127.0.0.1:{port}"

    yield start
    for process in started:
        stop(process)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def get(url: str, **headers: str) -> tuple[int, dict[str, str]]:
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


def test_web_refuses_to_start_before_the_build_step(tmp_path):
    """Without collectstatic every admin page would be a 500; the process says so at once."""
    env = production_env(
        tmp_path, STATIC_ROOT=str(tmp_path / "empty"), HOST="127.0.0.1", PORT=str(free_port())
    )
    process = gunicorn(env)
    try:
        output = process.communicate(timeout=60)[0]
    except subprocess.TimeoutExpired:
        output = stop(process)
        raise AssertionError(f"gunicorn served without static files:\n{output}") from None
    assert process.returncode != 0
    assert "collectstatic --noinput" in output


def test_forwarded_proto_is_ignored_when_no_proxy_is_trusted(web):
    """With TRUSTED_PROXY_COUNT=0 a client claiming HTTPS is still sent to HTTPS."""
    base = web(SECURE_SSL_REDIRECT="1", TRUSTED_PROXY_COUNT="0")
    status, headers = get(f"{base}/swagger", **{"X-Forwarded-Proto": "https"})
    assert status == 301
    assert headers["Location"].startswith("https://")


def test_forwarded_proto_is_trusted_behind_a_trusted_proxy(web):
    base = web(SECURE_SSL_REDIRECT="1", TRUSTED_PROXY_COUNT="1")
    status, headers = get(f"{base}/swagger", **{"X-Forwarded-Proto": "https"})
    assert status == 302
    assert headers["Location"] == "/api/v1/docs"


def test_api_docs_load_swagger_ui_from_our_static_files(web):
    base = web(SECURE_SSL_REDIRECT="0")
    with urllib.request.urlopen(f"{base}/api/v1/docs", timeout=30) as response:
        page = response.read().decode()
    assert "cdn" not in page.lower()
    assert "/static/ninja/swagger-ui-bundle." in page
    bundle = page.split('src="', 1)[1].split('"', 1)[0] if 'src="' in page else ""
    assert bundle.startswith("/static/ninja/")
    status, _ = get(f"{base}{bundle}")
    assert status == 200


def test_the_dev_server_listens_on_loopback_only(tmp_path):
    """make run's web line (Procfile.dev) binds 127.0.0.1 unless HOST says otherwise."""
    line = next(
        line.split(":", 1)[1].strip()
        for line in (ROOT / "Procfile.dev").read_text().splitlines()
        if line.startswith("web:")
    )
    port = free_port()
    env = production_env(tmp_path, DJANGO_DEBUG="1", PORT=str(port))
    del env["DJANGO_SECRET_KEY"]
    process = subprocess.Popen(
        ["bash", "-c", f"exec {line} --noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_up(process, port)
        listening = subprocess.run(
            ["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, check=True
        ).stdout.split()
    finally:
        stop(process)
    assert f"127.0.0.1:{port}" in listening
    assert f"0.0.0.0:{port}" not in listening


def test_two_deployments_on_one_redis_database_keep_their_tasks_apart(tmp_path):
    """A rehearsal or staging beside production on one Redis database: with their own
    REDIS_NAMESPACE, neither's consumer sees (and runs against its own database) the other's
    queued tasks or cache keys."""
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs REDIS_URL (runs in the PostgreSQL + Redis CI run)")
    queue = (
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; from django.core.cache import cache;"
        "from huey.contrib.djhuey import HUEY; import os; step = os.environ['PROBE_STEP'];"
        "from lottery.tasks import draw_due_draws;"
        "step == 'enqueue' and (draw_due_draws(), cache.set('probe', 'here'));"
        "print(HUEY.name, settings.CACHES['default']['KEY_PREFIX'], HUEY.pending_count(),"
        " cache.get('probe'));"
        "step == 'clear' and (HUEY.storage.flush_queue(), cache.delete('probe'))",
    )
    names = [f"ns-{secrets.token_hex(3)}" for _ in range(2)]

    def run(name: str, step: str) -> str:
        env = production_env(tmp_path, REDIS_URL=redis_url, REDIS_NAMESPACE=name, PROBE_STEP=step)
        result = manage(*queue, env=env)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert run(names[0], "enqueue") == f"{names[0]} {names[0]} 1 here"
    assert run(names[1], "look") == f"{names[1]} {names[1]} 0 None"
    assert run(names[0], "clear") == f"{names[0]} {names[0]} 1 here"
    assert run(names[0], "look") == f"{names[0]} {names[0]} 0 None"
