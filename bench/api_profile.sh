#!/usr/bin/env bash
# Where a gunicorn worker's CPU goes under load: py-spy samples one of the 2 sync workers
# while wrk drives POST, GET /api/v1/lotteries and GET /api/bench/hello (the floor) at c32.
#
#   bash bench/api_profile.sh            (py-spy: pip install py-spy into .venv, or PY_SPY=path)
#
# Creates and fills its bench database (BENCH_DB [lottery_bench_profile]) as bench/api_ab.sh
# does, with tokens signed by this run's key. Prints, per mode, the share of samples under
# each layer (middleware, ninja, auth, the service, database driver) and the statuses served.
# Results: stdout and bench/results/api_profile.txt.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=bench/_prod_env.sh
source "$ROOT/bench/_prod_env.sh"
PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
export PGHOST PGPORT PGUSER
DB="${BENCH_DB:-lottery_bench_profile}"
PORT="${BENCH_PORT:-8770}"
PY_SPY="${PY_SPY:-$ROOT/.venv/bin/py-spy}"
PY="$ROOT/.venv/bin/python"
SECONDS_="${DURATION:-10}"
RUN_DIR="$(mktemp -d /tmp/lottery-api-profile.XXXXXX)"
GUNICORN_PID=""
trap 'stop_pid "$GUNICORN_PID"' EXIT
bench_prod_env profile "postgres://$PGUSER@$PGHOST:$PGPORT/$DB" "${BENCH_REDIS_URL:-redis://127.0.0.1:6379/13}"
export LOG_LEVEL=WARNING BENCH_HELLO=1
bench_load_db "$DB" "$RUN_DIR"
TOKENS="$RUN_DIR/tokens.lua" READER="$RUN_DIR/reader.lua"
start_web "$ROOT" "$RUN_DIR/gunicorn.log" 2 1
worker="$(pgrep -P "$GUNICORN_PID" | head -1)"
: >"$ROOT/bench/results/api_profile.txt"
for mode in post get hello; do
  tokens="$TOKENS"; [[ "$mode" != post ]] && tokens="$READER"
  wrk -t32 -c32 -d"$(( SECONDS_ + 3 ))"s --timeout 10s -s bench/lua/lotteries.lua \
    "http://127.0.0.1:$PORT/api/v1/lotteries" -- "$mode" "$tokens" "$(( SECONDS_ + 1 ))" >"$RUN_DIR/$mode.wrk" &
  wrk_pid=$!
  sleep 1
  "$PY_SPY" record -p "$worker" -d "$SECONDS_" -r 200 -f raw -o "$RUN_DIR/$mode.raw" >/dev/null 2>&1
  wait "$wrk_pid"
  python3 - "$RUN_DIR/$mode.raw" "$mode" "$RUN_DIR/$mode.wrk" <<'EOF' | tee -a "$ROOT/bench/results/api_profile.txt"
import collections, json, sys
path, mode, wrk_out = sys.argv[1:]
run = next(json.loads(l.split(" ", 1)[1]) for l in open(wrk_out) if l.startswith("BENCH_JSON "))
layers = [  # first match, from the leaf up, names the layer a sample is charged to
    ("database driver (psycopg)", ("psycopg",)),
    ("JWT / bearer auth", ("accounts/auth.py", "jwt/")),
    ("play service / selectors", ("lottery/services/", "lottery/selectors/", "lottery/published.py")),
    ("ORM (compile, model init)", ("django/db/models",)),
    ("pydantic (validate, dump)", ("pydantic",)),
    ("ninja (routing, params, response)", ("ninja/",)),
    ("middleware", ("middleware", "whitenoise", "corsheaders", "backoffice/csp.py")),
    ("Django handler, request, response", ("django/core/handlers", "django/http", "django/urls")),
    ("gunicorn (socket, parse, write)", ("gunicorn",)),
]
total, idle, counts = 0, 0, collections.Counter()
for line in open(path):
    stack, _, n = line.rstrip().rpartition(" ")
    n = int(n)
    frames = stack.split(";")
    if any("select" in f and "gunicorn" in f for f in frames[-2:]) or "wait" in frames[-1]:
        idle += n
        continue
    total += n
    for name, marks in layers:
        if any(any(m in f for m in marks) for f in reversed(frames)):
            counts[name] += n
            break
    else:
        counts["other"] += n
print(f"{mode.upper()}: {run['requests'] / run['active_s']:.0f} req/s, statuses {run['statuses']}; "
      f"{total} busy samples of one worker (idle {idle}); share by layer:")
for name, n in counts.most_common():
    print(f"  {name:<38} {100 * n / max(total, 1):5.1f}%")
EOF
done
