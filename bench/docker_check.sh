#!/usr/bin/env bash
# Build the Dockerfile and check the image the way an operator would use it.
#
#   bash bench/docker_check.sh          (run as root; about a minute once the base exists)
#
# Uses docker when a daemon answers, else podman (installed from Debian's packages if
# missing). The build context is the committed tree (git archive HEAD). When the base image
# python:3.11-slim cannot be pulled (no registry but Debian's and PyPI reachable, as on the
# machines this project is built on), a stand-in is made with debootstrap: Debian bookworm's
# Python 3.11 with pip, `python`/`pip` on PATH, the host's CA certificates (for an
# intercepting proxy); the report says so. Then, in a container of the image: /healthz, the
# image's own HEALTHCHECK command, the user (uid 10001, not root), /readyz 503 before
# `migrate` and 200 after, the API, a hashed static file served compressed, `check --deploy`,
# the worker starting, what the image holds (no tests, benchmarks or baked data) and its size.
# Exits non-zero at the first failed check. Report: stdout and bench/results/docker_check.txt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d /tmp/lottery-docker-check.XXXXXX)"
IMAGE=lottery:check
NAME=lottery-check-$$
PORT_HOST="${DOCKER_CHECK_PORT:-18000}"
REPORT="$WORK/report.txt"
BASE=docker.io/library/python:3.11-slim

say() { printf '%s\n' "$*" | tee -a "$REPORT"; }
fail() { say "FAILED: $*"; exit 1; }
CT=""
trap '[[ -n "$CT" ]] && $CT rm -f "$NAME" >/dev/null 2>&1; true' EXIT

if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  CT=docker
else
  if ! command -v podman >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap >/dev/null
  fi
  CT=podman
  # This VM: crun refuses its hybrid cgroup layout, and podman's default rlimits exceed
  # what it allows; a private containers.conf avoids touching /etc.
  printf '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]\n[engine]\nruntime = "runc"\n' \
    >"$WORK/containers.conf"
  export CONTAINERS_CONF="$WORK/containers.conf"
fi
say "docker_check ($(date -u '+%Y-%m-%d %H:%M UTC')): $CT $($CT --version | head -1)"

