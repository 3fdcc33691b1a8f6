# The two commands of the README: `make demo` and `make test`. `make check` adds the linters.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# Peers the tests start themselves (PostgreSQL and Redis run on the machine already),
# and Chromium for the browser tests (driven by Playwright; never `playwright install`).
APT_PACKAGES := dovecot-imapd dovecot-core chromium
NPM_STAMP := node_modules/.package-lock.json

.PHONY: setup demo test lint check system-deps clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@# torch==2.13.0 is pinned in pyproject.toml: the CPU build, not several GB of CUDA.
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# Front-end libraries come from the npm registry, pinned by package-lock.json.
$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }
	npm ci --no-audit --no-fund --loglevel=error

setup: $(STAMP) $(NPM_STAMP)

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

demo: setup
	$(BIN)/servicedesk db upgrade
	$(BIN)/servicedesk demo --port 5000

test: setup system-deps
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

check: lint test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
