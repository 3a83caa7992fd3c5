#!/usr/bin/env bash
# Fault benchmark: during load, kill -9 one gunicorn worker, restart PostgreSQL, and kill the
# Huey consumer in the middle of a draw; afterwards every 201 has its row, no ballot changed,
# the draw completes exactly once when the consumer returns, and the script prints the counts.
#
#   bash bench/faults.sh
#
# 1. Web: gunicorn serves the app as the Procfile's web line does (127.0.0.1, DJANGO_DEBUG=0,
#    production settings); a recording Python client (bench/_faults.py load) posts ballots for
#    LOAD_SECONDS; at +KILL_AT s one worker gets kill -9 (gunicorn respawns it), at +RESTART_AT s
#    PostgreSQL is restarted (pg_ctlcluster restart, fast mode: every connection is cut). Then
#    every 201's uuid must be in the table with its player and numbers, the ballots written
#    before the run must be byte-for-byte unchanged (md5 over every column), any extra row must
#    belong to a request that got no 201, and the app must answer 201s again after the restart.
# 2. Huey: a draw of a past day with DRAW_BALLOTS ballots; `manage.py run_huey` is started and
#    the draw task enqueued; when the draw's query shows in pg_stat_activity the consumer gets
#    kill -9, twice (the second time after the close has committed if it can catch it, i.e.
#    during draw_run); after each kill the draw must not be drawn (open or closed, no Pick, no
#    'draw' audit entry). Then the consumer is started again and left to its own schedule
#    (the every-minute periodic task): the draw must end drawn exactly once: winners +
#    alternates Pick rows, one 'close' and one 'draw' audit entry, its ballots unchanged.
#
# PostgreSQL: by default a throwaway cluster of the installed version (FAULTS_CLUSTER
# [lotteryfaults] on FAULTS_PG_PORT [5439], created with pg_createcluster, trust auth on
# loopback, dropped at the end), so that restarting it does not cut the connections of
# anything else using the machine's main cluster. FAULTS_CLUSTER=main restarts the shared
# cluster (port 5432) instead. Whatever happens, a trap leaves the main cluster running.
#
# Knobs: WEB_CONCURRENCY [3] GUNICORN_THREADS [1] LOAD_SECONDS [30] LOAD_CLIENTS [8]
#        KILL_AT [8] RESTART_AT [16] DRAW_BALLOTS [300000] PLAYERS [500]
# Results: stdout, bench/results/faults.txt and bench/results/faults.json.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=bench/_prod_env.sh
source "$ROOT/bench/_prod_env.sh"
PY="$ROOT/.venv/bin/python"
FH="$ROOT/bench/_faults.py"
SETUP="$ROOT/bench/_load_setup.py"

PG_VERSION="${PG_VERSION:-$(ls /etc/postgresql | sort -V | tail -1)}"
CLUSTER="${FAULTS_CLUSTER:-lotteryfaults}"
if [[ "$CLUSTER" == main ]]; then
  PG_PORT="${FAULTS_PG_PORT:-5432}"
else
  PG_PORT="${FAULTS_PG_PORT:-5439}"
fi
export PGHOST=127.0.0.1 PGPORT="$PG_PORT" PGUSER=postgres
DB="${BENCH_DB:-lottery_bench_faults}"
PORT="${BENCH_PORT:-8766}"
WORKERS="${WEB_CONCURRENCY:-3}"
THREADS="${GUNICORN_THREADS:-1}"
LOAD_SECONDS="${LOAD_SECONDS:-30}"
LOAD_CLIENTS="${LOAD_CLIENTS:-8}"
KILL_AT="${KILL_AT:-8}"
RESTART_AT="${RESTART_AT:-16}"
DRAW_BALLOTS="${DRAW_BALLOTS:-300000}"
PLAYERS="${PLAYERS:-500}"

RUN_DIR="$(mktemp -d /tmp/lottery-faults.XXXXXX)"
GUNICORN_PID=""
LOAD_PID=""
CONSUMER_PID=""
CREATED_CLUSTER=0

