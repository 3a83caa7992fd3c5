#!/usr/bin/env python
"""Scale-out, rehearsed: HAProxy in front of 3 web processes, 2 Huey consumers, PostgreSQL,
all of the app's processes under one faked clock, played through a midnight close.

    python bench/_cluster.py run [--players 200] [--clients 16] [--lead 90] [--after 20]
                                 [--kill-web-before 40] [--kill-consumer-before 20]
                                 [--out bench/results/cluster]
    python bench/_cluster.py setup --players N --out JSON   # (faked clock, Django) tokens
    python bench/_cluster.py state --date D --out JSON      # (Django) what the database holds

``run`` needs DATABASE_URL (a PostgreSQL server: the database named by BENCH_DB, default
h_cluster_bench, is dropped and created on it) and REDIS_URL (its db is flushed). Each web
process is the Procfile's web line with HOST=127.0.0.1 and its own PORT, DJANGO_DEBUG=0 and
random secrets; each consumer is the Procfile's worker line (both run Huey's scheduler).

The clock: libfaketime with a relative offset (FAKETIME="+<seconds>") the same for every
process, so a process started (or restarted) later reads the same fake instant as the others;
an absolute FAKETIME="@..." would start each process's clock anew at the given instant.
Monotonic clocks are faked too, by the same offset (with FAKETIME_DONT_FAKE_MONOTONIC=1
Python 3.11's time.sleep, an absolute clock_nanosleep, fails with EINVAL under libfaketime).
PostgreSQL is not faked: its now() stays real, and the app never uses it for the rules (a
ballot's created_at, the close and the audit entries are stamped from Python's clock), so the
close is decided by the app's clock. HAProxy is not faked either: only its timers matter.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PY = str(ROOT / ".venv" / "bin" / "python")
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
REFUSED = {400, 409, 422}  # the close's answers: a clear 4xx, nothing stored


# ------------------------------------------------------------------------------- tools


def tools_missing(install: bool = True) -> list[str]:
    """haproxy and libfaketime, installed from Debian's packages when missing (as root)."""

    def missing() -> list[str]:
        out = [] if shutil.which("haproxy") else ["haproxy"]
        return out + ([] if Path(FAKETIME_LIB).exists() else ["libfaketime"])

    if missing() and install and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(
            ["apt-get", "install", "-y", "-q", *missing()],
            capture_output=True,
            check=False,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    return missing()


def procfile_line(kind: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{kind}:"):
            return line.split(":", 1)[1].strip().replace("0.0.0.0", "127.0.0.1")
    raise SystemExit(f"no {kind} line in the Procfile")


def with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def db_recreate(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(with_db(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def free_port(lo: int, hi: int, taken: set[int]) -> int:
    for port in range(lo, hi + 1):
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        taken.add(port)
        return port
    raise SystemExit(f"no free port in {lo}-{hi}")


class Procs:
    """Every process the run starts, each in its own session; stop() ends them all."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, cmd: str, env: dict) -> subprocess.Popen:
        log = open(self.run_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            ["bash", "-c", f"exec {cmd}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs[name] = proc
        return proc

    def kill9(self, name: str) -> None:
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the whole machine gone: master and workers
        proc.wait()

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        deadline = time.time() + 10
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.time()))
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def http_get(port: int, path: str, timeout: float = 2) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1", "Accept": "application/json"})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def wait_http(port: int, path: str, seconds: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"process on port {port} exited with {proc.returncode}")
        try:
            if http_get(port, path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"no 200 from 127.0.0.1:{port}{path} within {seconds} s")


HAPROXY_CFG = """\
global
    maxconn 4000
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    # a connection the server never accepted is retried elsewhere (safe for a POST: nothing
    # was sent); a request that reached a process killed meanwhile is not (it may have run)
    retries 3
    retry-on conn-failure
    option redispatch
frontend players
    bind 127.0.0.1:{port}
    default_backend web
backend web
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    default-server check inter 500ms fall 2 rise 2
{servers}
"""


# ------------------------------------------------------------------------------- load


def load(
    port: int,
    players: list[dict],
    day: str,
    clients: int,
    until: float,
    out: list[dict],
) -> None:
    """Threads posting ballots for ``day`` through the balancer until ``until`` (real epoch)."""
    lock = threading.Lock()
    turn = iter(range(10**9))

    def worker(slot: int) -> None:
        rnd = random.Random(slot)
        conn = None
        mine = []
        while time.time() < until:
            with lock:
                i = next(turn) % len(players)
            body = json.dumps({"numbers": rnd.sample(range(1, 51), 5), "game_date": day})
            rec = {"t0": time.time(), "player": players[i]["player"]}
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request(
                    "POST",
                    "/api/v1/lotteries",
                    body=body,
                    headers={
                        "Host": "127.0.0.1",
                        "Authorization": f"Bearer {players[i]['token']}",
                        "Content-Type": "application/json",
                        "Accept": "application/json",
                    },
                )
                resp = conn.getresponse()
                data = resp.read()
                rec["status"] = resp.status
                if resp.status == 201:
                    rec["uuid"] = json.loads(data)["uuid"]
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                rec["error"] = type(exc).__name__
                if conn is not None:
                    conn.close()
                conn = None
            rec["t1"] = time.time()
            mine.append(rec)
        if conn is not None:
            conn.close()
        with lock:
            out.extend(mine)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def p(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


# ------------------------------------------------------------------------------- run


def run(
    *,
    database_url: str,
    redis_url: str,
    flush_redis: bool = True,
    players: int = 200,
    clients: int = 16,
    lead: float = 90,
    after: float = 20,
    kill_web_before: float = 40,
    kill_consumer_before: float = 20,
    web_workers: int = 1,
    ports: tuple[int, int] = (9600, 9699),
    log=print,
) -> dict:
    """Start the cluster, play through the midnight close, kill a web process and a consumer
    in the middle, and return what was observed and checked (``ok``)."""
    missing = tools_missing()
    if missing:
        raise SystemExit(f"missing: {', '.join(missing)}")
    run_dir = Path(tempfile.mkdtemp(prefix="lottery-cluster."))
    procs = Procs(run_dir)
    zone = ZoneInfo(os.environ.get("LOTTERY_TIME_ZONE", "UTC"))
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "FAKETIME"))
    }
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        # Its own keys in Redis: a test stack's consumer on the same database (the suite's
        # e2e_prod stack runs all session) would otherwise take the rehearsal's midnight task.
        REDIS_NAMESPACE=f"cluster-{secrets.token_hex(4)}",
        DJANGO_SETTINGS_MODULE="backoffice.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        JWT_SIGNING_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        HUEY_IMMEDIATE="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        HOST="127.0.0.1",
        TRUSTED_PROXY_COUNT="1",
        JWT_ACCESS_LIFETIME_SECONDS="3600",
        WEB_CONCURRENCY=str(web_workers),
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
    )
    env.pop("DJANGO_TESTING", None)
    try:
        log(f"database {urlsplit(database_url).path[1:]}: recreated, migrated; Redis flushed")
        db_recreate(database_url)
        import redis

        if flush_redis:
            redis.Redis.from_url(redis_url).flushdb()
        subprocess.run(
            [PY, "manage.py", "migrate", "--noinput", "--skip-checks", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        subprocess.run(
            [PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )

        # One offset for every faked process: fake now = midnight - lead.
        real0 = time.time()
        local = datetime.fromtimestamp(real0, zone) + timedelta(days=2)
        midnight = datetime.combine(local.date(), datetime.min.time(), tzinfo=zone)
        offset = round(midnight.timestamp() - lead - real0)
        midnight_real = midnight.timestamp() - offset
        day = (midnight - timedelta(days=1)).date().isoformat()
        fenv = {
            **env,
            "LD_PRELOAD": FAKETIME_LIB,
            "FAKETIME": f"{offset:+d}",
        }
        log(f"fake clock: FAKETIME={offset:+d}; the close of {day} at {midnight.isoformat()}")

        setup_out = run_dir / "setup.json"
        subprocess.run(
            [PY, __file__, "setup", "--players", str(players), "--out", str(setup_out)],
            cwd=ROOT,
            env=fenv,
            check=True,
        )
        setup = json.loads(setup_out.read_text())

        taken: set[int] = set()
        lb_port = free_port(*ports, taken)
        web_ports = [free_port(*ports, taken) for _ in range(3)]
        web = procfile_line("web")
        worker = procfile_line("worker")
        for n, port in enumerate(web_ports, 1):
            procs.start(f"web{n}", web, {**fenv, "PORT": str(port)})
        for n in (1, 2):
            procs.start(f"consumer{n}", worker, fenv)
        servers = "\n".join(f"    server web{n} 127.0.0.1:{p}" for n, p in enumerate(web_ports, 1))
        cfg = run_dir / "haproxy.cfg"
        cfg.write_text(HAPROXY_CFG.format(port=lb_port, servers=servers))
        procs.start("haproxy", f"haproxy -db -f {shlex.quote(str(cfg))}", env)
        for n, port in enumerate(web_ports, 1):
            wait_http(port, "/healthz", 60, procs.procs[f"web{n}"])
        wait_http(lb_port, "/healthz", 10, procs.procs["haproxy"])
        time.sleep(1.5)  # every server's health check passed (rise 2 x 500 ms)
        _, headers, _ = http_get(lb_port, "/healthz")
        web_date = headers.get("date", "")
        expect = datetime.fromtimestamp(time.time() + offset, UTC)
        log(f"web's clock (Date header) {web_date}; expected about {expect:%H:%M:%S} UTC")

        records: list[dict] = []
        until = midnight_real + after
        load_started = time.time()
        log(
            f"load: {clients} clients, {players} players, from {midnight_real - load_started:.0f} s"
            f" before the close to {after:.0f} s after it"
        )
        loader = threading.Thread(
            target=load, args=(lb_port, setup["players"], day, clients, until, records)
        )
        loader.start()
        kills = {}
        for name, before in (("web2", kill_web_before), ("consumer1", kill_consumer_before)):
            # at the planned instant, but never before the load has run a few seconds
            at = max(midnight_real - before, load_started + 3)
            time.sleep(max(0.0, at - time.time()))
            kills[name] = time.time()
            procs.kill9(name)
            log(f"kill -9 {name} ({midnight_real - kills[name]:.1f} s before the close)")
        loader.join()
        log(f"load done: {len(records)} requests")

        # The draw: the surviving consumer's every-minute schedule closes and draws.
        status, deadline = "open", time.time() + 90
        while time.time() < deadline:
            try:
                code, _, body = http_get(lb_port, f"/api/v1/draws/daily/{day}")
                status = json.loads(body).get("status", "?") if code == 200 else f"http {code}"
            except (OSError, ValueError):
                status = "?"
            if status in ("drawn", "no_entries"):
                break
            time.sleep(0.5)
        drawn_real = time.time()
        time.sleep(3)  # a second scheduler's run, if any, would find nothing left to do
        log(f"draw {day}: {status}, {drawn_real - midnight_real:.1f} s after the close")

        verify = subprocess.run(
            [PY, "-m", "lottery.verify", f"http://127.0.0.1:{lb_port}", "daily", day],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        state_out = run_dir / "state.json"
        subprocess.run(
            [PY, __file__, "state", "--date", day, "--out", str(state_out)],
            cwd=ROOT,
            env=env,
            check=True,
        )
        state = json.loads(state_out.read_text())
        alive = {n: pr.poll() is None for n, pr in procs.procs.items()}
    finally:
        procs.stop()

    # ----------------------------------------------------------------- checks
    answered = {r["uuid"] for r in records if r.get("status") == 201}
    stored = set(state["uuids"])
    failed = [r for r in records if "error" in r or r.get("status", 0) >= 500]
    # a request whose process died after its COMMIT but before its answer left: stored, not
    # answered; allowed only as one row per failed request of the same player
    failed_players = [r["player"] for r in failed]
    extra_players = [state["uuids"][u] for u in stored - answered]
    extra_explained = len(extra_players) <= len(failed) and all(
        extra_players.count(pl) <= failed_players.count(pl) for pl in set(extra_players)
    )
    statuses: dict[str, int] = {}
    for r in records:
        key = str(r.get("status", r.get("error")))
        statuses[key] = statuses.get(key, 0) + 1
    web_kill = kills["web2"]
    in_flight = [r for r in records if r["t0"] <= web_kill <= r["t1"]]
    failed_not_in_flight = [r for r in failed if not (r["t0"] <= web_kill + 0.05 <= r["t1"] + 1)]
    window = [r for r in records if web_kill - 1 <= r["t0"] <= web_kill + 5]
    ms = lambda rs: [(r["t1"] - r["t0"]) * 1000 for r in rs]  # noqa: E731
    ok_before = [r for r in records if r["t1"] < web_kill - 1]
    late_201 = [r for r in records if r.get("status") == 201 and r["t0"] >= midnight_real + 0.05]
    refused_after = sum(1 for r in records if r.get("status") in REFUSED)
    checks = {
        "every 201 stored; any other row a failed request's": answered <= stored
        and extra_explained
        and len(answered) > 0,
        "no ballot stored after the close": state["after_close"] == 0 and not late_201,
        "the close refused the later ballots": refused_after > 0,
        "exactly one draw and one close audit entry": state["audit"].get("close") == 1
        and state["audit"].get("draw") == 1
        and state["status"] == "drawn",
        "verify through the balancer says VALID": verify.returncode == 0
        and "draw is VALID" in verify.stdout,
        "failed requests only the killed process's in-flight ones": not failed_not_in_flight
        and len(failed) <= len(in_flight),
        "the surviving processes still up": all(
            alive[n] for n in ("web1", "web3", "consumer2", "haproxy")
        ),
    }
    result = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{os.cpu_count()} cores",
        "setup": {
            "web": f"3 x `{procfile_line('web')}` ({web_workers} worker(s) each)",
            "consumers": f"2 x `{procfile_line('worker')}` (both with the scheduler)",
            "balancer": "HAProxy (Debian), roundrobin, health checks every 500 ms",
            "players": players,
            "clients": clients,
            "faketime": f"{offset:+d} s",
            "fake_start_before_close_s": lead,
        },
        "draw_date": day,
        "close_at": midnight.isoformat(),
        "clock": {
            "python_vs_postgres_s": setup["clock"]["python_minus_postgres_s"],
            "web_date_header": web_date,
            "close_decided_by": "the app's (faked) clock; PostgreSQL's now() is real",
        },
        "requests": len(records),
        "statuses": statuses,
        "answered_201": len(answered),
        "stored": len(stored),
        "stored_not_answered": len(stored - answered),
        "answered_not_stored": len(answered - stored),
        "refused_after_close": refused_after,
        "ballots_after_close": state["after_close"],
        "last_ballot_before_close_s": state["last_before_close_s"],
        "draw": {k: state[k] for k in ("status", "ballots_count", "picks", "audit")},
        "draw_done_after_close_s": round(drawn_real - midnight_real, 1),
        "verify": verify.stdout.strip().splitlines()[-1:] or [verify.stderr.strip()],
        "kills": {n: round(midnight_real - t, 1) for n, t in kills.items()},
        "in_flight_at_web_kill": len(in_flight),
        "failed": len(failed),
        "failed_not_in_flight": len(failed_not_in_flight),
        "latency_ms": {
            "p50_before_kill": round(p(ms(ok_before), 0.5), 1),
            "p99_before_kill": round(p(ms(ok_before), 0.99), 1),
            "p99_failover": round(p(ms(window), 0.99), 1),
            "max_failover": round(max(ms(window), default=0), 1),
            "failover_window": "requests started from 1 s before to 5 s after the kill -9",
        },
        "rate_rps": round(len(records) / max(1e-9, until - load_started), 1),
        "checks": checks,
        "ok": all(checks.values()),
        "run_dir": str(run_dir),
    }
    if state["status"] != "drawn":
        result["hint"] = f"see the consumers' logs in {run_dir}"
    return result


def report_text(r: dict) -> str:
    lat = r["latency_ms"]
    lines = [
        f"cluster rehearsal, {r['when']} ({r['machine']})",
        f"  {r['setup']['web']}",
        f"  {r['setup']['consumers']}; {r['setup']['balancer']}",
        f"  faked clock FAKETIME={r['setup']['faketime']}, started "
        f"{r['setup']['fake_start_before_close_s']:.0f} s before the close of "
        f"{r['draw_date']} ({r['close_at']})",
        f"  clock: Python - PostgreSQL now() = {r['clock']['python_vs_postgres_s']:+.0f} s; "
        f"web Date header {r['clock']['web_date_header']}; the close is decided by "
        f"{r['clock']['close_decided_by']}",
        f"load: {r['setup']['clients']} clients, {r['setup']['players']} players, "
        f"{r['requests']} requests ({r['rate_rps']}/s): {r['statuses']}",
        f"kill -9 (seconds before the close): {r['kills']}",
        f"ballots: {r['answered_201']} answered 201, {r['stored']} stored "
        f"({r['stored_not_answered']} stored unanswered, {r['answered_not_stored']} answered "
        f"unstored); {r['refused_after_close']} refused after the close; "
        f"{r['ballots_after_close']} stored after it (last one "
        f"{r['last_ballot_before_close_s']} s before)",
        f"draw: {r['draw']}, done {r['draw_done_after_close_s']} s after the close",
        f"verify: {' '.join(r['verify'])}",
        f"failed requests: {r['failed']} (in flight at the web kill: {r['in_flight_at_web_kill']};"
        f" failed outside that: {r['failed_not_in_flight']})",
        f"latency: p50 {lat['p50_before_kill']} ms, p99 {lat['p99_before_kill']} ms before the "
        f"kill; p99 during the failover {lat['p99_failover']} ms (max {lat['max_failover']} ms; "
        f"{lat['failover_window']})",
    ]
    lines += [f"  {'PASS' if v else 'FAIL'} {k}" for k, v in r["checks"].items()]
    lines.append(f"result: {'PASS' if r['ok'] else 'FAIL'}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------- in Django


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    import django

    django.setup()


def cmd_setup(args: argparse.Namespace) -> None:
    django_setup()
    from django.db import connection

    from accounts.models import User
    from accounts.services import token_pair_issue
    from lottery.models import Game

    Game.objects.filter(slug="daily").update(max_ballots_per_player=1_000_000)
    users = User.objects.bulk_create(
        [
            User(email=f"c{i}@cluster.invalid", first_name="C", last_name=f"P{i}", password="!")
            for i in range(args.players)
        ]
    )
    players = [{"player": str(u.pk), "token": token_pair_issue(user=u).access_token} for u in users]
    with connection.cursor() as cursor:
        cursor.execute("SELECT extract(epoch FROM now())")
        pg_now = float(cursor.fetchone()[0])
    clock = {"python": time.time(), "postgres": pg_now}
    clock["python_minus_postgres_s"] = round(clock["python"] - pg_now)
    Path(args.out).write_text(json.dumps({"players": players, "clock": clock}))


def cmd_state(args: argparse.Namespace) -> None:
    django_setup()
    from django.db.models import Count, Max

    from lottery.models import AuditEntry, Ballot, Draw, Pick

    draw = Draw.objects.get(game__slug="daily", date=args.date)
    ballots = Ballot.objects.filter(draw=draw)
    last = ballots.aggregate(m=Max("created_at"))["m"]
    audit = dict(
        AuditEntry.objects.filter(draw=draw)
        .values_list("action")
        .annotate(n=Count("id"))
        .values_list("action", "n")
    )
    out = {
        "status": draw.status,
        "ballots_count": draw.ballots_count,
        "uuids": {str(u): str(p) for u, p in ballots.values_list("uuid", "player_id")},
        "after_close": ballots.filter(created_at__gte=draw.close_at).count(),
        "last_before_close_s": round((draw.close_at - last).total_seconds(), 3) if last else None,
        "picks": Pick.objects.filter(draw=draw).count(),
        "audit": audit,
    }
    Path(args.out).write_text(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--players", type=int, default=200)
    r.add_argument("--clients", type=int, default=16)
    r.add_argument("--lead", type=float, default=90)
    r.add_argument("--after", type=float, default=20)
    r.add_argument("--kill-web-before", type=float, default=40)
    r.add_argument("--kill-consumer-before", type=float, default=20)
    r.add_argument("--web-workers", type=int, default=1)
    r.add_argument("--out", default=str(RESULTS / "cluster"))
    s = sub.add_parser("setup")
    s.add_argument("--players", type=int, required=True)
    s.add_argument("--out", required=True)
    st = sub.add_parser("state")
    st.add_argument("--date", required=True)
    st.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.cmd == "setup":
        return cmd_setup(args)
    if args.cmd == "state":
        return cmd_state(args)
    result = run(
        database_url=os.environ["DATABASE_URL"],
        redis_url=os.environ["REDIS_URL"],
        players=args.players,
        clients=args.clients,
        lead=args.lead,
        after=args.after,
        kill_web_before=args.kill_web_before,
        kill_consumer_before=args.kill_consumer_before,
        web_workers=args.web_workers,
        log=lambda m: print(f"[cluster {time.strftime('%H:%M:%S')}] {m}", file=sys.stderr),
    )
    text = report_text(result)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".txt").write_text(text + "\n")
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
