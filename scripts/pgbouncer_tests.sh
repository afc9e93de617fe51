#!/usr/bin/env bash
# The isolation, claim, billing, worker and tenancy tests through PgBouncer in
# transaction pooling mode, the way a platform of thousands of firms reaches
# PostgreSQL. Starts its own pgbouncer (config in a temporary folder), runs the
# tests with DATABASE_POOLER=pgbouncer, and stops it whatever happened.
#
#   scripts/pgbouncer_tests.sh [pytest arguments]
#
# PG_SERVER_URL: the PostgreSQL server itself (default 127.0.0.1:5432), where
# the test database is created (CREATE/DROP DATABASE cannot go through the pooler).
# PGBOUNCER_PORT (default 6432); PYTEST (default ./yk test).
set -euo pipefail
cd "$(dirname "$0")/.."

port=${PGBOUNCER_PORT:-6432}
server_url=${PG_SERVER_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
read -r -a pytest_cmd <<<"${PYTEST:-./yk test}"
tests=(tests/test_isolation.py tests/test_work_claims.py tests/test_billing_invoices.py
  tests/test_worker.py tests/test_tenancy.py)

dir=$(mktemp -d /tmp/yk-pgbouncer.XXXXXX)
chmod 755 "$dir"
pid=""
stop() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap stop EXIT

cat >"$dir/userlist.txt" <<USERS
"postgres" ""
USERS
cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=5432

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
max_client_conn = 400
default_pool_size = 20
max_db_connections = 40
; psycopg and libpq send these at start-up; PgBouncer would refuse the connection.
ignore_startup_parameters = extra_float_digits,options
server_reset_query =
log_connections = 0
log_disconnections = 0
logfile = $dir/pgbouncer.log
INI

# PgBouncer refuses to run as root: it drops to the postgres user then.
run_as=()
if [ "$(id -u)" = 0 ]; then
  run_as=(-u postgres)
  chown postgres "$dir"
fi
pgbouncer "${run_as[@]}" "$dir/pgbouncer.ini" &
pid=$!
for _ in $(seq 1 50); do
  pg_isready -h 127.0.0.1 -p "$port" -U postgres -d postgres -q && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/pgbouncer.log" >&2 || true; exit 1; }
  sleep 0.2
done
pg_isready -h 127.0.0.1 -p "$port" -U postgres -d postgres -q

echo "== tests through PgBouncer (transaction pooling) on 127.0.0.1:$port"
status=0
DATABASE_URL="postgresql://postgres@127.0.0.1:$port/postgres" DATABASE_POOLER=pgbouncer \
  YK_TEST_ADMIN_URL="$server_url" "${pytest_cmd[@]}" "${tests[@]}" "$@" || status=$?
if [ "$status" != 0 ]; then tail -n 40 "$dir/pgbouncer.log" >&2 || true; fi
exit "$status"
