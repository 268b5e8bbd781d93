# Two commands: `make run` (local app with demo data) and `make test` (whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck precommit format migrate seed worker beat clean bench bench-scale

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy with the django-stubs plugin over the services and selectors ([tool.mypy] in pyproject.toml).
typecheck: $(STAMP)
	$(VENV)/bin/mypy

# The pre-commit hooks (.pre-commit-config.yaml) on every file: ruff, end of files, trailing
# whitespace, large files, YAML/TOML syntax. The first run installs the hooks' pinned tools from PyPI.
precommit: $(STAMP)
	$(VENV)/bin/pre-commit run --all-files --show-diff-on-failure

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

seed: $(STAMP)
	$(PY) manage.py seed_demo

worker: $(STAMP)
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: $(STAMP)
	$(VENV)/bin/celery -A config beat --loglevel=INFO

# Benchmarks (bench/README.md), never part of `make test`: they need PostgreSQL, Redis and wrk
# (`apt-get install wrk`), and create and drop their own databases (tk_bench_*). BENCH_ARGS passes
# options, e.g. `make bench BENCH_ARGS='--workers 4 --memory'`.
bench: $(STAMP)
	$(PY) bench/http.py $(BENCH_ARGS)

bench-scale: $(STAMP)
	$(PY) bench/scale.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .mypy_cache test-artifacts
