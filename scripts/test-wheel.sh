#!/usr/bin/env bash
# The installed wheel without the dev group: what `pip install paritrana` gives a user. Builds the wheel, installs it
# with the locked runtime dependencies only into a fresh virtualenv, migrates an empty SQLite database, serves the
# app and checks that every module imports and that pages, the API and the command line answer (a missing runtime
# dependency fails here).
set -euo pipefail
cd "$(dirname "$0")/.."
UV="${UV:-$(command -v uv || echo .tools/bin/uv)}"
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

"$UV" build --wheel --out-dir "$work/dist" --quiet
"$UV" export --frozen --no-dev --no-hashes --no-emit-project --quiet > "$work/requirements.txt"
"$UV" venv --quiet --python 3.11 "$work/venv"
VIRTUAL_ENV="$work/venv" "$UV" pip install --quiet -r "$work/requirements.txt" "$work"/dist/*.whl
bin="$work/venv/bin"
export PARITRANA_DATA_DIR="$work/data"
unset PARITRANA_DATABASE_URL

if "$bin/python" -c "import pytest" 2>/dev/null; then
  echo "test-wheel: a dev tool (pytest) is installed in the runtime environment" >&2
  exit 1
fi
"$bin/paritrana" migrate >/dev/null
# Every module of the package imports with the runtime dependencies alone (an undeclared one fails here by name).
DJANGO_SETTINGS_MODULE=paritrana.settings "$bin/python" - <<'PY'
import importlib, pkgutil, sys

import django

django.setup()
import paritrana

failed, modules = [], list(pkgutil.walk_packages(paritrana.__path__, "paritrana."))
for module in modules:
    try:
        importlib.import_module(module.name)
    except Exception as exc:  # noqa: BLE001 - every failure is reported by module
        failed.append(f"{module.name}: {type(exc).__name__}: {exc}")
if failed:
    sys.exit("test-wheel: modules that do not import without the dev group:\n" + "\n".join(failed))
print(f"test-wheel: all {len(modules)} modules import")
PY
"$bin/paritrana" quote --segment bpu --income 1000000 --date 2026-06-01 --funder mandiri --format json >/dev/null
"$bin/paritrana" rules list --key pu.jp >/dev/null

port=$("$bin/python" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
"$bin/paritrana" serve --port "$port" --workers 1 --no-worker >"$work/server.log" 2>&1 &
server=$!
# GET each address (urllib: no curl needed); the server may take a few seconds to start.
"$bin/python" - "$port" /healthz /login/ /aturan/ /publik/ /penghargaan/ /api/v1/rules /api/v1/docs /static/web/app.css <<'PY' || { cat "$work/server.log" >&2; exit 1; }
import sys, time, urllib.error, urllib.request

port, paths = sys.argv[1], sys.argv[2:]
deadline = time.monotonic() + 60
while True:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("test-wheel: the server did not start")
        time.sleep(0.5)
for path in paths:
    try:
        status = urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30).status
    except urllib.error.HTTPError as exc:
        status = exc.code
    if status != 200:
        sys.exit(f"test-wheel: GET {path} answered {status}")
PY
echo "test-wheel: the installed wheel serves pages, the API and the command line without the dev group"
