"""After PostgreSQL ends the app's sessions (a restart, a failover, a terminated backend),
the next request of every web process still answers: its health check sees the closed
connection and reconnects, instead of answering 503 once per process."""

import subprocess

import pytest

pytestmark = pytest.mark.e2e_prod


def test_every_request_answers_after_the_server_ends_every_session(stack):
    url = stack.env.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("needs the stack on PostgreSQL (DATABASE_URL)")
    token = stack.player("reconnect@example.com")
    for _ in range(8):  # every web worker holds a connection now
        assert stack.http("GET", "/api/v1/lotteries", token=token).status == 200
    ended = subprocess.run(
        [
            "psql",
            url,
            "-Atc",
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    assert int(ended.stdout) >= 1
    answers = [stack.http("GET", "/api/v1/lotteries", token=token).status for _ in range(8)]
    played = stack.http("POST", "/api/v1/lotteries", {"numbers": [1, 2, 3, 4, 5]}, token=token)
    assert answers == [200] * 8
    assert played.status == 201, played.body
