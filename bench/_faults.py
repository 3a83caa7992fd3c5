#!/usr/bin/env python
"""Helpers of bench/faults.sh: a recording load client, draw preparation, state and checks.

    python bench/_faults.py load --url URL --tokens JSON --out JSONL [--concurrency 8]
                                 [--duration 30] [--max-requests 200000]
    python bench/_faults.py snapshot --out JSON          # checksum of every ballot row
    python bench/_faults.py check-web --records JSONL --tokens JSON --before JSON --events JSON
    python bench/_faults.py prepare-draw --ballots 300000 --out JSON
    python bench/_faults.py enqueue                      # draw_due_draws() into Huey's queue
    python bench/_faults.py draw-state --draw ID         # status, picks, audit entries
    python bench/_faults.py report --run-dir DIR

``load`` needs no Django: threads with http.client post ballots (random distinct numbers,
tokens round robin) until the duration or the request budget is spent, and write one JSON line
per request: when it started and ended, the token's player, the numbers sent, the status (or
the exception when no answer came), and for a 201 the uuid and numbers answered. Everything
else runs with Django configured from the environment (the fault database).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    import django

    django.setup()


# ------------------------------------------------------------------------------- load client


def cmd_load(args: argparse.Namespace) -> None:
    players = json.loads(Path(args.tokens).read_text())
    host, _, port = args.url.removeprefix("http://").partition(":")
    port = int(port or 80)
    deadline = time.time() + args.duration
    budget = itertools.count()
    turn = itertools.count()
    records: list[list[dict]] = [[] for _ in range(args.concurrency)]

    def worker(slot: int) -> None:
        rnd = random.Random(slot * 7919 + int(time.time()))
        conn = None
        out = records[slot]
        while time.time() < deadline and next(budget) < args.max_requests:
            i = next(turn) % len(players)
            numbers = rnd.sample(range(1, 51), 5)
            body = json.dumps({"numbers": numbers})
            rec = {"t0": time.time(), "player": players[i]["player"], "sent": numbers}
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=args.timeout)
                conn.request(
                    "POST",
                    "/api/v1/lotteries",
                    body=body,
                    headers={
                        "Authorization": f"Bearer {players[i]['token']}",
                        "Content-Type": "application/json",
                        "Accept": "application/json",
                    },
                )
                resp = conn.getresponse()
                data = resp.read()
                rec["status"] = resp.status
                if resp.status == 201:
                    answer = json.loads(data)
                    rec["uuid"] = answer["uuid"]
                    rec["answered"] = answer["numbers"]
                    rec["created_at"] = answer["created_at"]
                elif len(data) < 300:
                    rec["body"] = data.decode(errors="replace")
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                rec["status"] = None
                rec["error"] = type(exc).__name__
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.005)
            rec["t1"] = time.time()
            out.append(rec)
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.concurrency)]
    started = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join(args.duration + args.timeout + 5)
    with open(args.out, "w") as f:
        for rec in sorted(itertools.chain.from_iterable(records), key=lambda r: r["t0"]):
            f.write(json.dumps(rec) + "\n")
    total = sum(len(r) for r in records)
    print(json.dumps({"requests": total, "seconds": round(time.time() - started, 1)}))


# ------------------------------------------------------------------------------- web checks


def ballots_checksum(where: str = "", params: list | None = None) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), coalesce(md5(string_agg(uuid::text || player_id::text || draw_id "
            "|| numbers || created_at::text, ',' ORDER BY id)), '') FROM lottery_ballot " + where,
            params or [],
        )
        count, digest = cursor.fetchone()
        cursor.execute("SELECT coalesce(max(id), 0) FROM lottery_ballot")
        (max_id,) = cursor.fetchone()
    return {"count": count, "md5": digest, "max_id": max_id}


def cmd_snapshot(args: argparse.Namespace) -> None:
    django_setup()
    snap = ballots_checksum()
    Path(args.out).write_text(json.dumps(snap))
    print(json.dumps(snap))


def cmd_check_web(args: argparse.Namespace) -> None:
    django_setup()
    from django.db import connection

    before = json.loads(Path(args.before).read_text())
    events = json.loads(Path(args.events).read_text())
    records = [json.loads(line) for line in Path(args.records).read_text().splitlines() if line]
    players = {p["player"] for p in json.loads(Path(args.tokens).read_text())}
    created = [r for r in records if r.get("status") == 201]

    # Every 201: its row exists, with the player and the numbers sent and answered.
    rows = {}
    uuids = [r["uuid"] for r in created]
    with connection.cursor() as cursor:
        for lo in range(0, len(uuids), 5000):
            cursor.execute(
                "SELECT uuid::text, player_id::text, numbers FROM lottery_ballot "
                "WHERE uuid = ANY(%s::uuid[])",
                [uuids[lo : lo + 5000]],
            )
            rows.update({u: (p, n) for u, p, n in cursor.fetchall()})
        # Rows the load wrote: ballots of the load players added after the snapshot.
        cursor.execute(
            "SELECT count(*) FROM lottery_ballot WHERE id > %s AND player_id::text = ANY(%s)",
            [before["max_id"], list(players)],
        )
        (rows_written,) = cursor.fetchone()
    missing = [r["uuid"] for r in created if r["uuid"] not in rows]
    changed = []
    for r in created:
        row = rows.get(r["uuid"])
        if row is None:
            continue
        text = "-".join(str(n) for n in sorted(r["sent"]))
        if row[0] != r["player"] or row[1] != text or sorted(r["answered"]) != sorted(r["sent"]):
            changed.append({"uuid": r["uuid"], "sent": text, "row": row})
    # Ballots that existed before the faults: not one changed.
    old = ballots_checksum("WHERE id <= %s", [before["max_id"]])
    old_unchanged = old["count"] == before["count"] and old["md5"] == before["md5"]

    # Rows without a 201: which request each came from (same player and numbers, no 201).
    extra_detail: dict[str, int] = {}
    ok_uuids = set(rows)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT uuid::text, player_id::text, numbers FROM lottery_ballot "
            "WHERE id > %s AND player_id::text = ANY(%s)",
            [before["max_id"], list(players)],
        )
        extra_rows = [r for r in cursor.fetchall() if r[0] not in ok_uuids]
    failed = {}
    for r in records:
        if r.get("status") != 201:
            key = (r["player"], "-".join(str(n) for n in sorted(r["sent"])))
            failed.setdefault(key, []).append(r)
    for _u, player, numbers in extra_rows:
        match = failed.get((player, numbers))
        what = (
            "no matching request"
            if not match
            else (
                f"HTTP {match[0]['status']}"
                if match[0].get("status")
                else f"no answer ({match[0]['error']})"
            )
        )
        extra_detail[what] = extra_detail.get(what, 0) + 1

    statuses: dict[str, int] = {}
    for r in records:
        key = str(r["status"]) if r.get("status") is not None else f"no answer ({r['error']})"
        statuses[key] = statuses.get(key, 0) + 1
    unanswered = [r for r in records if r.get("status") != 201]

    def window(lo: float, hi: float) -> dict:
        inside = [r for r in records if lo <= r["t0"] < hi]
        return {
            "requests": len(inside),
            "201": sum(1 for r in inside if r.get("status") == 201),
            "errors": sum(1 for r in inside if r.get("status") != 201),
        }

    t_start = records[0]["t0"] if records else 0
    t_end = records[-1]["t1"] if records else 0
    kill_t = events.get("worker_killed_at", t_end)
    pg_t0 = events.get("pg_restart_started_at", t_end)
    pg_t1 = events.get("pg_restart_done_at", t_end)
    after_pg = [r for r in records if r["t0"] >= pg_t1 + 2]
    out = {
        "requests": len(records),
        "statuses": dict(sorted(statuses.items())),
        "responses_201": len(created),
        "rows_found_for_201": len(created) - len(missing),
        "missing_rows": len(missing),
        "missing_examples": missing[:5],
        "changed_ballots": len(changed),
        "changed_examples": changed[:5],
        "rows_written_by_load": rows_written,
        "rows_without_201": rows_written - (len(created) - len(missing)),
        "rows_without_201_came_from": extra_detail,
        "non_201_requests": len(unanswered),
        "old_ballots": {"count": old["count"], "unchanged": old_unchanged},
        "windows": {
            "before_worker_kill": window(t_start, kill_t),
            "worker_kill_to_pg_restart": window(kill_t, pg_t0),
            "during_pg_restart": window(pg_t0, pg_t1 + 2),
            "after_pg_restart_plus_2s": window(pg_t1 + 2, t_end + 1),
        },
        "recovered_after_pg_restart": any(r.get("status") == 201 for r in after_pg),
        "events": events,
    }
    out["ok"] = (
        not missing
        and not changed
        and old_unchanged
        and out["recovered_after_pg_restart"]
        and out["rows_without_201"] >= 0
        and out["rows_without_201"] <= out["non_201_requests"]
    )
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))


def cmd_log_summary(args: argparse.Namespace) -> None:
    """Group the 500s in a gunicorn log by the app's last frame and the exception."""
    import re

    frame_re = re.compile(
        r'File "[^"]*/(accounts|lottery|backoffice|core)/([^"]+)", line (\d+), in (\w+)'
    )
    exc_re = re.compile(r"^([\w.]+(?:Error|Exception)): (.{0,90})")
    groups: dict[str, int] = {}
    chunk: list[str] | None = None

    def flush() -> None:
        if chunk is None:
            return
        frames = [m for line in chunk if (m := frame_re.search(line))]
        excs = [m for line in chunk if (m := exc_re.match(line))]
        where = "{}/{}:{} {}".format(*frames[-1].groups()) if frames else "?"
        what = excs[-1].group(1).rsplit(".", 1)[-1] + ": " + excs[-1].group(2) if excs else "?"
        lazy = [line for line in chunk if "Error extracting attribute" in line]
        if lazy:  # a query made while ninja serialised the answer, i.e. after the commit
            attr = next((line.strip() for line in chunk if line.startswith("response.")), "?")
            what = lazy[0].strip().split(" [type=")[0]
            where = f"ninja serialising the answer ({attr}: a lazy query after COMMIT)"
        key = f"{where} -> {what}"
        groups[key] = groups.get(key, 0) + 1

    for line in Path(args.log).read_text(errors="replace").splitlines():
        if "Unhandled error on" in line:
            flush()
            chunk = []
        elif chunk is not None:
            if re.match(r"^\d{4}-\d\d-\d\d |^\[\d{4}-|^\d+\.\d+\.\d+\.\d+ - ", line):
                flush()
                chunk = None
            else:
                chunk.append(line)
    flush()
    out = dict(sorted(groups.items(), key=lambda kv: -kv[1]))
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))


