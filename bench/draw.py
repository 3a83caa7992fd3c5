#!/usr/bin/env python
"""Benchmark closing and drawing a draw of 10k, 100k and 1M ballots on SQLite and PostgreSQL.

    python bench/draw.py [--sizes 10000,100000,1000000] [--backends sqlite,postgres]
                         [--repeat 3] [--no-tracemalloc] [--no-profile]

What is measured, per backend and size, on a draw whose close time has passed:

* ``draw_close`` (stream the ballots in serial order, RFC 6962 Merkle root) and
  ``draw_run`` (material, id re-stream, picks, Pick rows), wall time each and total;
* memory: the process's peak RSS (``ru_maxrss``) during close + draw, absolute and growth over
  the baseline, in a fresh process per measurement (``ru_maxrss`` never goes down), plus in a
  separate run the ``tracemalloc`` peak of Python allocations (tracemalloc slows Python
  down, so it is never on while timing);
* the naive pick ``Ballot.objects.filter(draw=draw).order_by('?').first()`` over the same
  ballots, and the replaced system's way (every ballot loaded as a model instance, then a
  random choice), with its time and memory; the ratios against ours.

The benchmark never touches the developer's databases: PostgreSQL runs in its own database
``lottery_bench_draw`` (dropped and created again), SQLite in a file under a temporary directory
that also holds DATA_DIR (Huey queue, cache). Settings are read once per process, so every
step runs in a fresh subprocess of this script (``--worker ...``); the parent collects JSON.
Loading the ballots is not part of any measurement. Results go to bench/results/draw.json and
bench/results/draw.txt. At the largest size (every size with ``--profile``; never with
``--no-profile``) the close and draw are taken apart (fetching rows, hashing, the id
re-stream, the small queries) and proposed changes to lottery/services/draws.py and selectors/,
applied in memory only, are measured end to end, round-robin with the project's code, and
checked to give the same root, material and picks.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import random
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_DB = "lottery_bench_draw"
PLAYERS = 1000
FIRST_DAY = date(2020, 1, 1)
TARGET_SECONDS = 5.0
TARGET_MB = 250.0
REPLACED = {"seconds": 15.4, "memory_mb": 1.18 * 1024, "ballots": 1_000_000, "backend": "postgres"}
MB = 1024 * 1024


# --------------------------------------------------------------------------------------------
# Small helpers shared by parent and workers
# --------------------------------------------------------------------------------------------


def maxrss_bytes() -> int:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def current_rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def pg_admin_dsn(args: argparse.Namespace, dbname: str = "postgres") -> str:
    return f"host={args.pg_host} port={args.pg_port} user={args.pg_user} dbname={dbname}"


# --------------------------------------------------------------------------------------------
# Worker side: each function runs in a fresh process with Django set up for one database
# --------------------------------------------------------------------------------------------


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    import django

    django.setup()


def w_setup(args: argparse.Namespace) -> dict:
    from django.core.management import call_command

    from accounts.models import User
    from lottery.models import Game

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    User.objects.bulk_create(
        [User(email=f"player{i}@bench.invalid", password="!") for i in range(PLAYERS)],
        batch_size=1000,
    )
    return {"game": Game.objects.get(slug="daily").pk, "seconds": time.perf_counter() - t0}


def _day_bounds(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


PG_LOAD = """
INSERT INTO lottery_ballot (uuid, player_id, draw_id, numbers, created_at)
SELECT gen_random_uuid(),
       p.ids[1 + (g.i %% array_length(p.ids, 1))],
       %(draw)s,
       n.numbers,
       -- in play order (ids follow created_at, as when ballots trickle in), spread over the day
       %(start)s::timestamptz
         + ((g.i - 1 + random() * 0.999) * (86399.0 / %(n)s)) * interval '1 second'
