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

.PHONY: run test test-all lint bench clean venv mutate calibrate

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "error: Python >= 3.12 not found; install it or pass PYTHON=/path/to/python3.12" >&2; exit 1; fi
	@[ -x $(PY) ] && $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $@

venv: $(VENV)/.installed

run: venv
	$(VENV)/bin/cohesion-sim $(ARGS)

test: lint
	$(VENV)/bin/pytest --durations=15 $(ARGS)

test-all: lint
	$(VENV)/bin/pytest -m "" $(ARGS)

lint: venv
	$(VENV)/bin/ruff check $(LINT_DIRS)
	$(VENV)/bin/ruff format --check $(LINT_DIRS)
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The benchmark table of docs/performance.md (a few minutes); ARGS=--national adds the
# whole country (about half of this machine's memory: run it alone).
bench: venv
	$(PY) -m benchmarks.run $(ARGS)

# Mutation testing of the core (about an hour here; docs/testing.md): mutmut over the rules,
# metrics, accounting, config checks, results and resume, then the hand-made mutants.
mutate: venv
	$(PY) -m tools.mutate --fresh $(ARGS)
	$(PY) -m tools.named_mutants

# Calibration to the Netherlands 2012-2024 (docs/calibration.md): the first wave is also
# matched to 2012-2019 alone and forecasts 2020-2024 (outputs/calibration/holdout); the
# fit on every year is in outputs/calibration. ARGS=--size=ci for the small version,
# ARGS=--ship to make the fit the package's ensemble. A killed calibration resumes.
calibrate: venv
	$(PY) -m sim.calibration $(ARGS)

clean:
	rm -rf $(VENV) outputs multirun build .pytest_cache .mypy_cache .ruff_cache
