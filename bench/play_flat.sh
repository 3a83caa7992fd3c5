#!/usr/bin/env bash
# Does playing a ballot cost the same however full today's draw is? POST /api/v1/lotteries at
# concurrency 32 with 0, 100k and 1M ballots (FILLS) already in today's draw.
#
#   BENCH_DB=h_perf_bench BENCH_PORT=9510 bash bench/play_flat.sh
#
# Setup as bench/api_load.sh (history, players, tokens, then one VACUUM ANALYZE); the
# fills are bulk INSERT ... generate_series of other players' ballots into today's draw with
# NO ANALYZE in between (autovacuum is off here), so the planner's statistics are those of
# a table whose today's draw had 100 ballots: a fresh day of a large table in production.
# Pass: the rates within 15% of each other (ratio max/min <= 1.15 printed).
#
# Environment knobs: FILLS ["0 100000 1000000"] DURATION [10] CONCURRENCY [32]
#   WEB_CONCURRENCY [2] PLAYERS [2000] HISTORY [200000] BENCH_PORT [8769]
# Results: stdout and bench/results/play_flat.txt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=bench/_prod_env.sh
source "$ROOT/bench/_prod_env.sh"
PY="$ROOT/.venv/bin/python"
LUA="$ROOT/bench/lua/lotteries.lua"
HELPER="$ROOT/bench/_load_setup.py"
PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
export PGHOST PGPORT PGUSER
DB="${BENCH_DB:-lottery_bench_flat}"
PORT="${BENCH_PORT:-8769}"
FILLS="${FILLS:-0 100000 1000000}"
DURATION="${DURATION:-10}"
CONC="${CONCURRENCY:-32}"
WORKERS="${WEB_CONCURRENCY:-2}"
RUN_DIR="$(mktemp -d /tmp/lottery-play-flat.XXXXXX)"
GUNICORN_PID=""
log() { printf '[play_flat %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
stop_gunicorn() { stop_pid "$GUNICORN_PID"; GUNICORN_PID=""; }
trap 'stop_gunicorn; log "run directory: $RUN_DIR"' EXIT

command -v wrk >/dev/null || { echo "no wrk: apt-get install wrk" >&2; exit 1; }
bench_prod_env flat "postgres://$PGUSER@$PGHOST:$PGPORT/$DB" \
  "${BENCH_REDIS_URL:-redis://127.0.0.1:6379/14}"
export LOG_LEVEL="${LOG_LEVEL:-WARNING}"

log "creating database $DB"
dropdb --if-exists "$DB"
createdb "$DB"
"$PY" manage.py migrate --noinput --skip-checks -v 0
"$PY" "$HELPER" setup --players "${PLAYERS:-2000}" --history "${HISTORY:-200000}" \
  --tokens "$RUN_DIR/tokens.lua" --get-tokens "$RUN_DIR/reader.lua" --out "$RUN_DIR/setup.json" >&2
q() { psql -d "$DB" -Atqc "$1"; }
# Today's draw: the one the reader's ballots (played by the setup, for today) are in.
DRAW="$(q "SELECT b.draw_id FROM lottery_ballot b JOIN accounts_user u ON u.id = b.player_id
           WHERE u.email = 'reader@bench.invalid' LIMIT 1")"
# Filler players, none of whom plays during the measure.
"$PY" - <<'EOF' >/dev/null
import sys
sys.path.insert(0, "bench")
from _load_setup import django_setup
django_setup()
from accounts.models import User
User.objects.bulk_create(
    [User(email=f"fill{i}@bench.invalid", first_name="Fill", password="!") for i in range(1000)]
)
EOF

start_web "$ROOT" "$RUN_DIR/gunicorn.log" "$WORKERS" 1
filled=0
: >"$RUN_DIR/phases.jsonl"
for target in $FILLS; do
  add=$(( target - filled ))
  if (( add > 0 )); then
    log "filling today's draw with $add ballots (no ANALYZE)"
    q "INSERT INTO lottery_ballot (uuid, player_id, draw_id, numbers, created_at)
       SELECT gen_random_uuid(), p.ids[1 + (g.i % array_length(p.ids, 1))], $DRAW,
              concat_ws('-', 1 + g.i % 10, 11 + g.i % 10, 21 + g.i % 10, 31 + g.i % 10, 41 + g.i % 10),
              now() - interval '1 hour'
       FROM generate_series(1, $add) AS g(i)
       CROSS JOIN (SELECT array_agg(id) AS ids FROM accounts_user
                   WHERE email LIKE 'fill%@bench.invalid') AS p" >/dev/null
    q "CHECKPOINT" >/dev/null
    filled=$target
  fi
  in_draw="$(q "SELECT count(*) FROM lottery_ballot WHERE draw_id = $DRAW")"
  wrk -t2 -c8 -d4s --timeout 10s -s "$LUA" "http://127.0.0.1:$PORT/api/v1/lotteries" -- post \
    "$RUN_DIR/tokens.lua" 1 >/dev/null 2>&1  # warm-up, with 3 s for its last answers
  before="$(q "SELECT count(*) FROM lottery_ballot")"
  wrk -t"$CONC" -c"$CONC" -d"$(( DURATION + 2 ))"s --timeout 10s -s "$LUA" \
    "http://127.0.0.1:$PORT/api/v1/lotteries" -- post "$RUN_DIR/tokens.lua" "$DURATION.5" \
    >"$RUN_DIR/wrk-$target.txt" 2>&1
  after="$(q "SELECT count(*) FROM lottery_ballot")"
  # What the tree's play path checks the limit with: the tally row (an upsert whose arbiter
  # is the unique index: no plan to choose), or, on older trees, a count over the ballots.
  if [[ "$(q "SELECT to_regclass('lottery_ballottally') IS NOT NULL")" == t ]]; then
    plan="$(q "EXPLAIN INSERT INTO lottery_ballottally (player_id, draw_id, ballots)
               VALUES ((SELECT id FROM bench_player WHERE n = 1), $DRAW, 1)
               ON CONFLICT (player_id, draw_id) DO UPDATE SET ballots = lottery_ballottally.ballots + 1" \
            | grep -oE 'Conflict Arbiter Indexes: [a-z0-9_]+' | head -1)"
  else
    plan="$(q "EXPLAIN SELECT count(*) FROM lottery_ballot WHERE player_id = (SELECT id FROM bench_player WHERE n = 1)
               AND draw_id = $DRAW" | grep -oE '(Index[A-Za-z ]* using|Bitmap Index Scan on|Seq Scan on) [a-z0-9_]+' | grep -v bench_player | head -1)"
  fi
  "$PY" - "$RUN_DIR/wrk-$target.txt" "$target" "$in_draw" "$before" "$after" "$plan" >>"$RUN_DIR/phases.jsonl" <<'EOF'
import json, sys
out, target, in_draw, before, after, plan = sys.argv[1:]
line = next(l for l in open(out) if l.startswith("BENCH_JSON "))
print(json.dumps({"fill": int(target), "in_draw": int(in_draw), "rows": int(after) - int(before),
                  "plan": plan, "wrk": json.loads(line[len("BENCH_JSON "):])}))
EOF
  tail -1 "$RUN_DIR/phases.jsonl" >&2
done
stop_gunicorn

"$PY" - "$RUN_DIR/phases.jsonl" "$CONC" "$DURATION" "$WORKERS" <<'EOF' | tee "$ROOT/bench/results/play_flat.txt"
import json, sys, time
sys.path.insert(0, "bench")
from _load_setup import phase_row
path, conc, dur, workers = sys.argv[1:]
rows = []
print(f"play_flat {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: POST /api/v1/lotteries, "
      f"c{conc}, {dur} s each, gunicorn {workers} sync workers, PostgreSQL, no ANALYZE after the fills")
print(f"{'ballots in draw':>16} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'201s':>6} {'rows':>6}  limit-check plan")
for line in open(path):
    rec = json.loads(line)
    r = phase_row({"label": "flat", "method": "POST", "concurrency": int(conc), "config": "",
                   "wrk": rec["wrk"], "cpu_before": {}, "cpu_after": {}, "wrk_cpu": 0})
    rows.append(r["rps"])
    print(f"{rec['in_draw']:>16} {r['rps']:8.1f} {r['p50_ms']:7.1f} {r['p99_ms']:7.1f} {r['errors']:>6} "
          f"{rec['wrk'].get('statuses', {}).get('201', '?'):>6} {rec['rows']:>6}  {rec['plan']}")
ratio = max(rows) / min(rows)
print(f"max/min rate: {ratio:.3f} ({'PASS' if ratio <= 1.15 else 'FAIL'}: target <= 1.15)")
EOF