# ---------------------------------------------------------------- base image
BASE_NOTE="pulled"
if ! $CT image inspect "$BASE" >/dev/null 2>&1 && ! $CT pull -q "$BASE" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  mirror="$(grep -rhoE 'https?://[^ ]+/debian/?' /etc/apt/sources.list /etc/apt/sources.list.d 2>/dev/null | head -1)"
  debootstrap --variant=minbase --include=python3,python3-pip,python3-venv,ca-certificates \
    bookworm "$WORK/rootfs" "${mirror:-http://deb.debian.org/debian}" >"$WORK/debootstrap.log" 2>&1
  cp /usr/local/share/ca-certificates/*.crt "$WORK/rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
  chroot "$WORK/rootfs" update-ca-certificates >/dev/null
  ln -sf /usr/bin/python3 "$WORK/rootfs/usr/local/bin/python"
  ln -sf /usr/bin/pip3 "$WORK/rootfs/usr/local/bin/pip"
  rm -f "$WORK/rootfs/usr/lib/python3.11/EXTERNALLY-MANAGED"
  tar -C "$WORK/rootfs" -c . | $CT import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'ENV LANG=C.UTF-8' - "$BASE" >/dev/null
  rm -rf "$WORK/rootfs"
fi
# The official image sets PYTHON_VERSION; the stand-in does not.
if ! $CT image inspect "$BASE" --format '{{json .Config.Env}}' | grep -q PYTHON_VERSION; then
  BASE_NOTE="a stand-in (Debian bookworm's Python 3.11 made with debootstrap: no registry)"
fi
say "base image $BASE: $BASE_NOTE"

# ---------------------------------------------------------------- build
mkdir -p "$WORK/ctx"
git -C "$ROOT" archive HEAD | tar -x -C "$WORK/ctx"
start=$(date +%s)
FORMAT=()
[[ "$CT" == podman ]] && FORMAT=(--format docker)  # the OCI format drops HEALTHCHECK
$CT build "${FORMAT[@]}" -t "$IMAGE" "$WORK/ctx" >"$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log"; fail "build"; }
say "build: ok in $(( $(date +%s) - start )) s (log: $WORK/build.log)"

extra="$($CT run --rm "$IMAGE" sh -c 'ls -d /app/tests /app/bench /app/.git /app/.venv /app/.env /app/data/* 2>/dev/null' 2>/dev/null || true)"
[[ -z "$extra" ]] || fail "the image holds $extra"
say "image content: no tests, benchmarks, .git, .venv, .env or data baked in"

# ---------------------------------------------------------------- run
SECRET="$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
# (podman without systemd cannot schedule the HEALTHCHECK itself: its complaint is dropped)
$CT run -d --name "$NAME" -p "$PORT_HOST:8000" -e DJANGO_SECRET_KEY="$SECRET" \
  -e ALLOWED_HOSTS=127.0.0.1,localhost -e SECURE_SSL_REDIRECT=0 "$IMAGE" >/dev/null 2>"$WORK/run.log"
U="http://127.0.0.1:$PORT_HOST"
for _ in $(seq 1 100); do curl -fs "$U/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }

[[ "$(code "$U/healthz")" == 200 ]] || fail "/healthz"
say "/healthz: 200"
# docker keeps the HEALTHCHECK under Config, podman at the top of the image's inspect output
HC="$($CT image inspect "$IMAGE" | python3 -c 'import json, sys
image = json.load(sys.stdin)[0]
check = image.get("Healthcheck") or image["Config"].get("Healthcheck") or {}
print(check.get("Test", ["", ""])[1])')"
[[ "$HC" == *healthz* ]] || fail "no HEALTHCHECK in the image"
hc_cmd="$HC"
$CT exec "$NAME" sh -c "$hc_cmd" || fail "HEALTHCHECK command"
say "HEALTHCHECK command: exit 0"
uid="$($CT exec "$NAME" id -u)"
[[ "$uid" == 10001 ]] || fail "runs as uid $uid"
say "user: uid $uid (app), not root"
ready="$(code "$U/readyz")"
[[ "$ready" == 503 ]] || fail "/readyz before migrate: $ready"
say "/readyz before migrate: 503 ($(curl -s "$U/readyz"))"
$CT exec "$NAME" python manage.py migrate --noinput >/dev/null || fail "migrate"
[[ "$(code "$U/readyz")" == 200 ]] || fail "/readyz after migrate"
say "/readyz after migrate: 200"
[[ "$(code "$U/api/v1/games")" == 200 ]] || fail "/api/v1/games"
say "/api/v1/games: 200 $(curl -s "$U/api/v1/games" | head -c 80)..."
css="$($CT exec "$NAME" python -c 'import json; print(json.load(open("/app/staticfiles/staticfiles.json"))["paths"]["admin/css/base.css"])')"
headers="$(curl -sI --max-time 5 -H 'Accept-Encoding: br, gzip' "$U/static/$css")"
grep -qi '^content-encoding: \(br\|gzip\)' <<<"$headers" || fail "static file not compressed"
grep -qi 'immutable' <<<"$headers" || fail "static file not cached for ever"
say "static /static/$css: $(grep -i '^content-encoding' <<<"$headers" | tr -d '\r'), immutable"
$CT exec -e SECURE_SSL_REDIRECT=1 "$NAME" python manage.py check --deploy >"$WORK/deploy.txt" 2>&1 \
  || { cat "$WORK/deploy.txt"; fail "check --deploy"; }
say "check --deploy: $(tail -1 "$WORK/deploy.txt")"
$CT exec "$NAME" timeout 5 python manage.py run_huey >"$WORK/huey.txt" 2>&1 || true
grep -q "draw_due_draws" "$WORK/huey.txt" || { cat "$WORK/huey.txt"; fail "worker"; }
say "worker: run_huey starts and schedules draw_due_draws"
say "image size: $($CT image inspect "$IMAGE" --format '{{.Size}}' | awk '{printf "%.0f MB", $1 / 1e6}')"
say "all checks passed"
mkdir -p "$ROOT/bench/results"
cp "$REPORT" "$ROOT/bench/results/docker_check.txt"
