#!/usr/bin/env bash
# Load benchmark of the player API on PostgreSQL with the production settings.
#
#   bash bench/api_load.sh            (or: make bench-load)
#
# Installs wrk (Debian package) if missing; creates and migrates its own database
# (lottery_bench_load, dropped first) and uses Redis db 14; serves the app with gunicorn exactly
# as the Procfile's web line does (bound to 127.0.0.1), DJANGO_DEBUG=0, plain HTTP on loopback;
# then drives POST /api/v1/lotteries (many players' tokens, random distinct numbers) and
# GET /api/v1/lotteries (page 1 of a player with 100 ballots) at concurrency 8 and 32 for
# DURATION seconds each, and reports requests/s, p50, p99 and errors. In the same run pgbench
# measures PostgreSQL's raw rate of single-row INSERTs of an equivalent ballot row, and the
# API's POST rate is given as a fraction of it. Afterwards the ballot rows written by the POST
# phases are compared with the 201 responses wrk counted (wrk's script stops sending at the end
# of the window and waits for the requests in flight, so the two must be equal).
#
# Environment knobs (defaults in brackets):
#   WEB_CONCURRENCY [2] GUNICORN_THREADS [1]   gunicorn workers and threads (Procfile's vars)
#   SWEEP [0]        1: first try the configs of SWEEP_CONFIGS at concurrency 32 for
#                    SWEEP_DURATION s each and run the measurement with the best one
#   SWEEP_CONFIGS ["2x1 3x1 4x1 2x2 3x2 2x4 4x2"]  WORKERSxTHREADS
#   DURATION [20]    seconds per measured phase    CONCURRENCY ["8 32"]
#   ROUNDS [3]       measured rounds (each: POST and GET at every concurrency); the figures
#                    are the medians of the rounds, every round is listed
#   PLAYERS [2000]   players (tokens) for POST
#   HISTORY [200000] ballots of the players in the 10 past days (a live-looking table)
#   PGBENCH_SECONDS [10]   BENCH_DB [lottery_bench_load]   BENCH_PORT [8765]
#   QUIET_WAIT [60]  before each phase, wait up to this many seconds for the machine to be idle
#                    (other work on it skews the figures; the report shows the cores it used)
#   TICKETS [1]      1: each round also plays TICKET_LINES-line tickets (POST /api/v1/tickets)
#                    at concurrency 32 (ballots/s, p99, rows = ballots answered), beside the
#                    single-ballot POSTs of the same round            TICKET_LINES [10]
#   PROFILE [0]      1: also take POST and GET apart in one process (Django test client,
#                    py-spy installed if missing): CPU per request and its share per part
# Results: stdout, bench/results/api_load.txt and bench/results/api_load.json.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=bench/_prod_env.sh
source "$ROOT/bench/_prod_env.sh"
PY="$ROOT/.venv/bin/python"
LUA="$ROOT/bench/lua/lotteries.lua"
HELPER="$ROOT/bench/_load_setup.py"

PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
export PGHOST PGPORT PGUSER
DB="${BENCH_DB:-lottery_bench_load}"
PORT="${BENCH_PORT:-8765}"
DURATION="${DURATION:-20}"
ROUNDS="${ROUNDS:-3}"
# wrk runs GRACE s longer than the window its script sends measured requests in, so the last
# ones are answered before it stops (after the window it only probes /healthz, uncounted).
GRACE="${GRACE:-2}"
WINDOW_EXTRA=0.5
CONCURRENCY="${CONCURRENCY:-8 32}"
PLAYERS="${PLAYERS:-2000}"
HISTORY="${HISTORY:-200000}"
PGBENCH_SECONDS="${PGBENCH_SECONDS:-10}"
SWEEP="${SWEEP:-0}"
SWEEP_CONFIGS="${SWEEP_CONFIGS:-2x1 3x1 4x1 2x2 3x2 2x4 4x2}"
SWEEP_DURATION="${SWEEP_DURATION:-10}"
PROFILE="${PROFILE:-0}"
TICKETS="${TICKETS:-1}"
TICKET_LINES="${TICKET_LINES:-10}"
QUIET_WAIT="${QUIET_WAIT:-60}"
WORKERS="${WEB_CONCURRENCY:-2}"  # sync workers (threads 1) won the sweep on 2 cores: see the report
THREADS="${GUNICORN_THREADS:-1}"

