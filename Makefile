# Paritrana: two commands set everything up on a fresh Debian machine with Python 3.11:
#   make demo   the app with demo data on an embedded SQLite database, at http://127.0.0.1:8000
#   make test   the whole suite: lint, SQLite, PostgreSQL (throwaway cluster on loopback), browser (Chromium)

SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --frozen
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo serve test lint test-sqlite test-postgres test-browser test-wheel system-deps messages docs bench clean

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv

.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --quiet
	@touch $@

demo: .venv/.synced
	bash scripts/system-deps.sh pdf
	$(RUN) paritrana demo
	$(RUN) paritrana serve --host $(HOST) --port $(PORT)

serve: .venv/.synced
	$(RUN) paritrana serve --host $(HOST) --port $(PORT)

system-deps:
	bash scripts/system-deps.sh

lint: .venv/.synced
	$(RUN) ruff check src tests benchmarks
	$(RUN) ruff format --check src tests benchmarks
	$(RUN) mypy
	$(RUN) lint-imports
	$(RUN) deptry src

# Every leg needs the system packages (pdftotext reads PDFs back, Java runs Spark): install them first.
test-sqlite: .venv/.synced system-deps
	$(RUN) pytest -m "not browser" -p no:cacheprovider -q

test-postgres: .venv/.synced system-deps
	bash scripts/with-postgres.sh $(RUN) pytest -m "not browser" -p no:cacheprovider -q

test-browser: .venv/.synced system-deps
	$(RUN) pytest -m browser -p no:cacheprovider -q tests/e2e

test-wheel: .venv/.synced
	UV=$(UV) bash scripts/test-wheel.sh

test: system-deps lint test-sqlite test-postgres test-browser test-wheel
	$(RUN) mkdocs build --strict --quiet --site-dir /tmp/paritrana-site

messages: .venv/.synced
	cd src/paritrana && DJANGO_SETTINGS_MODULE=paritrana.settings ../../$(RUN) django-admin makemessages -l id --no-location
	cd src/paritrana && DJANGO_SETTINGS_MODULE=paritrana.settings ../../$(RUN) django-admin compilemessages

docs: .venv/.synced
	$(RUN) mkdocs serve

bench: .venv/.synced
	for b in benchmarks/bench_*.py; do $(RUN) python $$b || exit 1; done

clean:
	rm -rf .venv .tools /tmp/paritrana-site