# ------------------------------------------------------------------------------- the draw

DRAW_LOAD = """
INSERT INTO lottery_ballot (uuid, player_id, draw_id, numbers, created_at)
SELECT gen_random_uuid(), p.ids[1 + (g.i %% array_length(p.ids, 1))], %(draw)s,
       concat_ws('-', 1 + floor(random() * 10)::int, 11 + floor(random() * 10)::int,
                 21 + floor(random() * 10)::int, 31 + floor(random() * 10)::int,
                 41 + floor(random() * 10)::int),
       %(start)s::timestamptz
         + ((g.i - 1 + random() * 0.999) * (86399.0 / %(n)s)) * interval '1 second'
FROM generate_series(1, %(n)s) AS g(i)
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM accounts_user
            WHERE email LIKE 'load%%@bench.invalid') AS p
"""


def cmd_prepare_draw(args: argparse.Namespace) -> None:
    """A draw of a past day (due: its close time has passed) holding --ballots ballots."""
    django_setup()
    from datetime import UTC, datetime, timedelta

    from django.db import connection
    from django.utils import timezone

    from lottery.models import Game
    from lottery.services.draws import draw_get_or_create

    game = Game.objects.get(slug="daily")
    day = game.today_for(timezone.now()) - timedelta(days=args.days_ago)
    draw = draw_get_or_create(game=game, day=day)
    t0 = time.perf_counter()
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    with connection.cursor() as cursor:
        cursor.execute(DRAW_LOAD, {"draw": draw.pk, "start": start, "n": args.ballots})
        cursor.execute("VACUUM (ANALYZE) lottery_ballot")
    snap = ballots_checksum("WHERE draw_id = %s", [draw.pk])
    out = {
        "draw_id": draw.pk,
        "day": day.isoformat(),
        "ballots": snap["count"],
        "ballots_md5": snap["md5"],
        "winners_per_draw": game.winners_per_draw,
        "alternates_per_draw": game.alternates_per_draw,
        "load_seconds": round(time.perf_counter() - t0, 1),
    }
    Path(args.out).write_text(json.dumps(out))
    print(json.dumps(out))


