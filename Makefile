# Layani: `make run` and `make test` do all set-up on a fresh machine.
# Every target installs what is missing first; nothing is installed outside .venv except
# Debian's chromium for browser tests (make browsers).

SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
CONSTRAINTS := requirements/constraints.txt
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(CONSTRAINTS) 2>/dev/null | sha256sum | cut -c1-16)
DEV_STAMP := $(STAMP)-dev
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONHASHSEED := 0

.PHONY: help install install-dev venv train run run-production test scale-test test-unit validate conversations eval bench bench-bare fuzz check browsers clean

help:
	@echo "make run    - install, train if stale, start Layani on embedded defaults"
	@echo "make test   - install, validate data, run every test"
	@echo "make train | eval | bench | fuzz | check | run-production | clean"

$(PY):
	@py=$$(scripts/find-python.sh) || exit 1; \
	echo "Creating $(VENV) with $$py"; \
	"$$py" -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml $(CONSTRAINTS)
	$(PY) -m pip install -q --upgrade "pip<25" "setuptools<70" wheel
	$(PY) -m pip install -q -c $(CONSTRAINTS) -e .
	$(PY) -m pip check
	@rm -f $(VENV)/.installed-*; touch $@

$(DEV_STAMP): $(STAMP)
	$(PY) -m pip install -q -c $(CONSTRAINTS) -e ".[dev]"
	$(PY) -m pip check
	@touch $@

install: $(STAMP)
install-dev: $(DEV_STAMP)

browsers:
	@scripts/install-browser.sh
	@scripts/install-nginx.sh

train: install
	$(PY) -m tooling.train

run: install
	$(PY) -m tooling.train --if-stale
	$(PY) -m layani.run

run-production: install
	$(PY) -m tooling.train --if-stale
	$(PY) -m layani.run --profile production

validate: install
	$(PY) -m tooling.validate

test-unit: install-dev
	$(BIN)/pytest -m "not integration and not browser" -q

conversations: install-dev
	$(PY) -m tooling.train --if-stale
	$(PY) -m tooling.conversation_tests

test: install-dev browsers validate
	$(PY) -m tooling.train --if-stale
	$(BIN)/pytest -q -p no:cacheprovider --durations=15 --ignore=tests/scale
	$(MAKE) scale-test
	$(PY) -m tooling.conversation_tests

# Two Rasa replicas and two action servers behind Debian's nginx, one replica killed mid-run,
# and the deployment files (docs/deployment.md). Prints throughput with 1 and 2 replicas.
scale-test: install-dev
	@scripts/install-nginx.sh
	@deploy/install-compose.sh
	$(PY) -m tooling.train --if-stale
	$(BIN)/pytest -q -s -p no:cacheprovider tests/scale

eval: install-dev
	$(PY) -m tooling.evaluation
	$(PY) -m tooling.dialogue_eval

bench: install-dev
	$(PY) -m tooling.bench

# Layani against the bot `rasa init` makes, side by side in one run (docs/performance.md).
bench-bare: install-dev
	$(PY) -m tooling.bench_bare

# Generated and hostile messages against every public entry point (docs/security.md).
fuzz: install-dev
	$(PY) -m tooling.fuzz

check: install-dev
	$(BIN)/ruff check layani actions channels storage services console tooling tests
	$(BIN)/ruff format --check layani actions channels storage services console tooling tests
	$(BIN)/pytest -q -p no:cacheprovider tests/unit/test_layering.py

clean:
	rm -rf $(VENV) models var reports .rasa
