# Class pages: one Makefile for developers and CI. `make` alone lists the targets.

PYTHON3 ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
RUFF    := $(VENV)/bin/ruff
STAMP   := $(VENV)/.installed

# Used by `make test-postgres`; override on the command line if your server differs.
PG_URL  ?= postgres://postgres@127.0.0.1:5432/classpages

# Quick suite: SQLite (unless DATABASE_URL is set), two workers, no real browser, none of
# the tests that start real server processes (`make test-slow`), and none of the full-size
# versions of what it proves at a small size (`make test-scale`), nor the full breadth of the
# adversarial sweeps (`make test-audit`: it runs a fixed sample). Whole files to a worker:
# a file's module-scoped rows (shared rows, the security canaries) are built once.
PYTEST_ARGS ?= -q -n 2 --dist loadfile -m "not e2e and not slow and not scale and not audit"

# Some machines set PYTHONDONTWRITEBYTECODE: then every run recompiles the project and
# pytest rewrites every test module again (about 3 s per test process here).
unexport PYTHONDONTWRITEBYTECODE

.DEFAULT_GOAL := help
.PHONY: help install lock run test test-scale test-audit test-slow test-e2e test-postgres test-races lint format check migrate seed clean

help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "}; {printf "  %-15s %s\n", $$1, $$2}'

install: $(STAMP) ## Create .venv (if missing) and install the project with its dev extras

# Reinstalls only when pyproject.toml or constraints.txt changes (or the stamp is removed).
# constraints.txt pins every package to the version CI tested.
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON3) -m venv $(VENV)
	$(PY) -m pip install -c constraints.txt -e '.[dev]'
	touch $@

lock: ## Re-pin constraints.txt to what is installed in .venv (after changing pyproject.toml)
	$(PY) -m pip install -e '.[dev]'
	{ echo "# Every installed version, pinned: make install installs with these (-c constraints.txt)."; \
	  echo "# Regenerate after changing pyproject.toml: make lock"; \
	  $(PY) -m pip freeze --exclude-editable; } > constraints.txt

run: install ## Migrate the SQLite default, seed "Demo Primary", serve http://127.0.0.1:8000
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: install ## Run the quick test suite (SQLite, 2 workers, no browser tests)
	$(PY) -m pytest $(PYTEST_ARGS)

# The quick suite proves flat query counts at two small sizes (e.g. 10 and 60 posts) and
# runs the state machine briefly; these prove the same at full size (200 posts, the demo
# seeded at scale). A few minutes.
test-scale: install ## Full-size versions of the quick suite's scale proofs (200 posts and more)
	$(PY) -m pytest -q -n 2 -m scale

# The adversarial sweeps at full breadth; make test runs a fixed sample of each
# (tests/helpers.py: audit_unless_sampled). A few minutes.
test-audit: install ## The rest of the adversarial sweeps (make test runs a fixed sample of each)
	$(PY) -m pytest -q -n 2 --dist loadfile -m audit

# Tests that start real server processes on a throwaway SQLite demo (tests/cms/
# test_cross_process.py: access ends at once when another process changes it). About a
# minute; always SQLite, whatever DATABASE_URL says: they test the embedded default.
test-slow: install ## Cross-process tests: real runserver processes on the embedded default
	env -u DATABASE_URL $(PY) -m pytest -q -m slow -p no:xdist tests

# Browser tests: their own process (live server, transactional DB; see tests/e2e/conftest.py).
CHROMIUM ?= /usr/bin/chromium

test-e2e: install node_modules/.package-lock.json ## Browser tests: headless Chromium (Debian's) + axe-core; screenshots in tests/e2e/artifacts/
	@test -x $(CHROMIUM) || { echo "No Chromium at $(CHROMIUM): apt-get install -y chromium"; exit 1; }
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest -q -m e2e tests/e2e -p no:xdist

# axe-core for the browser tests, exactly as package-lock.json pins it.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

test-postgres: install ## Run the quick test suite on PostgreSQL (PG_URL=postgres://...)
	DATABASE_URL=$(PG_URL) $(PY) -m pytest $(PYTEST_ARGS)

# Real concurrency needs PostgreSQL (SQLite serialises writers) and a process of its own
# (transactional tests cannot share the quick suite's session-long `world` transaction).
test-races: install ## Races on PostgreSQL: two leaders approving one post at once (PG_URL=...)
	DATABASE_URL=$(PG_URL) $(PY) -m pytest -q -p no:xdist -m postgres tests/workflows/test_approval_race.py

lint: install ## Lint and check formatting (ruff)
	$(RUFF) check .
	$(RUFF) format --check .

format: install ## Fix lint where safe and format the code (ruff)
	$(RUFF) check --fix .
	$(RUFF) format .

check: install ## Django system checks and missing-migration check
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

migrate: install ## Apply migrations to the configured database
	$(PY) manage.py migrate --noinput

seed: install ## (Re)create the demo school and accounts (seed_demo)
	$(PY) manage.py seed_demo

clean: ## Remove caches and build leftovers (keeps .venv and var/)
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache build dist *.egg-info static_collected artifacts

# Needs PostgreSQL and Redis on 127.0.0.1 (BENCH_DATABASE_URL, BENCH_REDIS_URL); takes a
# few minutes. BENCH_ARGS=--large adds a seed_scale database (benchmarks/run_all.py).
BENCH_ARGS ?=
.PHONY: bench
bench: install ## Benchmarks: carer page vs public, latency at 1/10/20 clients, media view, photo uploads; benchmarks/out/latest.json
	@command -v wrk >/dev/null || echo "wrk is not installed (apt-get install -y wrk): media ratios will come from the Python client only"
	$(PY) -m benchmarks $(BENCH_ARGS)
	$(PY) -m benchmarks.uploads