def cmd_enqueue(args: argparse.Namespace) -> None:
    django_setup()
    from lottery import tasks

    tasks.draw_due_draws()  # a periodic task called directly is enqueued (HUEY_IMMEDIATE=0)
    print("enqueued draw_due_draws")


def draw_state(draw_id: int) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, ballots_count, merkle_root, material, drawn_at IS NOT NULL "
            "FROM lottery_draw WHERE id = %s",
            [draw_id],
        )
        status, count, root, material, drawn = cursor.fetchone()
        cursor.execute(
            "SELECT kind, count(*) FROM lottery_pick WHERE draw_id = %s GROUP BY kind", [draw_id]
        )
        picks = dict(cursor.fetchall())
        cursor.execute(
            "SELECT action, count(*) FROM lottery_auditentry WHERE draw_id = %s GROUP BY action",
            [draw_id],
        )
        audit = dict(cursor.fetchall())
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND query ILIKE %s AND state <> 'idle'",
            ["%lottery_ballot%"],
        )
        (busy,) = cursor.fetchone()
    return {
        "status": status,
        "ballots_count": count,
        "merkle_root": root,
        "material": material,
        "drawn": drawn,
        "picks": picks,
        "picks_total": sum(picks.values()),
        "audit": audit,
        "draw_queries_running": busy,
    }


