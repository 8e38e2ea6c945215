#!/usr/bin/env bash
# The whole suite, on SQLite and (when a server answers) PostgreSQL, the two runs side by side.
# EVENTS_REQUIRE_POSTGRES=1 (set by CI) makes a missing PostgreSQL a failure, not a skip.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
ADMIN_URL=${EVENTS_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
LOGS=var/test-logs
mkdir -p "$LOGS"

ruff_ok=0
.venv/bin/ruff check events_app tests scripts bench && .venv/bin/ruff format --check events_app tests scripts bench \
  && .venv/bin/mypy || ruff_ok=1

if ! $PY scripts/pgdb.py check "$ADMIN_URL" && [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null; then
  echo "PostgreSQL is down; starting the local cluster."
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do $PY scripts/pgdb.py check "$ADMIN_URL" && break; sleep 1; done
fi

pg_url=""
if $PY scripts/pgdb.py check "$ADMIN_URL"; then
  pg_url=$($PY scripts/pgdb.py create "$ADMIN_URL") || pg_url=""
fi
if [ -z "$pg_url" ] && [ "${EVENTS_REQUIRE_POSTGRES:-0}" = 1 ]; then
  echo "PostgreSQL is required here but could not be reached at $ADMIN_URL." >&2
  exit 1
fi

run_suite() {  # name, database url ('' for SQLite), pytest args...
  local name=$1 url=$2
  shift 2
  EVENTS_TEST_DATABASE_URL=$url $PY -m pytest -p no:cacheprovider "$@" >"$LOGS/$name.log" 2>&1
}

run_suite sqlite "" "$@" &
sqlite_pid=$!
if [ -n "$pg_url" ]; then
  run_suite postgresql "$pg_url" "$@" &
  pg_pid=$!
fi

wait $sqlite_pid; sqlite_rc=$?
pg_rc=0
if [ -n "$pg_url" ]; then
  wait $pg_pid; pg_rc=$?
  $PY scripts/pgdb.py drop "$ADMIN_URL" "${pg_url##*/}"
fi

summary() {  # the counts from pytest's closing line of one log
  tail -n 1 "$LOGS/$1.log" | sed -E 's/^=+ //; s/ in [0-9.]+s.*$//'
}
echo "================ SQLite ================"; cat "$LOGS/sqlite.log"
ran="SQLite ($(summary sqlite))"
if [ -n "$pg_url" ]; then
  echo "============== PostgreSQL =============="; cat "$LOGS/postgresql.log"
  ran="$ran and PostgreSQL ($(summary postgresql))"
else
  echo "PostgreSQL was not reachable at $ADMIN_URL: the suite ran on SQLite only."
fi
[ $ruff_ok = 0 ] || echo "Lint or type check failed (ruff / mypy above)."
echo "Ran on: $ran"

passed=$(tail -qn1 "$LOGS"/sqlite.log ${pg_url:+"$LOGS"/postgresql.log} | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(tail -qn1 "$LOGS"/sqlite.log ${pg_url:+"$LOGS"/postgresql.log} | grep -Eo '[0-9]+ (failed|error)' | awk '{s+=$1} END {print s+0}')
echo "$passed passed, $failed failed"
[ $sqlite_rc = 0 ] && [ $pg_rc = 0 ] && [ $ruff_ok = 0 ]
