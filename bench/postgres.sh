#!/usr/bin/env bash
# Run bench/run.py against a throw-away PostgreSQL 15 server started here in a temporary
# directory (as user postgres, like .ci/run) and stopped afterwards.
#   bench/postgres.sh --scale 0.1 1 [other bench/run.py options]
set -euo pipefail
cd "$(dirname "$0")/.."

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PGBIN/initdb" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
fi
PGROOT=$(mktemp -d /tmp/bench-pg.XXXXXX)
PGPORT=${BENCH_PGPORT:-55491}
chown postgres "$PGROOT"
stop_pg() {
  su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D '$PGROOT/data' -m fast stop" >/dev/null 2>&1 || true
  rm -rf "$PGROOT"
}
trap stop_pg EXIT
su postgres -s /bin/sh -c "$PGBIN/initdb -D '$PGROOT/data' -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
# Stock settings apart from the socket directory: the numbers should be what a default
# installation gives.
su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D '$PGROOT/data' -l '$PGROOT/log' -w start -o '-p $PGPORT -k $PGROOT -c listen_addresses=127.0.0.1'" >/dev/null
.venv/bin/python bench/run.py --database-url "postgres://postgres@127.0.0.1:$PGPORT/postgres" "$@"
