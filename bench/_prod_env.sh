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
  export ALLOWED_HOSTS="127.0.0.1,localhost"
  export JWT_ACCESS_LIFETIME_SECONDS=3600
  export CONN_MAX_AGE="${CONN_MAX_AGE:-600}"
  export PATH="$ROOT/.venv/bin:$PATH"
  unset DJANGO_TESTING
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