FROM generate_series(1, %(n)s) AS g(i)
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM accounts_user) AS p
CROSS JOIN LATERAL (
    -- 5 distinct numbers of 1..50, sorted and '-' joined (g.i keeps the subquery per row)
    SELECT string_agg(x::text, '-' ORDER BY x) AS numbers
    FROM (SELECT x FROM generate_series(1, 50) AS x WHERE g.i > 0 ORDER BY random() LIMIT 5) s
) AS n
"""


def w_load(args: argparse.Namespace) -> dict:
    from django.db import connection, transaction

    from accounts.models import User
    from lottery.models import Ballot, Game
    from lottery.services.draws import draw_get_or_create

    game = Game.objects.get(slug="daily")
    day = FIRST_DAY + timedelta(days=args.day)
    draw = draw_get_or_create(game=game, day=day)
    n = args.size
    start = _day_bounds(day)
    t0 = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(PG_LOAD, {"draw": draw.pk, "start": start, "n": n})
            cursor.execute("VACUUM (ANALYZE) lottery_ballot")
    else:
        players = [u.hex for u in User.objects.values_list("id", flat=True)]
        rnd = random.Random(n)
        sample, getrandbits = rnd.sample, rnd.getrandbits
        numbers_range = range(1, 51)
        step = 86399.0 / n
        sql = (
            "INSERT INTO lottery_ballot (uuid, player_id, draw_id, numbers, created_at) "
            "VALUES (?, ?, ?, ?, ?)"
        )
        batch = 50_000
        with transaction.atomic():
            raw = connection.connection
            for lo in range(0, n, batch):
                rows = []
                for i in range(lo, min(n, lo + batch)):
                    moment = start + timedelta(seconds=(i + rnd.random() * 0.999) * step)
                    rows.append(
                        (
                            uuid.UUID(int=getrandbits(128), version=4).hex,
                            players[i % len(players)],
                            draw.pk,
                            "-".join(map(str, sorted(sample(numbers_range, 5)))),
                            # what Django's SQLite backend stores: naive UTC, str(datetime)
                            str(moment.replace(tzinfo=None)),
                        )
                    )
                raw.executemany(sql, rows)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seconds = time.perf_counter() - t0
    count = Ballot.objects.filter(draw=draw).count()
    if count != n:
        raise SystemExit(f"loaded {count} ballots, wanted {n}")
    sample_numbers = list(Ballot.objects.filter(draw=draw).values_list("numbers", flat=True)[:5])
    for text in sample_numbers:
        nums = [int(x) for x in text.split("-")]
        if len(set(nums)) != 5 or nums != sorted(nums) or not all(1 <= x <= 50 for x in nums):
            raise SystemExit(f"bad numbers {text!r}")
    return {"draw_id": draw.pk, "day": day.isoformat(), "load_seconds": seconds}


def reset_draw(draw_id: int) -> None:
    """Put a drawn draw back to open, as if no one had closed it (ballots stay)."""
    from lottery.models import Draw, DrawStatus, Pick

    Pick.objects.filter(draw_id=draw_id).delete()
    Draw.objects.filter(pk=draw_id).update(
        status=DrawStatus.OPEN,
        ballots_count=None,
        merkle_root="",
        material="",
        closed_at=None,
        drawn_at=None,
        tie_rule="",
        winners_per_draw=None,
        alternates_per_draw=None,
        beacon="",
    )


def _outcome(draw_id: int) -> dict:
    from lottery.models import Draw, Pick

    draw = Draw.objects.get(pk=draw_id)
    picks = list(
        Pick.objects.filter(draw_id=draw_id)
        .order_by("kind", "rank", "serial")
        .values_list("kind", "rank", "serial")
    )
    return {
        "status": draw.status,
        "ballots_count": draw.ballots_count,
        "merkle_root": draw.merkle_root,
        "material": draw.material,
        "picks": [list(p) for p in picks],
    }


def _measure(fn, *, trace: bool) -> tuple[float, dict]:
    """Run fn() once; return (seconds, memory dict). The caller's process must be fresh."""
    from django.db import connection

    connection.ensure_connection()
    gc.collect()
    rss_before = maxrss_bytes()
    cur_before = current_rss_bytes()
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    memory = {
        "loadavg_1m_before": os.getloadavg()[0],
        "rss_baseline_mb": cur_before / MB,
        "peak_rss_mb": maxrss_bytes() / MB,
        "rss_growth_mb": max(0, maxrss_bytes() - rss_before) / MB,
    }
    if trace:
        memory["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
    return seconds, memory, result


def w_measure(args: argparse.Namespace) -> dict:
    """One close + draw of a freshly reset draw with the project's services."""
    from lottery.services.draws import draw_close, draw_run

    reset_draw(args.draw)
    times = {}

    def run() -> None:
        t0 = time.perf_counter()
        draw_close(draw_id=args.draw)
        t1 = time.perf_counter()
        draw_run(draw_id=args.draw)
        t2 = time.perf_counter()
        times.update(close_s=t1 - t0, draw_s=t2 - t1)

    total, memory, _ = _measure(run, trace=args.tracemalloc)
    outcome = _outcome(args.draw)
    if outcome["status"] != "drawn" or outcome["ballots_count"] != args.size:
        raise SystemExit(f"draw did not complete: {outcome}")
    return {**times, "total_s": total, **memory, "outcome": outcome}


def w_naive(args: argparse.Namespace) -> dict:
    """Ballot.objects.filter(draw=draw).order_by('?').first(), the server sorts by random()."""
    from lottery.models import Ballot

    seconds = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        ballot = Ballot.objects.filter(draw_id=args.draw).order_by("?").first()
        seconds.append(time.perf_counter() - t0)
        assert ballot is not None
    return {"seconds": seconds}


def w_loadall(args: argparse.Namespace) -> dict:
    """The replaced way: every ballot as a model instance in Python, then a random choice."""
    from lottery.models import Ballot

    def run():
        ballots = list(Ballot.objects.filter(draw_id=args.draw))
        winner = random.SystemRandom().choice(ballots)
        return len(ballots), str(winner.uuid)

    seconds, memory, (count, _winner) = _measure(run, trace=args.tracemalloc)
    if count != args.size:
        raise SystemExit(f"loaded {count} ballots, wanted {args.size}")
    return {"seconds": seconds, **memory}


# --------------------------------------------------------------------------------------------
# Profiling: where close + draw spend their time, and alternative implementations
# --------------------------------------------------------------------------------------------


def merkle_root_batched(chunks, block_bits: int = 14) -> tuple[bytes, int]:
    """RFC 6962 root and leaf count of leaf hashes given in chunks (lists of 32-byte hashes).

    Every aligned block of 2**block_bits leaves is a perfect subtree of the final tree, so its
    root is computed level by level with list comprehensions (no Python call per node) and
    pushed into a MerkleBuilder of block roots; the last partial block is folded on the right,
    exactly as MerkleBuilder.root() folds its stack. Proposed for lottery/draws/.
    """
    from hashlib import sha256

    from lottery import draws

    block = 1 << block_bits
    upper = draws.MerkleBuilder()
    pending: list[bytes] = []
    count = 0
    for chunk in chunks:
        count += len(chunk)
        pending.extend(chunk)
        while len(pending) >= block:
            level, pending = pending[:block], pending[block:]
            while len(level) > 1:
                it = iter(level)
                level = [sha256(b"\x01" + a + b).digest() for a, b in zip(it, it, strict=True)]
            upper.add(level[0])
    if not pending:
        return upper.root(), count
    tail = draws.merkle_root(pending)
    if not upper.count:
        return tail, count
    stack = [*upper._stack, tail]
    h = stack[-1]
    for left in reversed(stack[:-1]):
        h = sha256(b"\x01" + left + h).digest()
    return h, count


SERIAL_ORDER = "FROM lottery_ballot WHERE draw_id = %s ORDER BY created_at, uuid"
SERIAL_SQL = f"SELECT id, uuid::text, numbers {SERIAL_ORDER}"
# RFC 6962 leaf, computed by PostgreSQL (sha256() exists since PostgreSQL 11)
LEAF_SQL = (
    "SELECT sha256('\\x00'::bytea || convert_to(uuid::text || '|' || numbers, 'UTF8')) "
    + SERIAL_ORDER
)
IDS_SQL = f"SELECT id {SERIAL_ORDER}"


def _inline(sql: str, draw_id: int) -> str:
    """COPY takes no parameters: inline the (integer) draw id."""
    return sql.replace("%s", str(int(draw_id)))


def pg_named_chunks(sql: str, draw_id: int, itersize: int = 20000, binary: bool = False):
    """Lists of rows from a server-side cursor, fetchmany(itersize) at a time."""
    from django.db import connection

    with connection.connection.cursor(name=f"bench_{draw_id}", binary=binary) as cursor:
        cursor.itersize = itersize
        cursor.execute(sql, [draw_id])
        while rows := cursor.fetchmany(itersize):
            yield rows


def pg_copy_text_blocks(sql: str, draw_id: int, block_rows: int = 20000):
    """Lists of COPY ... TO STDOUT text lines; COPY streams with no FETCH round trips."""
    from django.db import connection

    copy_sql = f"COPY ({_inline(sql, draw_id)}) TO STDOUT"
    with connection.connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
        buf: list[bytes] = []
        for data in copy:  # one CopyData message per row
            buf.append(bytes(data))
            if len(buf) >= block_rows:
                yield b"".join(buf).decode().splitlines()
                buf = []
        if buf:
            yield b"".join(buf).decode().splitlines()


def pg_copy_leaf_hashes(draw_id: int, block_rows: int = 20000):
    """Lists of leaf hashes computed by PostgreSQL, streamed by binary COPY, serial order."""
    from django.db import connection

    copy_sql = f"COPY ({_inline(LEAF_SQL, draw_id)}) TO STDOUT (FORMAT BINARY)"
    with connection.connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
        copy.set_types(["bytea"])
        buf: list[bytes] = []
        for (leaf,) in copy.rows():
            buf.append(leaf)
            if len(buf) >= block_rows:
                yield buf
                buf = []
        if buf:
            yield buf


def leaf_chunks(chunks):
    """Leaf hashes of (pk, uuid text, numbers) rows, one list comprehension per chunk."""
    from hashlib import sha256

    for rows in chunks:
        yield [sha256(("\x00" + u + "|" + n).encode()).digest() for _pk, u, n in rows]


def sqlite_raw_chunks(sql: str, draw_id: int, size: int = 20000):
    """Lists of rows from the raw sqlite3 cursor (no Django per-row converters)."""
    from django.db import connection

    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql.replace("%s", "?"), [draw_id])
        while rows := cursor.fetchmany(size):
            yield rows
    finally:
        cursor.close()