RUN_DIR="$(mktemp -d /tmp/lottery-api-load.XXXXXX)"
GUNICORN_PID=""

log() { printf '[api_load %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

stop_gunicorn() { stop_pid "$GUNICORN_PID"; GUNICORN_PID=""; }
trap 'stop_gunicorn; log "run directory: $RUN_DIR"' EXIT

# ---------------------------------------------------------------- tools
if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk (Debian package)"
  SUDO=""; [[ "$(id -u)" -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi
for tool in wrk pgbench psql createdb dropdb curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
[[ -x "$ROOT/.venv/bin/gunicorn" ]] || { echo "no gunicorn in .venv (make install)" >&2; exit 1; }

# ---------------------------------------------------------------- production settings
bench_prod_env load "postgres://$PGUSER@$PGHOST:$PGPORT/$DB" \
  "${BENCH_REDIS_URL:-redis://127.0.0.1:6379/14}"
export LOG_LEVEL="${LOG_LEVEL:-WARNING}"

# The Procfile's web command, bound to loopback only.
WEB_CMD="$(web_cmd)"

# ---------------------------------------------------------------- database
log "creating database $DB"
dropdb --if-exists "$DB"
createdb "$DB"
"$PY" -c "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()"
# --skip-checks: checks are not what is measured (an admin check once queried auth_permission
# before migrate had created it, which broke migrate on a fresh database)
"$PY" manage.py migrate --noinput --skip-checks -v 0
"$PY" "$HELPER" setup --players "$PLAYERS" --history "$HISTORY" --tokens "$RUN_DIR/tokens.lua" \
  --get-tokens "$RUN_DIR/reader.lua" --out "$RUN_DIR/setup.json" >&2
RAW_DRAW_ID="$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['raw_draw_id'])" "$RUN_DIR/setup.json")"

rows() { psql -d "$DB" -Atqc "SELECT count(*) FROM lottery_ballot"; }

start_gunicorn() { # workers threads
  stop_gunicorn
  start_web "$ROOT" "$RUN_DIR/gunicorn-$1x$2.log" "$1" "$2"
}

# run_phase FILE LABEL METHOD CONCURRENCY SECONDS CONFIG
run_phase() {
  local file="$1" label="$2" method="$3" conc="$4" secs="$5" config="$6"
  local mode tokens threads before="" after="" cpu_before cpu_after out quiet
  threads="$conc"  # one connection per wrk thread: the script times each request itself
  case "$method" in
    POST) mode=post; tokens="$RUN_DIR/tokens.lua" ;;
    TICKET) mode=ticket; tokens="$RUN_DIR/tokens.lua" ;;
    *) mode=get; tokens="$RUN_DIR/reader.lua" ;;
  esac
  out="$RUN_DIR/wrk-$label-$method-c$conc.txt"
  quiet=""
  [[ "$label" != warmup ]] && quiet="$("$PY" "$HELPER" quiet --max-wait "$QUIET_WAIT")"
  [[ "$method" != GET ]] && before="$(rows)"
  cpu_before="$("$PY" "$HELPER" cpu --gunicorn-pid "$GUNICORN_PID" --db "$DB")"
  local TIMEFORMAT="%U %S"
  { time wrk -t"$threads" -c"$conc" -d"$(( secs + GRACE ))"s --timeout 10s -s "$LUA" \
      "http://127.0.0.1:$PORT/api/v1/lotteries" -- "$mode" "$tokens" "$(awk -v s="$secs" -v e="$WINDOW_EXTRA" 'BEGIN {print s + e}')" "$TICKET_LINES" >"$out" 2>&1 ; } \
    2>"$out.cpu"
  cpu_after="$("$PY" "$HELPER" cpu --gunicorn-pid "$GUNICORN_PID" --db "$DB")"
  [[ "$method" != GET ]] && after="$(rows)"
  "$PY" - "$out" "$label" "$method" "$conc" "$config" "$before" "$after" "$cpu_before" "$cpu_after" "$quiet" "$TICKET_LINES" >>"$file" <<'EOF'
