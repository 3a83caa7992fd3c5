#!/usr/bin/env bash
# Scale-out, rehearsed: HAProxy (Debian) in front of 3 web processes (the Procfile's web line,
# each on its own port), 2 Huey consumers (the Procfile's worker line, both with the
# scheduler) on Redis, PostgreSQL; the app's processes under one faked clock (libfaketime)
# started LEAD s before a midnight of the game's time zone. Players post ballots for that
# day through the balancer, through the close; one web process and one consumer get kill -9
# in the middle. Passes when every 201 is stored and nothing else, nothing after the close,
# one close and one draw audit entry, `python -m lottery.verify` through the balancer says
# VALID and the only failed requests were in flight on the killed process.
#
#   bash bench/cluster.sh            # ~3-4 min; results in bench/results/cluster.{txt,json}
#
# Knobs: PLAYERS [200] CLIENTS [16] LEAD [90] AFTER [20] KILL_WEB_BEFORE [40]
#        KILL_CONSUMER_BEFORE [20] WEB_WORKERS [1]
#        BENCH_DATABASE_URL [postgres://postgres@127.0.0.1:5432/h_cluster_bench]
#        BENCH_REDIS_URL [redis://127.0.0.1:6379/6]
# Details (the clock, what is checked): bench/_cluster.py.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if ! command -v haproxy >/dev/null || [[ ! -e /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ]]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy libfaketime >/dev/null
fi
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/h_cluster_bench}"
export REDIS_URL="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/6}"
unset DJANGO_TESTING
exec "$ROOT/.venv/bin/python" bench/_cluster.py run --players "${PLAYERS:-200}" \
  --clients "${CLIENTS:-16}" --lead "${LEAD:-90}" --after "${AFTER:-20}" \
  --kill-web-before "${KILL_WEB_BEFORE:-40}" --kill-consumer-before "${KILL_CONSUMER_BEFORE:-20}" \
  --web-workers "${WEB_WORKERS:-1}" --out "$ROOT/bench/results/cluster"