def cmd_draw_state(args: argparse.Namespace) -> None:
    django_setup()
    state = draw_state(args.draw)
    if args.with_checksum:
        state["ballots_md5"] = ballots_checksum("WHERE draw_id = %s", [args.draw])["md5"]
    print(json.dumps(state))


# ------------------------------------------------------------------------------- report


def cmd_report(args: argparse.Namespace) -> None:
    run = Path(args.run_dir)
    web = (
        json.loads((run / "web_check.json").read_text())
        if (run / "web_check.json").exists()
        else None
    )
    errors_500 = (
        json.loads((run / "errors_500.json").read_text())
        if (run / "errors_500.json").exists()
        else {}
    )
    huey = json.loads((run / "huey.json").read_text()) if (run / "huey.json").exists() else None
    meta = json.loads((run / "meta.json").read_text())
    lines = [f"Fault benchmark ({meta['when']}) — {meta['machine']}", meta["setup"], ""]
    if web:
        ev = web["events"]
        lines += [
            f"1. Web under load ({ev.get('clients')} client threads, {ev.get('duration')} s, "
            f"gunicorn {ev.get('config')}):",
            f"   kill -9 of worker pid {ev.get('worker_pid')} "
            f"at +{ev.get('worker_killed_rel', '?')} s "
            f"(respawned: {ev.get('worker_respawned')}); PostgreSQL restart at "
            f"+{ev.get('pg_restart_rel', '?')} s took {ev.get('pg_restart_seconds', '?')} s "
            f"({ev.get('pg_cluster')})",
            f"   requests {web['requests']}; statuses {web['statuses']}",
        ]
        for name, w in web["windows"].items():
            lines.append(
                f"     {name:<28} requests {w['requests']:>6}  201 {w['201']:>6}  "
                f"errors {w['errors']:>5}"
            )
        lines += [
            f"   201 responses: {web['responses_201']}; "
            f"their rows found: {web['rows_found_for_201']}; "
            f"missing: {web['missing_rows']}; changed: {web['changed_ballots']}",
            f"   rows written by the load: {web['rows_written_by_load']} = 201s + "
            f"{web['rows_without_201']} ballot(s) committed whose answer was lost "
            f"(of {web['non_201_requests']} requests without a 201): "
            f"{web.get('rows_without_201_came_from')}",
            f"   ballots present before the faults: {web['old_ballots']['count']}, unchanged: "
            f"{'yes' if web['old_ballots']['unchanged'] else 'NO'}",
            "   500s by the app's last frame and the exception (gunicorn log):",
            *[f"     {n:>4}  {k}" for k, n in errors_500.items()],
            "   app answered 201s again after the restart: "
            + ("yes" if web["recovered_after_pg_restart"] else "NO"),
            f"   => {'PASS' if web['ok'] else 'FAIL'}",
            "",
        ]
    if huey:
        d = huey["draw"]
        lines.append(
            f"2. Huey consumer killed during a draw of {d['ballots']} ballots (draw {d['day']}):"
        )
        for k in huey["kills"]:
            lines.append(
                f"   kill -9 consumer after {k['after_s']} s (seen: {k['seen']}): draw then "
                f"status={k['state']['status']}, picks={k['state']['picks_total']}, "
                f"audit={k['state']['audit']}"
            )
        f = huey["final"]
        lines += [
            f"   consumer restarted; drawn within {huey['final_wait_s']} s (start-up included), by "
            f"{huey.get('final_trigger')}: status={f['status']}, "
            f"picks {f['picks']} (expected {huey['expected_picks']}), audit entries {f['audit']}",
            f"   ballots of the draw unchanged: {'yes' if huey['ballots_unchanged'] else 'NO'}; "
            f"exactly one draw: {'yes' if huey['exactly_once'] else 'NO'}",
            f"   => {'PASS' if huey['ok'] else 'FAIL'}",
            "",
        ]
    ok = bool(web and web["ok"]) and bool(huey and huey["ok"])
    lines.append(f"Overall: {'PASS' if ok else 'FAIL'}")
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "faults.txt").write_text(text + "\n")
    (RESULTS / "faults.json").write_text(
        json.dumps(
            {"meta": meta, "web": web, "errors_500": errors_500, "huey": huey, "ok": ok}, indent=2
        )
        + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("load")
    p.add_argument("--url", required=True)
    p.add_argument("--tokens", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--duration", type=float, default=30)
    p.add_argument("--max-requests", type=int, default=200_000)
    p.add_argument("--timeout", type=float, default=10)
    p = sub.add_parser("snapshot")
    p.add_argument("--out", required=True)
    p = sub.add_parser("check-web")
    p.add_argument("--records", required=True)
    p.add_argument("--tokens", required=True)
    p.add_argument("--before", required=True)
    p.add_argument("--events", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("prepare-draw")
    p.add_argument("--ballots", type=int, default=300_000)
    p.add_argument("--days-ago", type=int, default=1)
    p.add_argument("--out", required=True)
    sub.add_parser("enqueue")
    p = sub.add_parser("log-summary")
    p.add_argument("--log", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("draw-state")
    p.add_argument("--draw", type=int, required=True)
    p.add_argument("--with-checksum", action="store_true")
    p = sub.add_parser("report")
    p.add_argument("--run-dir", required=True)
    args = parser.parse_args()
    {
        "load": cmd_load,
        "snapshot": cmd_snapshot,
        "check-web": cmd_check_web,
        "prepare-draw": cmd_prepare_draw,
        "enqueue": cmd_enqueue,
        "log-summary": cmd_log_summary,
        "draw-state": cmd_draw_state,
        "report": cmd_report,
    }[args.cmd](args)


if __name__ == "__main__":
    main()
