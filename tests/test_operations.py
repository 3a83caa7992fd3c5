"""What an operator relies on: probes, production settings, logs."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings

from core.logging import JsonFormatter

PROD_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x" * 60 + "-a-real-secret-from-the-environment",
    "JWT_SIGNING_KEY": "y" * 60 + "-another-real-secret",
    "ALLOWED_HOSTS": "lottery.example.com",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_with_the_default_secret():
    result = manage("check", env={"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {**PROD_ENV, "DATA_DIR": str(tmp_path)}
    assert manage("migrate", "--noinput", env=env).returncode == 0  # unfold's checks read it
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_healthz_answers_without_a_valid_host(client):
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.fixture
def production_queue(monkeypatch, tmp_path, settings):
    """The probe's queue as production has it. Under pytest Huey runs in immediate mode, whose
    storage is in memory and always answers, even with REDIS_URL set: the probe would say
    "ok" about nothing. Here it asks a real RedisHuey on REDIS_URL, or without it the
    embedded SqliteHuey file."""
    import huey

    from backoffice.huey import SqliteHuey
    from core import health

    if settings.REDIS_URL:
        queue = huey.RedisHuey("readyz-test", url=settings.REDIS_URL)
    else:
        queue = SqliteHuey("readyz-test", filename=str(tmp_path / "huey.sqlite3"))
    monkeypatch.setattr(health, "HUEY", queue)
    return queue


@pytest.mark.django_db
def test_readyz_reports_database_and_queue(client, production_queue):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "huey": "ok"}


@pytest.mark.django_db
def test_readyz_is_503_when_redis_does_not_answer(client, monkeypatch):
    import huey

    from core import health

    # A real RedisHuey on a port nothing listens on: the outage as production would meet it.
    down = huey.RedisHuey("readyz-down", url="redis://127.0.0.1:1/0")
    monkeypatch.setattr(health, "HUEY", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["huey"] == "error: ConnectionError"


@pytest.mark.django_db
def test_readyz_is_503_until_every_migration_is_applied(client, monkeypatch):
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from core.health import _Migrations

    # The newest lottery migration: only a leaf left unapplied leaves a plan to run.
    (_, latest), *_ = MigrationLoader(connection).graph.leaf_nodes("lottery")
    monkeypatch.setattr(_Migrations, "applied", False)
    # The newest lottery migration, whichever it is: only a leaf can be unapplied alone.
    (latest,) = [n for a, n in MigrationLoader(connection).graph.leaf_nodes() if a == "lottery"]
    with connection.cursor() as cursor:  # as if the release's migrate had not run yet
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = 'lottery' AND name = %s", [latest]
        )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "migrations pending: 1"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "SELECT 'lottery', %s, CURRENT_TIMESTAMP",
            [latest],
        )
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readyz_is_503_when_the_queue_storage_is_unreachable(client, monkeypatch):
    from huey.contrib.djhuey import HUEY

    def broken():
        raise ConnectionError("queue down")

    monkeypatch.setattr(HUEY.storage, "queue_size", broken)  # an outage, not our code
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["huey"] == "error: ConnectionError"


def test_json_logs_are_one_object_per_line():
    record = logging.LogRecord("lottery", logging.INFO, __file__, 1, "drawn %s", ("daily",), None)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line)["message"] == "drawn daily"


@pytest.mark.django_db
def test_unknown_api_path_and_wrong_method_are_json(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not Found"}
    wrong = client.put("/api/v1/games")
    assert wrong.status_code == 405
    assert wrong.json() == {"detail": "Method Not Allowed"}


@pytest.mark.django_db
def test_swagger_serves_the_interactive_docs(client):
    assert client.get("/swagger").url == "/api/v1/docs"
    assert client.get("/api/v1/docs").status_code == 200
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/lotteries" in schema["paths"]


def test_api_answers_503_with_retry_after_when_the_database_is_down():
    probe = (
        "from django.test import Client; r = Client().get('/api/v1/games'); "
        "print(r.status_code, r['Retry-After'], r.json()['detail'])"
    )
    result = manage(
        "shell",
        "-c",
        probe,
        env={
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:9/none",
            "ALLOWED_HOSTS": "testserver",
        },
    )
    assert "503 5 Service temporarily unavailable; try again." in result.stdout.splitlines(), (
        result.stdout + result.stderr
    )


@pytest.mark.django_db
def test_cors_allows_only_the_configured_browser_origins(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://play.example.com"]
    allowed = client.get("/api/v1/games", HTTP_ORIGIN="https://play.example.com")
    assert allowed["Access-Control-Allow-Origin"] == "https://play.example.com"
    other = client.get("/api/v1/games", HTTP_ORIGIN="https://evil.example.net")
    assert "Access-Control-Allow-Origin" not in other


def test_static_files_are_collected_compressed_and_hashed(tmp_path):
    static = tmp_path / "static"
    env = {**PROD_ENV, "DATA_DIR": str(tmp_path), "STATIC_ROOT": str(static)}
    result = manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((static / "staticfiles.json").read_text())
    hashed = manifest["paths"]["unfold/css/styles.css"]
    assert hashed != "unfold/css/styles.css"  # a content hash: cacheable forever
    assert (static / (hashed + ".gz")).exists()


def _open_queue(storage_class, path, barrier, failures):
    barrier.wait()  # every process opens the new file at the same instant, as workers boot
    try:
        storage_class(filename=path)
    except Exception as exc:
        failures.put(repr(exc))


def test_the_embedded_queue_opens_a_new_file_from_two_processes_at_once(tmp_path):
    """Huey's own storage lost this race about 4 times in 5 ("database is locked")."""
    import multiprocessing

    from backoffice.huey import SqliteStorage

    ctx = multiprocessing.get_context("fork")
    failures = ctx.Queue()
    for n in range(30):
        barrier = ctx.Barrier(2)
        path = str(tmp_path / f"huey-{n}.sqlite3")
        workers = [
            ctx.Process(target=_open_queue, args=(SqliteStorage, path, barrier, failures))
            for _ in range(2)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
            assert worker.exitcode == 0
    assert failures.empty(), failures.get()