def sqlite_serial_chunks(draw_id: int):
    """(pk, uuid text, numbers) chunks on SQLite: the uuid column holds 32 hex digits,
    hyphenated here with slicing instead of building one uuid.UUID per row (ORM path)."""
    for rows in sqlite_raw_chunks(SERIAL_SQL.replace("uuid::text", "uuid"), draw_id):
        yield [(pk, f"{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:]}", n) for pk, u, n in rows]


def _chunked(iterable, size: int = 20000):
    from itertools import islice

    it = iter(iterable)
    while chunk := list(islice(it, size)):
        yield chunk


def profile_steps(draw_id: int, size: int, root: str) -> dict:
    """Time the pieces of draw_close / draw_run separately (same process, warm)."""
    from array import array

    from django.db import connection, transaction

    from lottery import draws
    from lottery.models import Draw
    from lottery.selectors.ballots import distinct_numbers
    from lottery.selectors.leaves import serial_ids, serial_rows

    draw = Draw.objects.get(pk=draw_id)
    pg = connection.vendor == "postgresql"
    out: dict[str, dict] = {}

    def step(name: str, fn, note: str = "") -> None:
        gc.collect()
        with transaction.atomic():  # named cursors need a transaction, as in the services
            t0 = time.perf_counter()
            value = fn()
            seconds = time.perf_counter() - t0
        entry = {"seconds": seconds, "note": note}
        if isinstance(value, bytes):
            entry["root_ok"] = value.hex() == root
        out[name] = entry

    def fetch_only():
        n = 0
        for _row in serial_rows(draw=draw):
            n += 1
        assert n == size

    def fetch_leaf():
        leaf_hash = draws.leaf_hash
        for _pk, u, n in serial_rows(draw=draw):
            leaf_hash(u, n)

    def close_core():
        builder, leaf_hash = draws.MerkleBuilder(), draws.leaf_hash
        for _pk, u, n in serial_rows(draw=draw):
            builder.add(leaf_hash(u, n))
        return builder.root()

    def ids_restream():
        ids = array("q", (pk for pk, _u, _n in serial_rows(draw=draw)))
        assert len(ids) == size

    def ids_only():
        assert len(serial_ids(draw=draw)) == size

    step("A fetch rows only (serial_rows)", fetch_only, "what draw_close streams")
    step("B A + leaf_hash", fetch_leaf)
    step("C B + MerkleBuilder.add", close_core, "= draw_close without its writes")
    step("D id re-stream as in draw_run", ids_restream, "array of pks via serial_rows")
    step("E ids only, serial_ids", ids_only, "SELECT id ..., fetchmany")

    with transaction.atomic():
        rows = list(serial_rows(draw=draw))  # for the in-memory hashing steps
    leaves = [draws.leaf_hash(u, n) for _pk, u, n in rows]

    def hash_leaves_only():
        leaf_hash = draws.leaf_hash
        for _pk, u, n in rows:
            leaf_hash(u, n)

    def builder_only():
        builder = draws.MerkleBuilder()
        for leaf in leaves:
            builder.add(leaf)
        return builder.root()

    def batched_tree_only():
        return merkle_root_batched(_chunked(leaves))[0]

    def batched_leaves_and_tree():
        return merkle_root_batched(leaf_chunks(_chunked(rows)))[0]

    step("F leaf_hash only, rows in memory", hash_leaves_only)
    step("G MerkleBuilder.add only, leaves in memory", builder_only)
    step("H level-by-level tree only, leaves in memory", batched_tree_only)
    step("I batched leaves + level-by-level tree, rows in memory", batched_leaves_and_tree)
    rows = leaves = None  # free them before the database steps
    gc.collect()
    if pg:

        def fetch_named(itersize, binary=False, sql=SERIAL_SQL):
            def fn():
                got = sum(len(c) for c in pg_named_chunks(sql, draw_id, itersize, binary))
                assert got == size

            return fn

        step("J fetch rows, named cursor fetchmany(20000)", fetch_named(20000))
        step("K fetch rows, named cursor fetchmany(100000)", fetch_named(100_000))

        def fetch_copy():
            assert sum(len(b) for b in pg_copy_text_blocks(SERIAL_SQL, draw_id)) == size

        step("L fetch rows, COPY TO STDOUT text", fetch_copy)
        step("M fetch SQL sha256() leaves, named cursor", fetch_named(20000, True, LEAF_SQL))

        def fetch_copy_leaves():
            assert sum(len(b) for b in pg_copy_leaf_hashes(draw_id)) == size

        step("N fetch SQL sha256() leaves, binary COPY", fetch_copy_leaves)

        def close_sql_named():
            chunks = ([r[0] for r in c] for c in pg_named_chunks(LEAF_SQL, draw_id, 20000, True))
            return merkle_root_batched(chunks)[0]

        step("O close core: SQL leaves, named cursor, level-by-level tree", close_sql_named)

        def close_sql_copy_builder():
            builder = draws.MerkleBuilder()
            for chunk in pg_copy_leaf_hashes(draw_id):
                for leaf in chunk:
                    builder.add(leaf)
            return builder.root()

        step("P close core: SQL leaves, binary COPY, MerkleBuilder", close_sql_copy_builder)
        fixed = SERIAL_SQL.replace(
            "ORDER BY created_at, uuid", "ORDER BY created_at, lottery_ballot.uuid"
        )
        step(
            "Q fetch rows, ORDER BY created_at, lottery_ballot.uuid",
            fetch_named(20000, sql=fixed),
            "no Incremental Sort on uuid::text",
        )
    if not pg:

        def fetch_raw():
            assert sum(len(c) for c in sqlite_serial_chunks(draw_id)) == size

        step("W fetch rows, raw sqlite3 cursor, hex -> uuid text", fetch_raw, "vs A (ORM)")
    from lottery.models import Ballot

    cap = (draw.winners_per_draw or 1) + (draw.alternates_per_draw or 0)
    found = {}

    def distinct_as_is():
        found["as_is"] = distinct_numbers(draw=draw, cap=cap)

    def distinct_fixed():
        qs = Ballot.objects.filter(draw=draw).order_by().values_list("numbers", flat=True)
        found["fixed"] = len(qs.distinct()[:cap])

    step("S distinct_numbers as is", distinct_as_is, "Meta.ordering leaks into DISTINCT")
    step("T distinct_numbers with .order_by()", distinct_fixed, "index-only scan")
    with transaction.atomic():
        ids = array("q", (pk for pk, _u, _n in serial_rows(draw=draw)))
    probe = [ids[int(len(ids) * f)] for f in (0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95)] * 2
    probe = probe[: cap or 11]

    def index_lookups():
        found["index"] = [ids.index(pk) + 1 for pk in probe]

    def find_lookups():
        raw, size_ = ids.tobytes(), ids.itemsize
        serials = []
        for pk in probe:
            needle = pk.to_bytes(size_, sys.byteorder, signed=True)
            at = raw.find(needle)
            while at % size_:
                at = raw.find(needle, at + 1)
            serials.append(at // size_ + 1)
        found["find"] = serials

    step(f"U serials_with: ids.index() x{len(probe)}", index_lookups, "linear, item by item")
    step(f"V serials_with: bytes.find() x{len(probe)}", find_lookups, "memchr speed")
    out["S distinct_numbers as is"]["value"] = found["as_is"]
    out["S distinct_numbers as is"]["sql"] = str(
        Ballot.objects.filter(draw=draw).values_list("numbers", flat=True).distinct()[:cap].query
    )
    out["T distinct_numbers with .order_by()"]["value"] = found["fixed"]
    out[f"V serials_with: bytes.find() x{len(probe)}"]["same"] = found["find"] == found["index"]
    return out


def w_profile(args: argparse.Namespace) -> dict:
    """Step timings plus a cProfile of one close + draw with the project's code."""
    import cProfile
    import io
    import pstats

    from lottery.services.draws import draw_close, draw_run

    reset_draw(args.draw)
    t0 = time.perf_counter()
    draw_close(draw_id=args.draw)
    draw_run(draw_id=args.draw)
    warm = time.perf_counter() - t0
    outcome = _outcome(args.draw)
    steps = profile_steps(args.draw, args.size, outcome["merkle_root"])
    reset_draw(args.draw)
    prof = cProfile.Profile()
    prof.enable()
    draw_close(draw_id=args.draw)
    draw_run(draw_id=args.draw)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(14)
    text = buf.getvalue()
    text = text[text.find("   ncalls") :] if "   ncalls" in text else text
    return {"warm_total_s": warm, "steps": steps, "cprofile_tottime": text, "outcome": outcome}


WORKERS = {
    "setup": w_setup,
    "load": w_load,
    "measure": w_measure,
    "naive": w_naive,
    "loadall": w_loadall,
    "profile": w_profile,
}


def worker_main(args: argparse.Namespace) -> None:
    django_setup()
    result = WORKERS[args.worker](args)
    Path(args.out).write_text(json.dumps(result))


# --------------------------------------------------------------------------------------------
# Parent side
# --------------------------------------------------------------------------------------------


class Runner:
    def __init__(self, args: argparse.Namespace, tmp: Path):
        self.args = args
        self.tmp = tmp
        self.counter = 0

    def env_for(self, backend: str) -> dict:
        env = dict(os.environ)
        data_dir = self.tmp / backend
        data_dir.mkdir(exist_ok=True)
        env.update(
            DJANGO_SETTINGS_MODULE="backoffice.settings",
            # Production-like: no DEBUG query log; a throwaway key since DEBUG is off.
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DATA_DIR=str(data_dir),
            HUEY_IMMEDIATE="0",
            LOG_LEVEL="WARNING",
            LOTTERY_BEACON="",
            PYTHONHASHSEED="0",
        )
        env.pop("REDIS_URL", None)
        if backend == "postgres":
            a = self.args
            env["DATABASE_URL"] = f"postgres://{a.pg_user}@{a.pg_host}:{a.pg_port}/{PG_DB}"
        else:
            env["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.sqlite3'}"
        return env

    def run(self, backend: str, worker: str, code: str | None = None, **opts) -> dict:
        """Run one worker in a fresh process; ``code``: another checkout's bench/draw.py
        (its own lottery/ code, the same worker protocol), else this one."""
        self.counter += 1
        out = self.tmp / f"out-{self.counter}.json"
        script = Path(code, "bench", "draw.py") if code else Path(__file__).resolve()
        cmd = [sys.executable, str(script), "--worker", worker, "--out", str(out)]
        for key, value in opts.items():
            if value is True:
                cmd.append(f"--{key.replace('_', '-')}")
            elif value not in (None, False):
                cmd += [f"--{key.replace('_', '-')}", str(value)]
        proc = subprocess.run(
            cmd,
            env=self.env_for(backend),
            cwd=code or ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"worker {worker} on {backend} failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
            )
        return json.loads(out.read_text())


def pg_recreate(args: argparse.Namespace, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(pg_admin_dsn(args), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{PG_DB}"')


def machine_info(args: argparse.Namespace, backends: list[str]) -> dict:
    import sqlite3

    import django
    import psycopg

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_total = ""
    with contextlib.suppress(OSError):
        mem_total = Path("/proc/meminfo").read_text().splitlines()[0].split(":")[1].strip()
    info = {
        "nproc": os.cpu_count(),
        "sched_affinity": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "mem_total": mem_total,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "django": django.get_version(),
        "psycopg": psycopg.__version__,
        "sqlite": sqlite3.sqlite_version,
    }
    if "postgres" in backends:
        with psycopg.connect(pg_admin_dsn(args), autocommit=True) as conn:
            info["postgres"] = conn.execute("SELECT version()").fetchone()[0]
            for name in ("shared_buffers", "work_mem", "max_parallel_workers_per_gather"):
                info[f"pg_{name}"] = conn.execute(f"SHOW {name}").fetchone()[0]
    return info


def fmt(value, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def render(report: dict) -> str:
    lines = []
    m = report["machine"]
    lines.append(f"bench/draw.py - {report['generated_at']}")
    lines.append(
        f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['mem_total']}; Python {m['python']}, "
        f"Django {m['django']}, psycopg {m['psycopg']}, SQLite {m['sqlite']}"
    )
    if "postgres" in m:
        lines.append(
            f"postgres: {m['postgres'].split(' on ')[0]} (shared_buffers {m['pg_shared_buffers']}, "
            f"work_mem {m['pg_work_mem']})"
        )
    lines.append(
        f"repeat {report['args']['repeat']} (medians shown); times are wall seconds; memory is "
        "the worker process's (MB = MiB); tracemalloc from a separate untimed run."
    )
    lines.append("")
    head = (
        f"{'backend':<9}{'N':>9} {'close s':>8}{'draw s':>8}{'total s':>8}{'best':>6}{'load1':>6}"
        f" {'tm peak':>8}"
        f"{'peakRSS':>8}{'RSS +':>7} {'order?':>7} {'loadall s':>9}{'MB':>7} "
        f"{'vs order?':>9}{'speedup':>8}{'mem ÷':>6}"
    )
    lines.append(head)
    lines.append("-" * len(head))
    for r in report["results"]:
        med = r["median"]
        la = r.get("loadall_median") or {}
        ratio_naive = med["total_s"] / r["naive_median_s"] if r.get("naive_median_s") else None
        speedup = la["seconds"] / med["total_s"] if la.get("seconds") else None
        mem_ratio = la["peak_rss_mb"] / med["peak_rss_mb"] if la.get("peak_rss_mb") else None
        lines.append(
            f"{r['backend']:<9}{r['size']:>9} {fmt(med['close_s']):>8}{fmt(med['draw_s']):>8}"
            f"{fmt(med['total_s']):>8}{fmt(r['best_total_s']):>6}{fmt(med['loadavg'], '.1f'):>6}"
            f" {fmt(r.get('tracemalloc_peak_mb'), '.1f'):>8}"
            f"{fmt(med['peak_rss_mb'], '.0f'):>8}{fmt(med['rss_growth_mb'], '.0f'):>7} "
            f"{fmt(r.get('naive_median_s'), '.3f'):>7} {fmt(la.get('seconds')):>9}"
            f"{fmt(la.get('peak_rss_mb'), '.0f'):>7} "
            f"{fmt(ratio_naive, '.1f') + 'x':>9}{fmt(speedup, '.1f') + 'x':>8}"
            f"{fmt(mem_ratio, '.1f') + 'x':>6}"
        )
    for r in report["results"]:
        base = r.get("baseline")
        if base:
            lines.append(
                f"{r['backend']} N={r['size']}: baseline {base['baseline']}: close "
                f"{fmt(base['close_s'])} s + draw {fmt(base['draw_s'])} s = "
                f"{fmt(base['total_s'])} s, peak RSS {fmt(base['peak_rss_mb'], '.0f')} MB; this "
                f"code {fmt(r['median']['total_s'])} s = "
                f"{r['median']['total_s'] / base['total_s']:.2f}x the baseline (target <= 1.25x), "
                f"{'same root+picks' if base['same_outcome'] else 'OUTCOME DIFFERS'}"
            )
    lines.append("")
    lines.append(
        "close/draw/total: draw_close / draw_run (root included); best: the "
        "fastest total of the repeats; load1: the machine's 1-minute load average before the "
        "runs (other work on this 2-CPU machine shows up here). tm peak: "
        "tracemalloc peak of Python allocations during close+draw. peakRSS: the process's "
        "ru_maxrss after close+draw (Django + connection baseline included); RSS +: its growth "
        "during close+draw. order?: Ballot.objects.filter(draw=draw).order_by('?').first(). "
        "loadall: list(Ballot.objects.filter(draw=draw)) + random choice (the replaced "
        "system's approach), seconds and peak RSS. vs order?: our total / order_by('?') time. "
        "speedup: load-all time / our total. mem ÷: load-all peak RSS / our peak RSS."
    )
    for note in report.get("notes", []):
        lines.append(f"note: {note}")
    t = report.get("targets")
    if t:
        lines.append("")
        lines.append(
            f"target (PostgreSQL, 1M ballots): total {fmt(t['total_s'])} s "
            f"(< {TARGET_SECONDS} s: {'PASS' if t['time_ok'] else 'FAIL'}), peak RSS "
            f"{fmt(t['peak_rss_mb'], '.0f')} MB (< {TARGET_MB:.0f} MB: "
            f"{'PASS' if t['memory_ok'] else 'FAIL'}); replaced system: "
            f"{REPLACED['seconds']} s, {REPLACED['memory_mb']:.0f} MB -> "
            f"{REPLACED['seconds'] / t['total_s']:.1f}x faster, "
            f"{REPLACED['memory_mb'] / t['peak_rss_mb']:.1f}x less memory"
        )
    for p in report.get("profiles", []):
        lines.append("")
        lines.append(f"profile: {p['backend']} N={p['size']} (steps in one warm process)")
        for name, step in p["steps"].items():
            ok = (
                ""
                if "root_ok" not in step
                else ("  root ok" if step["root_ok"] else "  ROOT DIFFERS")
            )
            note = f"  ({step['note']})" if step.get("note") else ""
            if "value" in step:
                note += f"  -> {step['value']}"
            if "same" in step:
                note += "  same serials" if step["same"] else "  SERIALS DIFFER"
            lines.append(f"  {name:<66}{step['seconds']:>7.2f} s{ok}{note}")
            if "sql" in step:
                lines.append(f"      SQL: {step['sql']}")
        lines.append("  cProfile of one close + draw (tottime, top entries):")
        for line in p["cprofile_tottime"].rstrip().splitlines():
            lines.append("    " + line[:150])
    return "\n".join(lines) + "\n"


def parent_main(args: argparse.Namespace) -> None:
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for b in backends:
        if b not in ("sqlite", "postgres"):
            raise SystemExit(f"unknown backend {b!r}")
    started = time.perf_counter()
    report: dict = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "args": {"sizes": sizes, "backends": backends, "repeat": args.repeat},
        "machine": machine_info(args, backends),
        "replaced_system": REPLACED,
        "results": [],
        "profiles": [],
        "notes": [
            "ballots are loaded in created_at order (ids follow play order, as in production); "
            "PostgreSQL tables are VACUUM ANALYZEd after loading, SQLite ANALYZEd",
            "each measurement resets the same draw to open (Picks deleted, root/material "
            "cleared) and runs in a fresh process; the same seed gives the same root and picks",
        ],
    }
    tmp = Path(tempfile.mkdtemp(prefix="bench-draw-"))
    runner = Runner(args, tmp)
    try:
        for backend in backends:
            if backend == "postgres":
                pg_recreate(args)
            setup = runner.run(backend, "setup")
            print(f"[{backend}] migrated, {PLAYERS} players ({setup['seconds']:.1f} s)", flush=True)
            for index, size in enumerate(sizes):
                load = runner.run(backend, "load", size=size, day=index)
                draw_id = load["draw_id"]
                print(
                    f"[{backend}] N={size}: loaded in {load['load_seconds']:.1f} s, measuring",
                    flush=True,
                )
                common = {"draw": draw_id, "size": size}
                want_profile = args.profile or (not args.no_profile and size == sizes[-1])
                # Round-robin this code and the baseline checkout's (--baseline: the same
                # draw, reset each time), so background load on the machine hits them alike.
                codes = [None, *([args.baseline] if args.baseline else [])]
                by_variant: dict[str | None, list[dict]] = {c: [] for c in codes}
                for _ in range(args.repeat):
                    for code in codes:
                        by_variant[code].append(runner.run(backend, "measure", code=code, **common))
                runs = by_variant.pop(None)
                outcomes = {json.dumps(r.pop("outcome"), sort_keys=True) for r in runs}
                entry = {
                    "backend": backend,
                    "size": size,
                    "load_seconds": load["load_seconds"],
                    "runs": runs,
                    "deterministic": len(outcomes) == 1,
                    "outcome": json.loads(next(iter(outcomes))),
                    "median": {
                        k: median([r[k] for r in runs])
                        for k in ("close_s", "draw_s", "total_s", "peak_rss_mb", "rss_growth_mb")
                    },
                    "best_total_s": min(r["total_s"] for r in runs),
                }
                entry["median"]["loadavg"] = median([r["loadavg_1m_before"] for r in runs])
                variant_results = []
                for v, vruns in by_variant.items():
                    same = all(r.pop("outcome") == entry["outcome"] for r in vruns)
                    variant_results.append(
                        {
                            "baseline": v,
                            "runs": vruns,
                            "same_outcome": same,
                            "best_total_s": min(r["total_s"] for r in vruns),
                            **{
                                k: median([r[k] for r in vruns])
                                for k in ("close_s", "draw_s", "total_s", "peak_rss_mb")
                            },
                        }
                    )
                entry["baseline"] = variant_results[0] if variant_results else None
                if entry["baseline"]:
                    base = entry["baseline"]
                    print(
                        f"[{backend}] N={size}: baseline {base['baseline']}: total "
                        f"{base['total_s']:.2f} s, peak RSS {base['peak_rss_mb']:.0f} MB; "
                        f"this code / baseline {entry['median']['total_s'] / base['total_s']:.2f}",
                        flush=True,
                    )
                if not args.no_tracemalloc:
                    tm = runner.run(backend, "measure", tracemalloc=True, **common)
                    tm.pop("outcome")
                    entry["tracemalloc_run"] = tm
                    entry["tracemalloc_peak_mb"] = tm["tracemalloc_peak_mb"]
                naive = runner.run(backend, "naive", repeat=args.repeat, **common)
                entry["naive_seconds"] = naive["seconds"]
                entry["naive_median_s"] = median(naive["seconds"])
                # The replaced way holds every row in memory (~1.1 GB per million): skipped above
                # --loadall-max, where it would only measure this machine's RAM.
                loadall_runs = (
                    [runner.run(backend, "loadall", **common) for _ in range(args.loadall_repeat)]
                    if size <= args.loadall_max
                    else []
                )
                entry["loadall_runs"] = loadall_runs
                entry["loadall_median"] = {
                    k: median([r[k] for r in loadall_runs])
                    for k in ("seconds", "peak_rss_mb", "rss_growth_mb")
                    if loadall_runs
                }
                if loadall_runs and not args.no_tracemalloc:
                    tm = runner.run(backend, "loadall", tracemalloc=True, **common)
                    entry["loadall_tracemalloc_peak_mb"] = tm["tracemalloc_peak_mb"]
                report["results"].append(entry)
                med = entry["median"]
                print(
                    f"[{backend}] N={size}: close {med['close_s']:.2f} s, draw "
                    f"{med['draw_s']:.2f} s, total {med['total_s']:.2f} s, peak RSS "
                    f"{med['peak_rss_mb']:.0f} MB; order_by('?') {entry['naive_median_s']:.3f} s; "
                    + (
                        f"load-all {entry['loadall_median']['seconds']:.2f} s "
                        f"{entry['loadall_median']['peak_rss_mb']:.0f} MB"
                        if loadall_runs
                        else "load-all skipped (--loadall-max)"
                    ),
                    flush=True,
                )
                if want_profile:
                    prof = runner.run(backend, "profile", **common)
                    prof.update(backend=backend, size=size)
                    prof.pop("outcome", None)
                    report["profiles"].append(prof)
                    print(f"[{backend}] N={size}: profiled", flush=True)
    finally:
        if "postgres" in backends and not args.keep:
            try:
                pg_recreate(args, drop_only=True)
            except Exception as exc:
                print(f"could not drop {PG_DB}: {exc}", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp}")
    pg_1m = [r for r in report["results"] if r["backend"] == "postgres" and r["size"] == 1_000_000]
    if pg_1m:
        med = pg_1m[0]["median"]
        report["targets"] = {
            "total_s": med["total_s"],
            "peak_rss_mb": med["peak_rss_mb"],
            "time_ok": med["total_s"] < TARGET_SECONDS,
            "memory_ok": med["peak_rss_mb"] < TARGET_MB,
        }
    report["bench_seconds"] = time.perf_counter() - started
    text = render(report)
    print()
    print(text)
    results = Path(args.results_dir)
    results.mkdir(parents=True, exist_ok=True)
    (results / "draw.json").write_text(json.dumps(report, indent=2) + "\n")
    (results / "draw.txt").write_text(text)
    print(f"wrote {results / 'draw.json'} and {results / 'draw.txt'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loadall-repeat", type=int, default=1, help="runs of the load-all way")
    parser.add_argument(
        "--loadall-max", type=int, default=2_000_000, help="largest size the load-all way runs at"
    )
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the tracemalloc runs")
    parser.add_argument(
        "--profile", action="store_true", help="profile every size (default: the largest)"
    )
    parser.add_argument("--no-profile", action="store_true", help="never profile")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument("--results-dir", default=str(RESULTS), help="where draw.json/.txt go")
    parser.add_argument("--pg-host", default=os.environ.get("BENCH_PG_HOST", "127.0.0.1"))
    parser.add_argument("--pg-port", default=os.environ.get("BENCH_PG_PORT", "5432"))
    parser.add_argument("--pg-user", default=os.environ.get("BENCH_PG_USER", "postgres"))
    # worker-only options
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--day", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--draw", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tracemalloc", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--baseline",
        help="another checkout (e.g. a git worktree of the merge base): its close + draw "
        "measured round-robin with this code's, on the same draw",
    )
    args = parser.parse_args()
    args.loadall_repeat = max(1, args.loadall_repeat)
    if args.worker:
        worker_main(args)
    else:
        parent_main(args)


if __name__ == "__main__":
    main()
