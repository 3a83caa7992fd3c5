#!/usr/bin/env python
"""Verification at real size, on PostgreSQL, against the real web process (issue 14's figures).

    BENCH_DB=h_vbench_bench BENCH_PORT=9401 python bench/verify.py \\
        [--sizes 10000,100000,1000000] [--baseline 7bb09aa] [--duration 5]

One bench database (BENCH_DB, dropped and created again) is filled by this tree's migrations
and, per size, a draw of N ballots inserted with generate_series (never ANALYZEd or VACUUMed:
the code must not rely on statistics), closed and drawn by this tree's services. Each tree
(this one, and every ``--baseline`` revision exported with ``git archive``) is then served in
turn by its Procfile web line (gunicorn, 2 sync workers, DEBUG off, production settings), and:

* proof endpoint: GET /draws/{game}/{date}/proof/{ballot} as the ballot's owner, sequential,
  one kept-alive connection, PROOFS requests per size after a warm-up: p50 and p99 in ms;
* the herd: wrk at concurrency 32 on GET /draws/{game}/{date} and /winning_ballots, plain and
  with If-None-Match (the ETag the tree gave, if any): requests/s, and which status came back;
* this tree only: ``python -m lottery.verify`` end to end at each size (wall time and peak RSS
  of the verifier, the leaves file already built), and the browser verifier at the sizes of
  ``--browser-sizes`` in headless Chromium (click to every check shown).

Results: stdout, bench/results/verify.txt and bench/results/verify.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
FIRST_DAY = date(2026, 1, 1)
PLAYERS = 2000
PROOFS = 200
sys.path.insert(0, str(ROOT / "bench"))
from draw import PG_LOAD  # noqa: E402  (the same fill as bench/draw.py, without its ANALYZE)

# ------------------------------------------------------------------------------ worker side


def w_fill(args: argparse.Namespace) -> dict:
    """Players, and per size a draw of N ballots, closed and drawn; tokens of PROOFS owners."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from datetime import UTC, datetime

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts import auth
    from accounts.models import User
    from lottery import leaves_file
    from lottery.models import Ballot, Draw, Game
    from lottery.services.draws import draw_get_or_create, draw_run

    call_command("migrate", verbosity=0, interactive=False)
    User.objects.bulk_create(
        [User(email=f"player{i}@bench.invalid", password="!") for i in range(PLAYERS)],
        batch_size=1000,
    )
    game = Game.objects.get(slug="daily")
    out = []
    for k, n in enumerate(args.sizes):
        day = FIRST_DAY + timedelta(days=k)
        draw = draw_get_or_create(game=game, day=day)
        start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(PG_LOAD, {"draw": draw.pk, "start": start, "n": n})
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        draw_run(draw_id=draw.pk)
        close_draw = time.perf_counter() - t0
        t0 = time.perf_counter()  # what the Huey task enqueued by the close does
        leaves_file.leaves_file(draw=Draw.objects.get(pk=draw.pk))
        leaves_s = time.perf_counter() - t0
        picked = Ballot.objects.filter(draw=draw).order_by("?").values_list("uuid", "player")
        proofs = []
        now = timezone.now()
        for ballot, player in picked[:PROOFS]:
            token, _ = auth.encode(
                user=User(pk=player),
                kind="access",
                lifetime=settings.JWT_ACCESS_LIFETIME,
                now=now,
            )
            proofs.append((str(ballot), token))
        out.append(
            {"size": n, "day": day.isoformat(), "load_s": load, "close_draw_s": close_draw}
            | {"leaves_file_s": leaves_s}
            | {"proofs": proofs}
        )
    return {"draws": out}


# ------------------------------------------------------------------------------ parent side


def env_for(args: argparse.Namespace, data_dir: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.db}",
        REDIS_URL=args.redis_url,
        DJANGO_SETTINGS_MODULE="backoffice.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=args.secret,
        JWT_SIGNING_KEY=args.jwt_key,
        JWT_ACCESS_LIFETIME_SECONDS="7200",
        SECURE_SSL_REDIRECT="0",
        HUEY_IMMEDIATE="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        HOST="127.0.0.1",
        PORT=str(args.port),
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="1",
        CONN_MAX_AGE="600",
        DATA_DIR=str(data_dir),
        LOG_LEVEL="WARNING",
        LOTTERY_BEACON="",
        PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
    )
    env.pop("DJANGO_TESTING", None)
    return env


def pg_recreate(args: argparse.Namespace) -> None:
    import psycopg

    dsn = f"host={args.pg_host} port={args.pg_port} user={args.pg_user} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.db}"')