import json, sys
out, label, method, conc, config, before, after, cb, ca, quiet, lines = sys.argv[1:]
line = next(l for l in open(out) if l.startswith("BENCH_JSON "))
rec = {"label": label, "method": method, "concurrency": int(conc), "config": config,
       "wrk": json.loads(line[len("BENCH_JSON "):]), "cpu_before": json.loads(cb),
       "cpu_after": json.loads(ca), "wrk_cpu": sum(map(float, open(out + ".cpu").read().split())),
       "quiet_before": json.loads(quiet) if quiet else None,
       "lines": int(lines) if method == "TICKET" else 1}
if before:
    rec["rows_before"], rec["rows_after"] = int(before), int(after)
print(json.dumps(rec))
EOF
  "$PY" - "$file" <<'EOF' >&2
import json, sys
sys.path.insert(0, "bench")
from _load_setup import phase_row
r = phase_row(json.loads(open(sys.argv[1]).read().splitlines()[-1]))
extra = f" rows {r['rows_created']} (=ballots answered: {r['rows_equal_201']})" if "rows_created" in r else ""
extra += f" ballots/s {r['ballots_per_s']}" if "ballots_per_s" in r else ""
print(f"    {r['label']:<7} {r['method']:<4} c{r['concurrency']:<3} {r['config']:>4}: {r['rps']:8.1f} req/s  "
      f"p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  errors {r['errors']}  "
      f"statuses {r['statuses']}{extra}  cores {r.get('cores')}")
EOF
}

warmup() {
  run_phase "$RUN_DIR/warmup.jsonl" warmup POST 8 2 "$1" >/dev/null
  run_phase "$RUN_DIR/warmup.jsonl" warmup GET 8 2 "$1" >/dev/null
}

# ---------------------------------------------------------------- gunicorn settings sweep
SWEEP_CHOICE=""
if [[ "$SWEEP" == 1 ]]; then
  log "sweep of gunicorn settings at concurrency 32: $SWEEP_CONFIGS"
  for cfg in $SWEEP_CONFIGS; do
    w="${cfg%x*}"; t="${cfg#*x}"
    start_gunicorn "$w" "$t"
    warmup "$cfg"
    run_phase "$RUN_DIR/sweep.jsonl" sweep POST 32 "$SWEEP_DURATION" "$cfg"
    run_phase "$RUN_DIR/sweep.jsonl" sweep GET 32 "$SWEEP_DURATION" "$cfg"
  done
  SWEEP_CHOICE="$("$PY" "$HELPER" choose --run-dir "$RUN_DIR")"
  WORKERS="${SWEEP_CHOICE%x*}"; THREADS="${SWEEP_CHOICE#*x}"
  log "best: $SWEEP_CHOICE"
fi
CONFIG="${WORKERS}x${THREADS}"

# ---------------------------------------------------------------- measured phases
log "measuring with gunicorn $WORKERS workers x $THREADS threads, $ROUNDS rounds"
start_gunicorn "$WORKERS" "$THREADS"
warmup "$CONFIG"
# Rounds interleave the phases, so a slow spell of the (shared) machine hits every phase
# alike; the report takes the median of the rounds.
for round in $(seq 1 "$ROUNDS"); do
  for conc in $CONCURRENCY; do
    run_phase "$RUN_DIR/phases.jsonl" "round$round" POST "$conc" "$DURATION" "$CONFIG"
    run_phase "$RUN_DIR/phases.jsonl" "round$round" GET "$conc" "$DURATION" "$CONFIG"
  done
  [[ "$TICKETS" == 1 ]] && run_phase "$RUN_DIR/phases.jsonl" "round$round" TICKET 32 "$DURATION" "$CONFIG"
