# Two commands set everything up on a fresh Debian machine:
#   make demo   — create .venv, install from the lock file, run the demo on SQLite + simulator
#   make test   — create .venv, install, run lint, the layer contract, type check and the whole
#                 test suite
#                 (installs PostgreSQL and nginx from Debian packages if missing; the tests
#                 start their own)
PYTHON ?= python3
VENV := .venv
# Codat's own SDKs live in a venv of their own: their pins must not clash with ours.
SDK_VENV := .venv-sdk
# codat-accounting pins an httpx that codat-platform cannot share: a venv of its own.
SDK_ACCOUNTING_VENV := .venv-sdk-accounting
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
# The suite runs on one pytest-xdist worker per core (each with its own PostgreSQL server, ports
# and tmp dirs). Whole files go to one worker, so a module's shared fixtures (a synced company)
# are built once. `make pytest PYTEST_WORKERS=0` runs it in one process.
PYTEST_WORKERS ?= auto

.PHONY: install demo test lint layers typecheck pytest bench clean

$(VENV)/.installed: pyproject.toml uv.lock
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q "uv==$(UV_VERSION)"
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --inexact -q
	touch $@

install: $(VENV)/.installed

$(SDK_VENV)/.installed: tests/sdk/requirements.txt
	test -x $(SDK_VENV)/bin/python || $(PYTHON) -m venv $(SDK_VENV)
	$(SDK_VENV)/bin/pip install -q -r tests/sdk/requirements.txt
	touch $@

$(SDK_ACCOUNTING_VENV)/.installed: tests/sdk/accounting/requirements.txt
	test -x $(SDK_ACCOUNTING_VENV)/bin/python || $(PYTHON) -m venv $(SDK_ACCOUNTING_VENV)
	$(SDK_ACCOUNTING_VENV)/bin/pip install -q -r tests/sdk/accounting/requirements.txt
	touch $@

demo: install
	$(VENV)/bin/qbdsync demo $(DEMO_ARGS)

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

# The layer contract in pyproject.toml ([tool.importlinter]): no upward import, no cycle.
layers: install
	$(VENV)/bin/lint-imports --no-cache

typecheck: install
	$(VENV)/bin/mypy

pytest: install $(SDK_VENV)/.installed $(SDK_ACCOUNTING_VENV)/.installed
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-nginx.sh
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test: lint layers typecheck pytest

bench: install
	$(VENV)/bin/python bench/ingest.py
	command -v wrk >/dev/null || apt-get install -y -qq wrk
	$(VENV)/bin/python bench/idle_polls.py --database both
	$(VENV)/bin/python bench/hostile_memory.py

clean:
	rm -rf $(VENV) $(SDK_VENV) $(SDK_ACCOUNTING_VENV) .mypy_cache .ruff_cache .pytest_cache
