# cohesion-sim: `make run` and `make test` set up .venv themselves.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
ARGS ?=

# Find a Python >= 3.12: PYTHON if given, then python3.13/python3.12 on PATH,
# then pyenv's, then python3 if it is new enough.
PYTHON ?= $(shell for c in python3.12 python3.13 \
	$$(command -v pyenv >/dev/null 2>&1 && for v in 3.12 3.13; do p=$$(pyenv prefix $$(pyenv versions --bare 2>/dev/null | grep -E "^$$v(\.|$$)" | tail -1) 2>/dev/null) && echo $$p/bin/python3; done) \
	python3; do \
	  command -v $$c >/dev/null 2>&1 || [ -x "$$c" ] || continue; \
	  $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$c; break; }; \
	done)

LINT_DIRS := $(wildcard sim tests benchmarks hydra_plugins tools)

# Every install takes its versions from requirements.lock (tools/lock.py): `make run`
# installs what a user needs (the core, the explorer, the analysis extras), `make test`
# adds the test, lint and docs groups and the cluster and peer extras. Each has its own
# stamp, so `make test` after `make run` installs only the difference.
LOCKED := pyproject.toml requirements.lock tools/lock.py

.PHONY: run test test-all lint bench clean venv mutate calibrate lock upgrade

$(VENV)/.python:
	@if [ -z "$(PYTHON)" ]; then echo "error: Python >= 3.12 not found; install it or pass PYTHON=/path/to/python3.12" >&2; exit 1; fi
	@[ -x $(PY) ] && $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install -q --disable-pip-version-check --upgrade 'pip>=25.1'
	@touch $@

$(VENV)/.run-installed: $(LOCKED) | $(VENV)/.python
	$(PY) -m tools.lock install run
	$(PY) -m tools.lock check
	@touch $@

$(VENV)/.test-installed: $(VENV)/.run-installed
	$(PY) -m tools.lock install test
	$(PY) -m tools.lock check
	@touch $@

$(VENV)/.mutate-installed: $(VENV)/.test-installed
	$(PY) -m tools.lock install mutate
	$(PY) -m tools.lock check
	@touch $@

$(VENV)/.lock-installed: pyproject.toml $(wildcard requirements.lock) | $(VENV)/.python
	$(PY) -m tools.lock install lock
	@touch $@

venv: $(VENV)/.test-installed

run: $(VENV)/.run-installed
	$(VENV)/bin/cohesion-sim $(ARGS)

# The tests run on every core (pytest-xdist), each test file in one worker, so a file's
# shared fixtures are built once; ARGS="-n 0" runs them in this process.
test: lint
	$(VENV)/bin/pytest -n auto --dist loadfile --durations=15 $(ARGS)

test-all: lint
	$(VENV)/bin/pytest -n auto --dist loadfile -m "" $(ARGS)

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check $(LINT_DIRS)
	$(VENV)/bin/ruff format --check $(LINT_DIRS)
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Rewrite requirements.lock after a change to the dependencies of pyproject.toml, keeping
# every locked version that still fits (uv, from the `lock` group; no Python is downloaded).
lock: $(VENV)/.lock-installed
	$(PY) -m tools.lock compile

# The scheduled check: the newest release of everything into the lock, then a fresh venv
# from it and the test suite. Commit the lock when it passes; docs/testing.md.
upgrade: $(VENV)/.lock-installed
	$(PY) -m tools.lock compile --upgrade
	rm -rf $(VENV)
	$(MAKE) test

# The benchmark table of docs/performance.md (a few minutes); ARGS=--national adds the
# whole country (about half of this machine's memory: run it alone).
bench: $(VENV)/.test-installed
	$(PY) -m benchmarks.run $(ARGS)

# Mutation testing of the core (about an hour here; docs/testing.md): mutmut over the rules,
# metrics, accounting, config checks, results and resume, then the hand-made mutants.
mutate: $(VENV)/.mutate-installed
	$(PY) -m tools.mutate --fresh $(ARGS)
	$(PY) -m tools.named_mutants

# Calibration to the Netherlands 2012-2024 (docs/calibration.md): the first wave is also
# matched to 2012-2019 alone and forecasts 2020-2024 (outputs/calibration/holdout); the
# fit on every year is in outputs/calibration. ARGS=--size=ci for the small version,
# ARGS=--ship to make the fit the package's ensemble. A killed calibration resumes.
calibrate: $(VENV)/.run-installed
	$(PY) -m sim.calibration $(ARGS)

clean:
	rm -rf $(VENV) outputs multirun build .pytest_cache .mypy_cache .ruff_cache
