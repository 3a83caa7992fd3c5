"""The PostgreSQL health check (core/postgresql): a connection the server ended is found
unusable before a request uses it; a healthy idle one is trusted without a round trip."""

import time

import psycopg
import pytest
from django.db import connection

from tests.conftest import postgres_only

pytestmark = [postgres_only(), pytest.mark.django_db(transaction=True)]


def _admin() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**{k: v for k, v in params.items() if k != "prepare_threshold"})


def _last_query(admin: psycopg.Connection, pid: int) -> str:
    return admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def test_a_healthy_idle_connection_is_trusted_without_asking_the_server():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), 'marker-before-the-check'")
        pid = cursor.fetchone()[0]
    with _admin() as admin:
        assert connection.is_usable()
        assert "marker-before-the-check" in _last_query(admin, pid)  # no SELECT 1 was sent


def test_a_connection_the_server_ended_is_unusable_and_replaced():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with _admin() as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    deadline = time.monotonic() + 5
    while connection.is_usable() and time.monotonic() < deadline:
        time.sleep(0.05)  # the server's goodbye reaches the socket
    assert not connection.is_usable()
    connection.health_check_done = False
    connection.close_if_health_check_failed()  # what Django runs before a request's query
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