done
stop_gunicorn

# ---------------------------------------------------------------- where the time goes
if [[ "$PROFILE" == 1 ]]; then
  "$ROOT/.venv/bin/py-spy" --version >/dev/null 2>&1 || "$ROOT/.venv/bin/pip" install -q py-spy
  for mode in post get; do
    log "profiling $mode in one process (py-spy)"
    timeout 300 "$ROOT/.venv/bin/py-spy" record -r 250 -f raw -o "$RUN_DIR/inproc-$mode.raw" -- \
      "$PY" "$HELPER" inproc --mode "$mode" --n 1500 >"$RUN_DIR/inproc-$mode.json" 2>"$RUN_DIR/inproc-$mode.log"
    "$PY" "$HELPER" profile-summary --mode "$mode" --raw "$RUN_DIR/inproc-$mode.raw" \
      --inproc "$RUN_DIR/inproc-$mode.json" --out "$RUN_DIR/profile-$mode.json" >/dev/null
  done
fi

# ---------------------------------------------------------------- raw insert rate (pgbench)
cat >"$RUN_DIR/insert.sql" <<'EOF'
\set n random(1, :players)
\set a random(1, 10)
\set b random(11, 20)
\set c random(21, 30)
\set d random(31, 40)
\set e random(41, 50)
INSERT INTO lottery_ballot (uuid, player_id, draw_id, numbers, created_at)
VALUES (gen_random_uuid(), (SELECT id FROM bench_player WHERE n = :n), :draw,
        concat_ws('-', :a, :b, :c, :d, :e), now());
EOF
for conc in $CONCURRENCY; do
  log "pgbench -c $conc"
  pgbench -n -f "$RUN_DIR/insert.sql" -D players="$PLAYERS" -D draw="$RAW_DRAW_ID" \
    -c "$conc" -j 2 -T "$PGBENCH_SECONDS" "$DB" >"$RUN_DIR/pgbench-c$conc.txt" 2>&1
  "$PY" - "$RUN_DIR/pgbench-c$conc.txt" "$conc" "$PGBENCH_SECONDS" >>"$RUN_DIR/pgbench.jsonl" <<'EOF'
import json, re, sys
text = open(sys.argv[1]).read()
tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", text).group(1))
lat = re.search(r"latency average = ([\d.]+) ms", text)
failed = re.search(r"number of failed transactions: (\d+)", text)
print(json.dumps({"clients": int(sys.argv[2]), "threads": 2, "seconds": int(sys.argv[3]),
                  "tps": tps, "latency_ms": float(lat.group(1)) if lat else None,
                  "failed": int(failed.group(1)) if failed else 0}))
EOF
done

# ---------------------------------------------------------------- report
"$PY" - "$RUN_DIR/meta.json" <<EOF
import json, os, platform, sys, time
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
json.dump({
    "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    "machine": f"{os.cpu_count()} cores ({cpu}), {platform.python_implementation()} {platform.python_version()}",
    "config": "$CONFIG", "workers": $WORKERS, "threads": $THREADS,
    "config_desc": "$WORKERS workers x $THREADS threads (" + ("sync" if $THREADS == 1 else "gthread") + " worker class), Procfile web line, CONN_MAX_AGE=$CONN_MAX_AGE",
    "sweep_choice": "$SWEEP_CHOICE", "sweep_duration": $SWEEP_DURATION,
    "database": "$DB", "duration": $DURATION, "rounds": $ROUNDS, "grace": $GRACE,
    "players": $PLAYERS, "reader_ballots": 100, "web_command": """$WEB_CMD""",
}, open(sys.argv[1], "w"))
EOF
"$PY" "$HELPER" report --run-dir "$RUN_DIR"
