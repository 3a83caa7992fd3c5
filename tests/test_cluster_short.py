"""The scale-out rehearsal of bench/cluster.sh, short: HAProxy in front of 3 web processes,
2 Huey consumers, PostgreSQL, one faked clock 50 s before a midnight; a web process and a
consumer get kill -9 during the load; the close and the draw still happen exactly once."""

import importlib.util
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def _cluster():
    spec = importlib.util.spec_from_file_location("_cluster", ROOT / "bench" / "_cluster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cluster_survives_a_kill_through_the_midnight_close():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the cluster rehearsal needs DATABASE_URL on PostgreSQL (runs in that CI run)")
    if not os.environ.get("REDIS_URL"):
        pytest.skip("the cluster rehearsal needs REDIS_URL (the consumers share one queue)")
    cluster = _cluster()
    missing = cluster.tools_missing(install=True)
    if missing:
        pytest.skip(f"cannot install {', '.join(missing)} (Debian packages haproxy, libfaketime)")
    parts = urlsplit(url)
    # a database of its own on the same server, beside the suite's test database
    database_url = urlunsplit(parts._replace(path=f"{parts.path}_cluster"))
    result = cluster.run(
        database_url=database_url,
        redis_url=os.environ["REDIS_URL"],
        flush_redis=False,  # the suite's cache may share this Redis db
        players=30,
        clients=6,
        lead=50,
        after=8,
        kill_web_before=20,
        kill_consumer_before=12,
        log=lambda message: None,
    )
    report = cluster.report_text(result)
    assert result["checks"] == dict.fromkeys(result["checks"], True), report
    assert result["answered_not_stored"] == 0 < result["answered_201"], report
    assert result["ballots_after_close"] == 0, report
    assert result["draw"]["status"] == "drawn", report
    assert result["draw"]["audit"] == {"close": 1, "draw": 1}, report
    assert result["verify"] == ["draw is VALID"], report
