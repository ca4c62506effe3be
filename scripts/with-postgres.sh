#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster on loopback, then stops and removes the cluster:
#   scripts/with-postgres.sh uv run pytest
# The command sees PARITRANA_DATABASE_URL pointing at a fresh database owned by a superuser (tests create theirs).
# PARITRANA_PG_OPTIONS adds server settings (a benchmark's: "-c shared_buffers=4GB -c work_mem=64MB").
set -euo pipefail

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PGBIN" ] || { echo "PostgreSQL is not installed: run scripts/system-deps.sh" >&2; exit 1; }

DIR=$(mktemp -d /tmp/paritrana-pg.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
AS=()
if [ "$(id -u)" -eq 0 ]; then  # initdb refuses to run as root: use the postgres system user
  chown postgres: "$DIR"
  AS=(runuser -u postgres --)
fi

cleanup() {
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

"${AS[@]}" "$PGBIN/initdb" -D "$DIR/data" -U paritrana -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
"${AS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${PARITRANA_PG_OPTIONS:-}" \
  start >/dev/null
"$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U paritrana paritrana

export PARITRANA_DATABASE_URL="postgres://paritrana@127.0.0.1:$PORT/paritrana"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (throwaway, in $DIR)"
"$@"
