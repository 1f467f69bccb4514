#!/usr/bin/env bash
# Load test (docs/load.md): a PostgreSQL server in a temporary directory, the register
# migrated and filled with the demo board (plus, with LOAD_SCALE, a generated register of that
# scale), gunicorn on 127.0.0.1, then locust headless with LOAD_USERS users: they all log in,
# then LOAD_MEASURE_S seconds of browsing are measured (see bench/load/locustfile.py).
# Everything listens on 127.0.0.1 only and is stopped and removed at the end.
#
#   bench/load/run.sh                       # 50 users, 60 s, demo board
#   LOAD_SCALE=0.05 bench/load/run.sh       # on a generated register (generate_register)
#
# Settings (environment): LOAD_USERS (50), LOAD_SPAWN_RATE (10/s), LOAD_MEASURE_S (60),
# LOAD_WORKERS (gunicorn workers, 2 x cores + 1), LOAD_P95_MS (300), LOAD_OUT (results dir),
# PGBIN (/usr/lib/postgresql/15/bin), LOAD_PGPORT and LOAD_PORT (default: free ports).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
LOCUST="$ROOT/.venv/bin/locust"
if [ ! -x "$LOCUST" ]; then
  "$ROOT/.venv/bin/pip" install --quiet -e ".[load]"
fi

USERS=${LOAD_USERS:-50}
SPAWN_RATE=${LOAD_SPAWN_RATE:-10}
MEASURE=${LOAD_MEASURE_S:-60}
export LOAD_MEASURE_S=$MEASURE
# A hard upper bound only: the locustfile stops MEASURE seconds after the last login.
RUN_TIME="$((MEASURE + 180))s"
WORKERS=${LOAD_WORKERS:-$((2 * $(nproc) + 1))}
free_port() {
  "$PY" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
}
PGPORT=${LOAD_PGPORT:-$(free_port)}
PORT=${LOAD_PORT:-$(free_port)}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
OUT=${LOAD_OUT:-$ROOT/bench/load/results}
mkdir -p "$OUT"