log() { printf '[faults %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
now() { date +%s.%N; }

cluster_online() { pg_lsclusters -h | awk -v v="$1" -v c="$2" '$1 == v && $2 == c {print $4}' | grep -q online; }

cleanup() {
  set +e
  stop_pid "$LOAD_PID"
  stop_pid "$CONSUMER_PID"
  stop_pid "$GUNICORN_PID"
  if [[ "$CLUSTER" == main ]]; then
    cluster_online "$PG_VERSION" main || pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start
  elif [[ "$CREATED_CLUSTER" == 1 ]]; then
    pg_dropcluster --stop "$PG_VERSION" "$CLUSTER" >/dev/null 2>&1
  fi
  # whatever happened above, the machine's main cluster stays up
  if pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$PG_VERSION main"; then
    cluster_online "$PG_VERSION" main || pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start
  fi
  log "PostgreSQL clusters: $(pg_lsclusters -h | awk '{print $1"/"$2":"$4}' | tr '\n' ' ')"
  log "run directory: $RUN_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- PostgreSQL
if [[ "$CLUSTER" != main ]]; then
  if pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$PG_VERSION $CLUSTER"; then
    log "dropping a leftover cluster $PG_VERSION/$CLUSTER"
    pg_dropcluster --stop "$PG_VERSION" "$CLUSTER"
  fi
  log "creating a throwaway cluster $PG_VERSION/$CLUSTER on port $PG_PORT"
  pg_createcluster "$PG_VERSION" "$CLUSTER" -p "$PG_PORT" -- --auth-host=trust --auth-local=trust \
    >"$RUN_DIR/createcluster.log" 2>&1
  CREATED_CLUSTER=1
  pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$CLUSTER" start
fi
for _ in $(seq 1 100); do pg_isready -q && break; sleep 0.1; done

# ---------------------------------------------------------------- production settings
bench_prod_env faults "postgres://$PGUSER@$PGHOST:$PG_PORT/$DB" \
  "${BENCH_REDIS_URL:-redis://127.0.0.1:6379/13}"
export LOG_LEVEL="${LOG_LEVEL:-INFO}"
export EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"
WORKER_CMD="$(sed -n 's/^worker: //p' Procfile)"

log "creating database $DB"
dropdb --if-exists "$DB"
createdb "$DB"
"$PY" -c "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()"
# --skip-checks: checks are not what is measured (an admin check once queried auth_permission
# before migrate had created it, which broke migrate on a fresh database)
"$PY" manage.py migrate --noinput --skip-checks -v 0
"$PY" "$SETUP" setup --players "$PLAYERS" --history 0 --tokens "$RUN_DIR/tokens.lua" \
  --tokens-json "$RUN_DIR/tokens.json" --get-tokens "$RUN_DIR/reader.lua" \
  --out "$RUN_DIR/setup.json" >&2

# ---------------------------------------------------------------- 1. web under faults
log "part 1: gunicorn ${WORKERS}x${THREADS}, $LOAD_CLIENTS clients for $LOAD_SECONDS s"
start_web "$ROOT" "$RUN_DIR/gunicorn.log" "$WORKERS" "$THREADS"

"$PY" "$FH" snapshot --out "$RUN_DIR/before.json" >&2
T0="$(now)"
"$PY" "$FH" load --url "http://127.0.0.1:$PORT" --tokens "$RUN_DIR/tokens.json" \
  --out "$RUN_DIR/records.jsonl" --concurrency "$LOAD_CLIENTS" --duration "$LOAD_SECONDS" \
  >"$RUN_DIR/load.log" 2>&1 &
LOAD_PID=$!

sleep "$KILL_AT"
WORKER_PID="$(pgrep -P "$GUNICORN_PID" | head -1)"
log "kill -9 gunicorn worker $WORKER_PID"
KILLED_AT="$(now)"
kill -KILL "$WORKER_PID"

sleep "$(awk -v a="$RESTART_AT" -v t0="$T0" -v n="$(now)" 'BEGIN {d = a - (n - t0); print (d > 0 ? d : 0)}')"
log "restarting PostgreSQL $PG_VERSION/$CLUSTER"
PG_T0="$(now)"
pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$CLUSTER" restart
PG_T1="$(now)"
log "PostgreSQL back after $(awk -v a="$PG_T0" -v b="$PG_T1" 'BEGIN {printf "%.1f", b - a}') s"

for _ in $(seq 1 $(( (LOAD_SECONDS + 30) * 10 ))); do kill -0 "$LOAD_PID" 2>/dev/null || break; sleep 0.1; done
stop_pid "$LOAD_PID"; LOAD_PID=""
cat "$RUN_DIR/load.log" >&2
RESPAWNED="$(pgrep -P "$GUNICORN_PID" | grep -vx "$WORKER_PID" | wc -l)"
cat >"$RUN_DIR/events.json" <<EOF
{"clients": $LOAD_CLIENTS, "duration": $LOAD_SECONDS, "config": "${WORKERS}x${THREADS}",
 "load_started_at": $T0, "worker_pid": $WORKER_PID, "worker_killed_at": $KILLED_AT,
 "worker_killed_rel": $(awk -v a="$KILLED_AT" -v t="$T0" 'BEGIN {printf "%.1f", a - t}'),
 "worker_respawned": $([[ "$RESPAWNED" -ge "$WORKERS" ]] && echo true || echo false),
 "workers_after": $RESPAWNED,
 "pg_cluster": "$PG_VERSION/$CLUSTER", "pg_restart_started_at": $PG_T0, "pg_restart_done_at": $PG_T1,
 "pg_restart_rel": $(awk -v a="$PG_T0" -v t="$T0" 'BEGIN {printf "%.1f", a - t}'),
 "pg_restart_seconds": $(awk -v a="$PG_T0" -v b="$PG_T1" 'BEGIN {printf "%.2f", b - a}')}
EOF
"$PY" "$FH" check-web --records "$RUN_DIR/records.jsonl" --tokens "$RUN_DIR/tokens.json" \
  --before "$RUN_DIR/before.json" --events "$RUN_DIR/events.json" --out "$RUN_DIR/web_check.json" \
  >"$RUN_DIR/web_check.log"
stop_pid "$GUNICORN_PID"; GUNICORN_PID=""
"$PY" "$FH" log-summary --log "$RUN_DIR/gunicorn.log" --out "$RUN_DIR/errors_500.json" >/dev/null

# ---------------------------------------------------------------- 2. Huey consumer killed mid-draw
log "part 2: preparing a draw of $DRAW_BALLOTS ballots"
"$PY" "$FH" prepare-draw --ballots "$DRAW_BALLOTS" --out "$RUN_DIR/draw.json" >&2
DRAW_ID="$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['draw_id'])" "$RUN_DIR/draw.json")"

draw_probe() { # "<status> <n>": the draw's status and how many of the draw's statements are
  # running (or holding their transaction) in the fault database
  psql -d "$DB" -Atq -F ' ' -c "SELECT (SELECT status FROM lottery_draw WHERE id = $DRAW_ID),
    (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
     AND pid <> pg_backend_pid() AND state <> 'idle'
     AND (query ILIKE '%lottery_ballot%' OR query ILIKE '%serials%'))" 2>/dev/null || echo "? 0"
}
draw_status() { draw_probe | cut -d' ' -f1; }

start_consumer() { # name
  bash -c "exec $WORKER_CMD" >"$RUN_DIR/consumer-$1.log" 2>&1 &
  CONSUMER_PID=$!
}

# Round 1 kills the consumer while it closes the draw (status still open), round 2 once the
# close has committed (status closed), i.e. inside draw_run; each time the task is queued
# first, then the consumer started, and the draw's statements watched every ~20 ms.
: >"$RUN_DIR/kills.jsonl"
for round in 1 2; do
  if [[ "$round" == 1 ]]; then want=open; else want=closed; fi
  "$PY" "$FH" enqueue >&2
  log "round $round: draw task queued; consumer up; kill -9 it when the draw runs with status $want"
  start_consumer "$round"
  K0="$(now)"; seen="not seen within 60 s"
  for _ in $(seq 1 3000); do
    read -r status busy < <(draw_probe)
    if [[ "$status" == drawn || "$status" == no_entries ]]; then seen="too late: already $status"; break; fi
    if [[ "$busy" -gt 0 && "$status" == "$want" ]]; then seen="draw statements running, status $status"; break; fi
    sleep 0.02
  done
  K1="$(now)"
  kill -KILL "$CONSUMER_PID" 2>/dev/null || true
  wait "$CONSUMER_PID" 2>/dev/null || true
  CONSUMER_PID=""
  log "round $round: consumer killed ($seen)"
  for _ in $(seq 1 100); do [[ "$(draw_probe | cut -d' ' -f2)" == 0 ]] && break; sleep 0.1; done
  state="$("$PY" "$FH" draw-state --draw "$DRAW_ID")"
  "$PY" -c "import json,sys; print(json.dumps({'round': int(sys.argv[1]), 'want': sys.argv[6], 'after_s': round(float(sys.argv[3]) - float(sys.argv[2]), 2), 'seen': sys.argv[4], 'state': json.loads(sys.argv[5])}))" \
    "$round" "$K0" "$K1" "$seen" "$state" "$want" >>"$RUN_DIR/kills.jsonl"
  log "round $round: $state"
done

log "consumer back for good; waiting for its every-minute schedule to draw (<= 150 s)"
start_consumer final
F0="$(now)"
for _ in $(seq 1 1500); do
  status="$(draw_status)"
  [[ "$status" == drawn || "$status" == no_entries ]] && break
  kill -0 "$CONSUMER_PID" 2>/dev/null || { log "consumer died"; break; }
  sleep 0.1
done
sleep 3 # a second periodic run, if any, would find nothing to do; let notify_winners finish
F1="$(now)"
final="$("$PY" "$FH" draw-state --draw "$DRAW_ID" --with-checksum)"
stop_pid "$CONSUMER_PID"; CONSUMER_PID=""

"$PY" - "$RUN_DIR" "$F0" "$F1" "$final" <<'EOF'
import json, sys
from pathlib import Path
run, f0, f1, final = Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
log = (run / "consumer-final.log").read_text(errors="replace")
trigger = ("the periodic task the consumer enqueues when it starts"
           if "Enqueueing periodic task lottery.tasks.draw_due_draws" in log else "a queued task")
draw = json.loads((run / "draw.json").read_text())
kills = [json.loads(l) for l in (run / "kills.jsonl").read_text().splitlines() if l]
expected = draw["winners_per_draw"] + draw["alternates_per_draw"]
# every kill must have landed mid-draw, and left the draw undrawn: open or closed, no Pick,
# no 'draw' audit entry
landed = [k["seen"].startswith("draw statements running") for k in kills]
not_drawn_after_kills = all(landed) and all(
    k["state"]["status"] in ("open", "closed") and k["state"]["picks_total"] == 0
    and not k["state"]["audit"].get("draw") for k in kills)
audit = final["audit"]
exactly_once = (final["status"] == "drawn" and final["picks_total"] == expected
                and audit.get("draw", 0) == 1 and audit.get("close", 0) == 1)
unchanged = final.get("ballots_md5") == draw["ballots_md5"]
out = {"draw": draw, "kills": kills, "kills_landed_mid_draw": landed, "final": final, "expected_picks": expected,
       "final_wait_s": round(f1 - f0 - 3, 1), "final_trigger": trigger, "not_drawn_after_kills": not_drawn_after_kills,
       "exactly_once": exactly_once, "ballots_unchanged": unchanged,
       "ok": not_drawn_after_kills and exactly_once and unchanged}
(run / "huey.json").write_text(json.dumps(out, indent=2))
EOF

"$PY" - "$RUN_DIR/meta.json" <<EOF
import json, os, platform, sys, time
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
json.dump({
    "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    "machine": f"{os.cpu_count()} cores ({cpu}), {platform.python_implementation()} {platform.python_version()}",
    "setup": "PostgreSQL $PG_VERSION cluster $CLUSTER (port $PG_PORT), database $DB; Redis $REDIS_URL; "
             "gunicorn ${WORKERS}x${THREADS} from the Procfile web line; consumer: Procfile worker line ($WORKER_CMD)",
}, open(sys.argv[1], "w"))
EOF
"$PY" "$FH" report --run-dir "$RUN_DIR"
