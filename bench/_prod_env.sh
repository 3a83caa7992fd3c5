# Sourced by the benchmarks: production settings for a bench run on loopback, and helpers.
# Usage: bench_prod_env NAME DATABASE_URL REDIS_URL
bench_prod_env() {
  local name=$1
  export DATABASE_URL=$2
  export REDIS_URL=$3
  export DJANGO_SECRET_KEY="bench-$name-secret-$(date +%s)-not-for-production-use-0123456789"
  export JWT_SIGNING_KEY="bench-$name-jwt-$(date +%s)-not-for-production-use-0123456789abcd"
  # Plain HTTP on loopback: no HTTPS redirect; a real queue, not immediate tasks.
  export DJANGO_DEBUG=0 SECURE_SSL_REDIRECT=0 HUEY_IMMEDIATE=0
  export ALLOWED_HOSTS="127.0.0.1,localhost" HOST=127.0.0.1
  export JWT_ACCESS_LIFETIME_SECONDS=3600
  export CONN_MAX_AGE="${CONN_MAX_AGE:-600}"
  export PATH="$ROOT/.venv/bin:$PATH"
  unset DJANGO_TESTING
  # The build step: production settings serve hashed static files from the manifest.
  (cd "$ROOT" && python manage.py collectstatic --noinput -v0)
}

# bench_load_db DB RUN_DIR: (re)create DB, flush Redis, migrate, and fill it with the load
# players (PLAYERS [2000], HISTORY [200000] past ballots) and a reader with 100 ballots; their
# tokens, signed with this run's key, in RUN_DIR/tokens.lua and RUN_DIR/reader.lua.
bench_load_db() {
  local db="$1" run_dir="$2" py="$ROOT/.venv/bin/python"
  dropdb --if-exists "$db"
  createdb "$db"
  "$py" -c "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()"
  (cd "$ROOT" && "$py" manage.py migrate --noinput --skip-checks -v 0)
  (cd "$ROOT" && "$py" bench/_load_setup.py setup --players "${PLAYERS:-2000}" \
    --history "${HISTORY:-200000}" --tokens "$run_dir/tokens.lua" \
    --get-tokens "$run_dir/reader.lua" --out "$run_dir/setup.json" >&2)
}

# stop_pid PID [SIGNAL]: stop a process the bench started (TERM, then KILL after 10 s) and reap it.
stop_pid() {
  local pid="$1" sig="${2:-TERM}"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -"$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}

# web_cmd [DIR]: the Procfile web line of DIR (default: this tree), bound to loopback only
# (HOST above; older revisions' lines named 0.0.0.0).
web_cmd() {
  local cmd
  cmd="$(sed -n 's/^web: //p' "${1:-$ROOT}/Procfile" | sed 's/0\.0\.0\.0/127.0.0.1/')"
  [[ -n "$cmd" ]] || { echo "no web line in ${1:-$ROOT}/Procfile" >&2; exit 1; }
  printf '%s\n' "$cmd"
}

# start_web DIR LOG WORKERS THREADS: serve DIR's Procfile web line on 127.0.0.1:$PORT in the
# background, its pid in GUNICORN_PID; return once /healthz answers and every worker is up.
start_web() {
  local dir="$1" log="$2" workers="$3" threads="$4" cmd
  cmd="$(web_cmd "$dir")"
  # Measured beside gunicorn only (bench/api_ab.sh REV:WEB_SERVER=granian), not the product's.
  [[ "${WEB_SERVER:-gunicorn}" == granian ]] && cmd="granian --interface wsgi \
    --workers $workers --blocking-threads $threads --host 127.0.0.1 --port $PORT \
    --no-ws --access-log --log-level warning backoffice.wsgi:application"
  (cd "$dir" && export PORT WEB_CONCURRENCY="$workers" GUNICORN_THREADS="$threads" \
    && exec bash -c "exec $cmd") >"$log" 2>&1 &
  GUNICORN_PID=$!
  for _ in $(seq 1 150); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    kill -0 "$GUNICORN_PID" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  # /healthz answers as soon as one worker is up
  for _ in $(seq 1 100); do
    [[ "$(pgrep -P "$GUNICORN_PID" | wc -l)" -ge "$workers" ]] && break
    sleep 0.1
  done
}
