#!/usr/bin/env python
"""Benchmark the staff back office at scale: ballots changelist and dashboard on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python bench/admin.py [--ballots 1000000] [--days 30] [--players 50000] [--repeat 15]
                              [--database lottery_bench_admin] [--reuse] [--explain]

DATABASE_URL names the PostgreSQL server (and the user) only: the benchmark works in its own
database (``--database``, dropped and created again unless ``--reuse`` finds it loaded), runs
the migrations, then bulk-loads with SQL (``INSERT ... SELECT generate_series``): players, one
draw per day for ``--days`` days ending today, ``--ballots`` ballots spread over them in
created_at order, every past draw closed and drawn by the real service, one pending redraw.
Then, logged in with ``django.test.Client.force_login`` as a superuser, each page is loaded
twice to warm up and ``--repeat`` times timed; the median and p90 per page are printed and
written to bench/results/admin.json, with the page's query count, SQL time and slowest query.
``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of each page's slowest query.
Target: every page under 300 ms median.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
import warnings
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TARGET_MS = 300.0
COMBOS = 100_000  # distinct number sets the ballots draw from


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--players", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database", default="lottery_bench_admin")
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    parser.add_argument("--explain", action="store_true")
    return parser.parse_args()


def bench_url(server_url: str, database: str) -> str:
    parts = urlsplit(server_url)
    if parts.scheme not in ("postgres", "postgresql", "postgis"):
        sys.exit("bench/admin.py needs DATABASE_URL=postgres://... (a PostgreSQL server).")
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", "", ""))


def recreate_database(server_url: str, database: str, reuse: bool) -> bool:
    """Create the bench database; True when it already holds a load to reuse."""
    import psycopg

    parts = urlsplit(server_url)
    admin_dsn = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if exists and reuse:
            return True
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    return False


def configure(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    # The test settings: plain static files storage (no collectstatic manifest), no HTTPS
    # redirect; DEBUG stays off so Django does not keep every query in memory.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings_test")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DATA_DIR", str(Path("/tmp") / "lottery-bench-admin"))
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def step(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"  {label}: {now - started:.1f} s", flush=True)
    return now


def load(args: argparse.Namespace) -> dict:
    """Fill the bench database: players, draws, ballots (SQL), then the real draws."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from lottery.models import Draw, Game, PickKind
    from lottery.services.draws import draw_get_or_create, draw_run
    from lottery.services.redraws import redraw_request

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    started = step("migrate", started)
    game = Game.objects.get(slug="daily")
    now = timezone.now()
    today = game.today_for(now)
    days = [today - timedelta(days=back) for back in range(args.days - 1, -1, -1)]
    draws = [draw_get_or_create(game=game, day=day) for day in days]
    rng = random.Random(20260101)
    combos = {"-".join(map(str, sorted(rng.sample(range(1, 51), 5)))) for _ in range(COMBOS)}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_user (id, password, email, first_name, last_name, is_active,
                                       is_staff, is_superuser, date_joined)
            SELECT gen_random_uuid(), '!', 'player' || n || '@example.com', 'First' || n,
                   'Last' || n, true, false, false, now() - make_interval(mins => n)
            FROM generate_series(1, %s) AS n
            """,
            [args.players],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_player AS SELECT row_number() OVER (ORDER BY email) - 1 "
            "AS n, id FROM accounts_user"
        )
        cursor.execute("CREATE TEMP TABLE bench_combo (n int PRIMARY KEY, numbers text)")
        with cursor.copy("COPY bench_combo (n, numbers) FROM STDIN") as copy:
            for n, numbers in enumerate(sorted(combos)):
                copy.write_row((n, numbers))
        cursor.execute(
            "CREATE TEMP TABLE bench_draw (n int PRIMARY KEY, id bigint, starts "
            "timestamptz, seconds float)"
        )
        for n, draw in enumerate(draws):
            start = datetime.combine(draw.date, dtime(0), tzinfo=game.zone)
            span = min((draw.close_at - start), (now - start)).total_seconds()
            cursor.execute(
                "INSERT INTO bench_draw VALUES (%s, %s, %s, %s)",
                [n, draw.pk, start, max(span, 1.0)],
            )
        started = step(f"{args.players} players, {len(draws)} draws", started)
        per_day = -(-args.ballots // len(draws))  # ceiling: the last day may get fewer
        # Ballots arrive in created_at order, day after day, as they would in production.
        cursor.execute(
            """
            INSERT INTO lottery_ballot (uuid, player_id, draw_id, numbers, created_at)
            SELECT gen_random_uuid(), p.id, d.id, c.numbers,
                   d.starts + make_interval(secs => d.seconds * (g.i %% %(per)s) / %(per)s)
            FROM generate_series(0::bigint, %(total)s - 1) AS g(i)
            JOIN bench_draw d ON d.n = g.i / %(per)s
            JOIN bench_player p ON p.n = (g.i * 7919) %% %(players)s
            JOIN bench_combo c ON c.n = (g.i * 104729) %% %(combos)s
            ORDER BY g.i
            """,
            {"per": per_day, "total": args.ballots, "players": args.players, "combos": len(combos)},
        )
        started = step(f"{args.ballots} ballots", started)
    for draw in draws[:-1]:  # every past day closed and drawn, today's draw still open
        draw_run(draw_id=draw.pk)
    started = step(f"{len(draws) - 1} draws closed and drawn", started)
    drawn = Draw.objects.get(pk=draws[-2].pk)
    staff = _superuser()
    winner = drawn.picks.get(kind=PickKind.WINNER)
    redraw_request(pick_id=winner.pk, actor=staff, reason="bench: pending request")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # autocommit: VACUUM cannot run in a transaction
    step("VACUUM ANALYZE", started)
    return {"days": [d.isoformat() for d in days]}


def _superuser():
    from accounts.models import User

    user, _ = User.objects.get_or_create(
        email="bench-admin@lottery.test", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def pages(days: list[str]) -> dict[str, str]:
    from accounts.models import User
    from lottery.models import Draw

    middle = days[len(days) // 2]
    player = User.objects.filter(email="player123@example.com").first()
    draw = Draw.objects.filter(date=date.fromisoformat(days[-2])).first()
    ballots = "/admin/lottery/ballot/"
    return {
        # The four pages of the target.
        "ballots": ballots,
        "ballots: one draw day": f"{ballots}?draw__date_from={middle}&draw__date_to={middle}",
        "ballots: search by email": f"{ballots}?q=player123%40example.com",
        "dashboard": "/admin/",
        # More of the same lists, for the record.
        "ballots: 7-day range": f"{ballots}?draw__date_from={days[-8]}&draw__date_to={days[-2]}",
        "ballots: player filter": f"{ballots}?player__id__exact={player.pk}",
        "ballots: winners": f"{ballots}?winner=yes",
        "ballots: game": f"{ballots}?game=daily",
        "ballots: page 20": f"{ballots}?p=20",
        "ballots: search by uuid": f"{ballots}?q={draw.ballots.first().uuid}",
        "draws": "/admin/lottery/draw/",
        "draw page": f"/admin/lottery/draw/{draw.pk}/change/",
        "players": "/admin/accounts/user/",
        "audit log": "/admin/lottery/auditentry/",
    }


def measure(client, url: str, repeat: int, explain: bool) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = captured.captured_queries
    slowest = max(queries, key=lambda q: float(q["time"]))
    result = {
        "url": url,
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(statistics.quantiles(times, n=10)[-1], 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        "queries": len(queries),
        "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
        "slowest_query_ms": round(float(slowest["time"]) * 1000, 1),
        "slowest_query": slowest["sql"][:400],
    }
    result["under_target"] = result["median_ms"] < TARGET_MS
    if explain:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {slowest['sql']}")
            print("\n".join(row[0] for row in cursor.fetchall()))
    return result


def main() -> None:
    args = parse_args()
    server = os.environ.get("DATABASE_URL", "")
    url = bench_url(server, args.database)
    loaded = recreate_database(server, args.database, args.reuse)
    configure(url)
    from django.db import connection
    from django.test import Client

    from lottery.models import Ballot, Draw

    print(f"bench/admin.py: database {args.database} ({'reused' if loaded else 'new'})")
    if loaded:
        days = [d.isoformat() for d in Draw.objects.order_by("date").values_list("date", flat=True)]
    else:
        days = load(args)["days"]
    total = Ballot.objects.count()
    client = Client()
    client.force_login(_superuser())
    results = {}
    print(f"\n{'page':28} {'median':>9} {'p90':>9} {'queries':>8} {'sql':>9}")
    for name, page in pages(days).items():
        results[name] = result = measure(client, page, args.repeat, args.explain)
        flag = "" if result["under_target"] else "  OVER TARGET"
        print(
            f"{name:28} {result['median_ms']:7.1f}ms {result['p90_ms']:7.1f}ms "
            f"{result['queries']:8} {result['sql_ms']:7.1f}ms{flag}",
            flush=True,
        )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "target_median_ms": TARGET_MS,
        "ballots": total,
        "players": args.players,
        "days": len(days),
        "repeat": args.repeat,
        "postgresql": server_version,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "pages": results,
        "all_under_target": all(r["under_target"] for r in results.values()),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "admin.json").write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"\n{total} ballots; every page under {TARGET_MS:.0f} ms median: "
        f"{report['all_under_target']}. Written to bench/results/admin.json"
    )


if __name__ == "__main__":
    main()
