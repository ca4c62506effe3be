#!/usr/bin/env bash
# Makes the databases the upgrade test starts from: the demo data written by a released version, on SQLite and on
# PostgreSQL, into tests/data/upgrade/. Run it for each release (after tagging it) and commit the two files:
#   scripts/make-upgrade-fixture.sh v0.1.0
# The released code runs from a git worktree with this checkout's environment (the dependencies are compatible
# within a release line; if a release changed them, build its own environment there with uv sync).
set -euo pipefail
TAG=${1:?usage: make-upgrade-fixture.sh TAG}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=${TAG#v}
WORK=$(mktemp -d /tmp/paritrana-upgrade.XXXXXX)
trap 'git -C "$ROOT" worktree remove --force "$WORK/src" 2>/dev/null || true; rm -rf "$WORK"' EXIT
git -C "$ROOT" worktree add --detach "$WORK/src" "$TAG" >/dev/null
PY="$ROOT/.venv/bin/python"
OUT="$ROOT/tests/data/upgrade"

PYTHONPATH="$WORK/src/src" PARITRANA_DATA_DIR="$WORK/sqlite" "$PY" -m paritrana.cli demo >/dev/null
xz -9 -c "$WORK/sqlite/paritrana.sqlite3" >"$OUT/paritrana-$VERSION.sqlite3.xz"

cat >"$WORK/pg.sh" <<SH
set -euo pipefail
PYTHONPATH="$WORK/src/src" PARITRANA_DATA_DIR="$WORK/pg" "$PY" -m paritrana.cli demo >/dev/null
PGBIN=\$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
"\$PGBIN/pg_dump" --format=plain --no-owner --no-acl -d "\$PARITRANA_DATABASE_URL" | xz -9 >"$OUT/paritrana-$VERSION.pg.sql.xz"
SH
bash "$ROOT/scripts/with-postgres.sh" bash "$WORK/pg.sh"
ls -la "$OUT"