WORK=$(mktemp -d /tmp/register-load.XXXXXX)
PGDATA="$WORK/pg"
GUNICORN_PID=""

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
cleanup() {
  if [ -n "$GUNICORN_PID" ]; then
    kill "$GUNICORN_PID" 2>/dev/null || true
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  as_postgres "$PGBIN/pg_ctl -D '$PGDATA' -m fast stop" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "=== PostgreSQL on 127.0.0.1:$PGPORT ($WORK) ==="
mkdir -p "$PGDATA"
[ "$(id -u)" -eq 0 ] && chown postgres "$WORK" "$PGDATA"
as_postgres "$PGBIN/initdb -D '$PGDATA' -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
as_postgres "$PGBIN/pg_ctl -D '$PGDATA' -l '$WORK/pg.log' -w start -o '-p $PGPORT -k $WORK -c listen_addresses=127.0.0.1'" >/dev/null
"$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres privacyregister

export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/privacyregister"
export DATA_DIR="$WORK/data"
export DJANGO_DEBUG=0
export DJANGO_SECRET_KEY
DJANGO_SECRET_KEY=$("$PY" -c "import secrets; print(secrets.token_urlsafe(60))")
export DJANGO_ALLOWED_HOSTS=127.0.0.1
# Plain HTTP on the loopback interface: no HTTPS redirect, cookies without the Secure flag.
export DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SECURE_COOKIES=0 DJANGO_HSTS_SECONDS=0
export DJANGO_LOG_LEVEL=ERROR
# The workers share the rules' kept results through the database cache (README, "Kept
# results"): one full computation for all of them instead of one per worker.
export DJANGO_RULES_CACHE=db

echo "=== Migrate and load data ==="
"$PY" manage.py migrate --noinput -v0
"$PY" manage.py createcachetable
if [ -n "${LOAD_SCALE:-}" ]; then
  # The generator is a development-only app, installed by the benchmark settings.
  DJANGO_SETTINGS_MODULE=bench.settings "$PY" manage.py generate_register --scale "$LOAD_SCALE"
fi
"$PY" manage.py load_demo >/dev/null
# The simulated FGs give a recovery code after the password, one each (bench/load/locustfile.py).
LOAD_FG_CODES=$(DJANGO_SETTINGS_MODULE=bench.settings "$PY" manage.py load_test_codes fg "$USERS" | paste -sd, -)
export LOAD_FG_CODES
# Compute the flags and the level once into the shared cache, as the first page after a
# deploy would: the workers take them from there.
"$PY" manage.py flags >/dev/null
"$PY" manage.py collectstatic --noinput -v0

echo "=== gunicorn on 127.0.0.1:$PORT with $WORKERS workers ==="
"$ROOT/.venv/bin/gunicorn" register.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
  --access-logfile /dev/null --error-logfile "$WORK/gunicorn.log" &
GUNICORN_PID=$!
for _ in $(seq 1 60); do
  if ! kill -0 "$GUNICORN_PID" 2>/dev/null; then
    echo "gunicorn did not start:" >&2; cat "$WORK/gunicorn.log" >&2; exit 1
  fi
  if grep -q "Listening at: http://127.0.0.1:$PORT" "$WORK/gunicorn.log" 2>/dev/null &&
     "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/inloggen/', timeout=2)" 2>/dev/null; then
    break
  fi
  sleep 0.5
done
grep -q "Listening at: http://127.0.0.1:$PORT" "$WORK/gunicorn.log" ||
  { echo "gunicorn did not start" >&2; cat "$WORK/gunicorn.log" >&2; exit 1; }

echo "Machine: $(nproc) cores; load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "=== locust: $USERS users (spawn rate $SPAWN_RATE/s), ${MEASURE}s measured after the last login ==="
cpu_seconds() {  # CPU seconds used by the children of process $1 (from /proc, in ticks)
  "$PY" -c '
import os, sys
parent, total = sys.argv[1], 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    if fields[1] == parent:
        total += int(fields[11]) + int(fields[12])
print(round(total / os.sysconf("SC_CLK_TCK"), 1))
' "$1"
}
PG_PID=$(head -n 1 "$PGDATA/postmaster.pid")
APP_CPU_BEFORE=$(cpu_seconds "$GUNICORN_PID")
DB_CPU_BEFORE=$(cpu_seconds "$PG_PID")
set +e
TIMEFORMAT="locust CPU: %U s user + %S s system, %R s wall"
time LOAD_SUMMARY="$OUT/summary.json" LOAD_APP_PID="$GUNICORN_PID" LOAD_DB_PID="$PG_PID" "$LOCUST" -f bench/load/locustfile.py --headless \
  --host "http://127.0.0.1:$PORT" --users "$USERS" --spawn-rate "$SPAWN_RATE" \
  --run-time "$RUN_TIME" --stop-timeout 10 --csv "$OUT/stats" --only-summary \
  --loglevel WARNING
STATUS=$?
set -e
APP_CPU=$("$PY" -c "print(round($(cpu_seconds "$GUNICORN_PID") - $APP_CPU_BEFORE, 1))")
DB_CPU=$("$PY" -c "print(round($(cpu_seconds "$PG_PID") - $DB_CPU_BEFORE, 1))")
echo "CPU used during the run (login rush included): gunicorn workers ${APP_CPU} s, PostgreSQL ${DB_CPU} s"
if grep -q -E "ERROR|Traceback" "$WORK/gunicorn.log"; then
  echo "--- gunicorn errors ---"; grep -E -A5 "ERROR|Traceback" "$WORK/gunicorn.log" | tail -n 40
fi
echo "Load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Results in $OUT (summary.json, stats_*.csv); exit status $STATUS"
exit $STATUS