class Web:
    """One tree's Procfile web line, served on loopback until stopped."""

    def __init__(self, tree: Path, env: dict, log: Path):
        line = next(x for x in (tree / "Procfile").read_text().splitlines() if x.startswith("web:"))
        cmd = "exec " + line.removeprefix("web:").strip().replace("0.0.0.0", "127.0.0.1")
        self.log = log.open("wb")
        self.proc = subprocess.Popen(
            cmd, shell=True, cwd=tree, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.port = int(env["PORT"])
        for _ in range(300):
            try:
                if get(self.port, "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            self.stop()
            raise SystemExit(f"web of {tree} did not answer: see {log}")
        time.sleep(1.0)  # every worker up

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def get(port: int, path: str, headers: dict | None = None, conn=None) -> tuple[int, dict, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    if own:
        conn.close()
    return response.status, dict(response.getheaders()), body


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_proofs(port: int, draw: dict, limit: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    base = f"/api/v1/draws/daily/{draw['day']}/proof/"
    proofs = draw["proofs"][:limit]
    statuses = set()
    for ballot, token in proofs[:10]:  # warm-up: connections, a first-time recompute
        statuses.add(get(port, base + ballot, {"Authorization": f"Bearer {token}"}, conn)[0])
    times = []
    for ballot, token in proofs:
        t0 = time.perf_counter()
        status, _, _ = get(port, base + ballot, {"Authorization": f"Bearer {token}"}, conn)
        times.append((time.perf_counter() - t0) * 1000)
        statuses.add(status)
    conn.close()
    return {"p50_ms": pct(times, 0.5), "p99_ms": pct(times, 0.99), "statuses": sorted(statuses)}


def wrk(port: int, path: str, header: str | None, duration: int) -> dict:
    cmd = ["wrk", "-t2", "-c32", f"-d{duration}s", "--latency"]
    if header:
        cmd += ["-H", header]
    out = subprocess.run(
        [*cmd, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}
    return {
        "rps": rps,
        "errors": int(bad.group(1)) if bad else 0,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else None,
    }


def bench_herd(port: int, day: str, duration: int) -> dict:
    out = {}
    for name, path in (
        ("draw", f"/api/v1/draws/daily/{day}"),
        ("winning", "/api/v1/winning_ballots"),
    ):
        status, headers, _ = get(port, path)
        etag = headers.get("ETag")
        out[f"{name} plain"] = wrk(port, path, None, duration) | {"status": status}
        if etag:
            again = get(port, path, {"If-None-Match": etag})[0]
            run = wrk(port, path, f"If-None-Match: {etag}", duration)
            out[f"{name} If-None-Match"] = run | {"status": again}
    return out


def bench_cli(port: int, draw: dict, env: dict) -> dict:
    """python -m lottery.verify end to end, in its own process: wall time and peak RSS."""
    code = (
        "import resource, sys, time\n"
        "from lottery import verify\n"
        "t0 = time.perf_counter()\n"
        "rc = verify.main(sys.argv[1:])\n"
        "w = time.perf_counter() - t0\n"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(f'BENCH {rc} {w} {rss}', file=sys.stderr)\n"
    )
    argv = [f"http://127.0.0.1:{port}", "daily", draw["day"]]
    proc = subprocess.run(
        [sys.executable, "-c", code, *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    rc, wall, rss = re.search(r"BENCH (\d+) ([\d.]+) (\d+)", proc.stderr).groups()
    valid = "draw is VALID" in proc.stdout
    return {"rc": int(rc), "valid": valid, "seconds": float(wall), "rss_mb": int(rss) / 1024}


def bench_browser(port: int, draw: dict) -> dict:
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=args)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/draws/daily/{draw['day']}/")
        t0 = time.perf_counter()
        page.click("#verify-button")
        page.wait_for_selector(
            "#verifier:is([data-state=valid], [data-state=invalid], [data-state=error])",
            timeout=300_000,
        )
        seconds = time.perf_counter() - t0
        state = page.get_attribute("#verifier", "data-state")
        browser.close()
    return {"seconds": seconds, "state": state}


def export(rev: str, into: Path) -> Path:
    sha = subprocess.run(
        ["git", "rev-parse", "--short", f"{rev}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    tree = into / f"src-{sha}"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", sha], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def render(report: dict) -> str:
    names = [t["name"] for t in report["trees"]]
    lines = [
        f"bench/verify.py on PostgreSQL, {report['machine']}; {report['command']}",
        "",
        "fill (this tree): "
        + ", ".join(
            f"{d['size']:,}: load {d['load_s']:.1f} s, close+draw {d['close_draw_s']:.2f} s, "
            f"leaves file {d['leaves_file_s']:.1f} s"
            for d in report["draws"]
        ),
        "",
        "proof endpoint, ms (p50 / p99), sequential, one connection:",
        f"{'ballots':>10}  " + "  ".join(f"{n:>24}" for n in names),
    ]
    first = names[0]
    for d in report["draws"]:
        cells = []
        for name in names:
            r = report["proof"][name][str(d["size"])]
            ratio = r["p50_ms"] / report["proof"][first][str(d["size"])]["p50_ms"]
            cells.append(f"{r['p50_ms']:7.2f} / {r['p99_ms']:7.2f} ({ratio:4.2f}x)")
        lines.append(f"{d['size']:>10,}  " + "  ".join(f"{c:>24}" for c in cells))
    lines += ["", f"the herd at concurrency 32 (wrk, {report['duration']} s), requests/s:"]
    runs = sorted({k for name in names for k in report["herd"][name]})
    lines.append(f"{'request':>26}  " + "  ".join(f"{n:>24}" for n in names))
    for run in runs:
        cells = []
        for name in names:
            r = report["herd"][name].get(run)
            cells.append(
                "-" if r is None else f"{r['rps']:8.0f} ({r['status']}, p99 {r['p99_ms']:.0f} ms)"
            )
        lines.append(f"{run:>26}  " + "  ".join(f"{c:>24}" for c in cells))
    lines += ["", "python -m lottery.verify end to end (this tree, leaves file built):"]
    for size, r in report["cli"].items():
        lines.append(
            f"{int(size):>10,}  {r['seconds']:6.1f} s  peak RSS {r['rss_mb']:6.0f} MB  "
            f"{'VALID' if r['valid'] else 'NOT VALID'}"
        )
    if report["browser"]:
        lines += ["", "browser verifier, headless Chromium (this tree):"]
        for size, r in report["browser"].items():
            lines.append(f"{int(size):>10,}  {r['seconds']:6.1f} s  {r['state']}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--browser-sizes", default="100000")
    parser.add_argument("--baseline", action="append", default=[], help="a git revision")
    parser.add_argument("--proofs", type=int, default=PROOFS, help="proof requests per size")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", "lottery_bench_verify"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8769")))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", ""))
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", default="5432")
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--results-dir", default=str(RESULTS))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.sizes = [int(x) for x in str(args.sizes).split(",")]
    if args.worker:
        Path(args.out).write_text(json.dumps(w_fill(args)))
        return
    if not args.redis_url:
        raise SystemExit("set BENCH_REDIS_URL (the production cache is Redis): your own db number")
    # hex: a token_urlsafe JWT key gave every bearer a 401 from gunicorn (cause not found yet)
    args.secret, args.jwt_key = secrets.token_hex(40), secrets.token_hex(40)
    tmp = Path(tempfile.mkdtemp(prefix="lottery-bench-verify."))
    env = env_for(args, tmp / "data")
    pg_recreate(args)
    out = tmp / "fill.json"
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            "fill",
            "--out",
            str(out),
            "--sizes",
            ",".join(map(str, args.sizes)),
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    draws = json.loads(out.read_text())["draws"]
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    trees = [{"name": "this tree", "path": ROOT}]
    trees += [{"name": rev, "path": export(rev, tmp)} for rev in args.baseline]
    for tree in trees[1:]:  # each baseline's build step: its own static files and manifest
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=tree["path"],
            env=env,
            check=True,
        )
    report = {
        "command": " ".join(["python bench/verify.py", *sys.argv[1:]]),
        "machine": f"{os.cpu_count()} cores, gunicorn 2 sync workers",
        "duration": args.duration,
        "draws": [{k: v for k, v in d.items() if k != "proofs"} for d in draws],
        "trees": [{"name": t["name"]} for t in trees],
        "proof": {},
        "herd": {},
        "cli": {},
        "browser": {},
    }
    browser_sizes = {int(x) for x in args.browser_sizes.split(",") if x}
    for tree in trees:
        name = tree["name"]
        print(f"serving {name}", file=sys.stderr)
        web = Web(tree["path"], env, tmp / f"web-{len(report['proof'])}.log")
        try:
            report["proof"][name] = {
                str(d["size"]): bench_proofs(args.port, d, args.proofs) for d in draws
            }
            report["herd"][name] = bench_herd(args.port, draws[-1]["day"], args.duration)
            if tree["path"] == ROOT:
                for d in draws:
                    report["cli"][str(d["size"])] = bench_cli(args.port, d, env)
                    if d["size"] in browser_sizes:
                        report["browser"][str(d["size"])] = bench_browser(args.port, d)
        finally:
            web.stop()
    report["bench_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    text = render(report)
    print(text)
    results = Path(args.results_dir)
    results.mkdir(parents=True, exist_ok=True)
    (results / "verify.txt").write_text(text)
    (results / "verify.json").write_text(json.dumps(report, indent=2, default=str))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
