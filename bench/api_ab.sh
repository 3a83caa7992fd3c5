#!/usr/bin/env bash
# Side-by-side A/B of app revisions under the player API's load, on one machine in one run.
#
#   bash bench/api_ab.sh REV [REV ...]      e.g.  bash bench/api_ab.sh 871832d HEAD
#   bash bench/api_ab.sh HEAD HEAD:GUNICORN_THREADS=4 HEAD:WEB_SERVER=granian
#
# A REV may carry settings for its web process after colons (REV:NAME=VALUE[:NAME=VALUE]):
# the same code served another way, side by side. WEB_SERVER=granian serves it with granian's
# WSGI mode instead of the Procfile's gunicorn (measured, not the product's server: granian
# must be installed in .venv by hand).
#
# Each REV (a git revision, or "." for the working tree) is exported to a temporary folder and
# served by its own gunicorn, started from that revision's Procfile web line with the production
# settings of bench/_prod_env.sh, on one bench database (BENCH_DB [lottery_bench_ab], created and
# filled as bench/api_load.sh does, by this tree's migrations and bench/_load_setup.py, so the
# revisions must share the schema). wrk then drives POST and GET /api/v1/lotteries at
# concurrency 32 for DURATION s each, the revisions in turn, for ROUNDS interleaved rounds, so a
# slow spell of the shared machine hits every revision alike. It prints every run and, per
# revision, the median requests/s and p99 and the ratio to the first revision; whether the
# ballots stored equal the 201s; and, for the working tree, GET /api/bench/hello (ninja's
# hello world, BENCH_HELLO=1): the framework's floor.
#
# Environment knobs: ROUNDS [3] DURATION [10] CONCURRENCY [32] WEB_CONCURRENCY [2]
#   GUNICORN_THREADS [1] PLAYERS [2000] HISTORY [200000] BENCH_PORT [8768]
# Results: stdout and bench/results/api_ab.txt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=bench/_prod_env.sh
source "$ROOT/bench/_prod_env.sh"
PY="$ROOT/.venv/bin/python"
[[ $# -ge 1 ]] || { sed -n '2,18p' "$0"; exit 2; }

PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
export PGHOST PGPORT PGUSER
DB="${BENCH_DB:-lottery_bench_ab}"
PORT="${BENCH_PORT:-8768}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
CONC="${CONCURRENCY:-32}"
RUN_DIR="$(mktemp -d /tmp/lottery-api-ab.XXXXXX)"
GUNICORN_PID=""

log() { printf '[api_ab %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
stop_gunicorn() { stop_pid "$GUNICORN_PID"; GUNICORN_PID=""; }
trap 'stop_gunicorn; log "run directory: $RUN_DIR"' EXIT

command -v wrk >/dev/null || { echo "wrk missing: run bench/api_load.sh once (it installs it)" >&2; exit 1; }

bench_prod_env ab "postgres://$PGUSER@$PGHOST:$PGPORT/$DB" "${BENCH_REDIS_URL:-redis://127.0.0.1:6379/13}"
export LOG_LEVEL=WARNING
# The working tree also serves ninja's hello world (/api/bench/hello): the framework's floor,
# measured in the same run (revisions without it are not asked).
export BENCH_HELLO=1

# ---------------------------------------------------------------- the revisions
declare -a NAMES DIRS VARIANTS
for spec in "$@"; do
  rev="${spec%%:*}"
  variant=""
  [[ "$spec" == *:* ]] && variant="${spec#*:}"
  VARIANTS+=("$variant")
  if [[ "$rev" == "." ]]; then
    NAMES+=("working-tree${variant:+ $variant}"); DIRS+=("$ROOT")
  else
    sha="$(git rev-parse --short "$rev^{commit}")"
    dir="$RUN_DIR/src-$sha"
    mkdir -p "$dir"
    [[ -f "$dir/Procfile" ]] && { NAMES+=("$rev${variant:+ $variant}"); DIRS+=("$dir"); continue; }
    git archive "$sha" | tar -x -C "$dir"
    # The build step for that tree too: its web process refuses to start without the manifest.
    (cd "$dir" && "$PY" manage.py collectstatic --noinput -v0)
    name="$rev ($sha)"; [[ "$rev" == "$sha" ]] && name="$sha"
    NAMES+=("$name${variant:+ $variant}"); DIRS+=("$dir")
  fi
done

# ---------------------------------------------------------------- database
log "creating database $DB"
bench_load_db "$DB" "$RUN_DIR"

start_gunicorn() { # dir variant: the variant's NAME=VALUE settings only for this process
  stop_gunicorn
  local kv names=()
  IFS=: read -ra kvs <<<"$2"
  for kv in "${kvs[@]}"; do export "${kv?}"; names+=("${kv%%=*}"); done
  start_web "$1" "$RUN_DIR/gunicorn.log" "${WEB_CONCURRENCY:-2}" "${GUNICORN_THREADS:-1}"
  for kv in "${names[@]}"; do unset "$kv"; done
}

rows() { psql -d "$DB" -Atqc "SELECT count(*) FROM lottery_ballot"; }

wrk_run() { # mode seconds concurrency -> BENCH_JSON line
  local tokens="$RUN_DIR/tokens.lua"
  [[ "$1" == get ]] && tokens="$RUN_DIR/reader.lua"
  wrk -t"$3" -c"$3" -d"$(( $2 + 2 ))"s --timeout 10s -s bench/lua/lotteries.lua \
    "http://127.0.0.1:$PORT/api/v1/lotteries" -- "$1" "$tokens" "$2" | sed -n 's/^BENCH_JSON //p'
}

# ---------------------------------------------------------------- interleaved rounds
for round in $(seq 1 "$ROUNDS"); do
  for i in "${!DIRS[@]}"; do
    log "round $round: ${NAMES[$i]}"
    start_gunicorn "${DIRS[$i]}" "${VARIANTS[$i]}"
    wrk_run post 2 8 >/dev/null  # warm-up: imports, connections, prepared statements
    wrk_run get 2 8 >/dev/null
    modes="post get"
    [[ "${DIRS[$i]}" == "$ROOT" ]] && modes="post get hello"
    for mode in $modes; do
      before="$(rows)"
      result="$(wrk_run "$mode" "$DURATION" "$CONC")"
      printf '{"round": %d, "rev": "%s", "mode": "%s", "rows": %d, "wrk": %s}\n' \
        "$round" "${NAMES[$i]}" "$mode" "$(( $(rows) - before ))" "$result" >>"$RUN_DIR/runs.jsonl"
    done
    stop_gunicorn
  done
done

# ---------------------------------------------------------------- report
"$PY" - "$RUN_DIR/runs.jsonl" "$ROUNDS" "$DURATION" "$CONC" "$@" <<'EOF'
import json, os, statistics, sys, time
from pathlib import Path

path, rounds, duration, conc, *revs = sys.argv[1:]
runs = [json.loads(line) for line in open(path)]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
lines = [
    f"API A/B ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}) — {os.cpu_count()} cores ({cpu})",
    f"bash bench/api_ab.sh {' '.join(revs)}: each revision served in turn by its own gunicorn "
    f"(its Procfile web line), {rounds} interleaved rounds, wrk -c{conc} for {duration} s per "
    "mode, one PostgreSQL bench database.",
    "",
    f"{'round':<6}{'mode':<6}{'revision':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx/errors':>16}{'rows = 201s':>13}",
]
def row(r):
    w = r["wrk"]
    bad = sum(w["errors"].values()) + sum(v for k, v in w["statuses"].items() if not k.startswith("2"))
    return w["requests"] / w["active_s"], w["latency_us"]["p50"] / 1000, w["latency_us"]["p99"] / 1000, bad
for r in runs:
    rps, p50, p99, bad = row(r)
    same = str(r["rows"] == r["wrk"]["statuses"].get("201", 0)) if r["mode"] == "post" else ""
    lines.append(f"{r['round']:<6}{r['mode'].upper():<6}{r['rev']:<28}{rps:>9.1f}{p50:>9.1f}{p99:>9.1f}{bad:>16}{same:>13}")
lines += ["", "Medians of the rounds (ratio: to the first revision):"]
order = list(dict.fromkeys(r["rev"] for r in runs))
for mode in ("post", "get", "hello"):
    base = None
    for rev in order:
        rs = [row(r) for r in runs if r["rev"] == rev and r["mode"] == mode]
        if not rs:
            continue
        rps = statistics.median(x[0] for x in rs)
        p99 = statistics.median(x[2] for x in rs)
        base = base or rps
        lines.append(f"  {mode.upper():<5}{rev:<28}{rps:>9.1f} req/s  p99 {p99:6.1f} ms  x{rps / base:.2f}  "
                     f"non-2xx/errors {sum(x[3] for x in rs)}")
text = "\n".join(lines)
print(text)
out = Path("bench/results")
out.mkdir(parents=True, exist_ok=True)
(out / "api_ab.txt").write_text(text + "\n")
EOF
