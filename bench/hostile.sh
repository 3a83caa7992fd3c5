#!/usr/bin/env bash
# Hostile input, harder than CI: schemathesis with many more examples per operation, plus
# the abuse cases, on PostgreSQL (stricter than SQLite about text and time zones).
# Usage: bash bench/hostile.sh [EXAMPLES]   (default 1000; CI runs 25)
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-1000}
mkdir -p bench/results
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
start=$(date +%s)
SCHEMATHESIS_EXAMPLES=$examples .venv/bin/pytest -q -p no:logging \
  tests/test_schemathesis.py tests/test_hostile_input.py | tee /tmp/hostile.out | tail -3
{
  echo "bench/hostile.sh $(date -u +%FT%TZ): schemathesis $examples examples per operation"
  echo "database: ${DATABASE_URL%%@*}@…; took $(( $(date +%s) - start )) s"
  tail -1 /tmp/hostile.out
} > bench/results/hostile.txt
cat bench/results/hostile.txt
