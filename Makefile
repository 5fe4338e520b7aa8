# Two front doors: `make run` and `make test`. Both bootstrap what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
APT_PACKAGES := chromium postgresql fonts-dejavu-core poppler-utils

.PHONY: run test test-suite test-e2e test-fast lint lock package bench clean deps-python deps-node deps-system

# The virtualenv is installed from requirements.lock (every package pinned, with its hashes; the dev
# extras and Microsoft's botbuilder-testing included), then the project itself without dependencies.
# The lock is complete, so pip resolves nothing: that is also how botbuilder-testing, whose metadata
# pins pytest~=8.3, sits beside our pytest. `make lock` writes it again after pyproject.toml changes.
$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes --no-deps -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@

# requirements.lock from pyproject.toml (dependencies, dev and sdk-tests extras), for Python 3.11 on
# every platform, with hashes. Versions already in the lock are kept unless pyproject.toml rules them
# out; `make lock LOCK_ARGS=--upgrade` moves everything to the newest allowed, `LOCK_ARGS="-P NAME"`
# one package.
LOCK_ARGS ?=
lock: deps-python
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra sdk-tests --universal \
	  --python-version 3.11 --generate-hashes --custom-compile-command 'make lock' --quiet \
	  $(LOCK_ARGS) -o requirements.lock
	# What a server installs: the runtime dependencies alone, at the very versions the tests ran.
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	  --custom-compile-command 'make lock' --quiet --constraint requirements.lock \
	  -o requirements-runtime.lock

# The Resultater tab serves TeamsJS itself (bot/tab/assets.py): a copy travels with the package.
TEAMS_JS := node_modules/@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p bot/tab/static/vendor && cp $(TEAMS_JS) bot/tab/static/vendor/teams-js.min.js
	touch $@

deps-python: $(VENV)/.installed
deps-node: node_modules/.installed

# Debian packages the tests need: Chromium for Playwright (end-to-end), PostgreSQL for the storage
# tests on both backends, DejaVu for the MED document's PDF (the font it embeds; the bot needs it
# too), poppler-utils for the tests that read that PDF back (pdftotext, pdftoppm). The suite starts its own throwaway server from
# /usr/lib/postgresql/<version>/bin (tests/support/postgres.py); the system cluster is not used.
deps-system:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

run: deps-python deps-node
	BOT_DEV_MODE=true $(BIN)/trivselsbot migrate
	$(BIN)/trivselsbot dev

test: deps-python deps-node deps-system
	$(BIN)/ruff check bot dialogs storage manifest tests bench
	$(BIN)/ruff format --check bot dialogs storage manifest tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	# The two halves at once, each printed whole when it ends: the end-to-end tests mostly wait on
	# the Playground and Chromium, so they fit beside the other tests' two workers.
	$(MAKE) --no-print-directory -j2 --output-sync=target test-suite test-e2e

# Two workers for everything but the end-to-end tests.
test-suite: deps-python deps-node deps-system
	$(BIN)/pytest -q -n 2 -m "not e2e"

# The end-to-end tests in one process, one module after another: each module starts a bot, the
# Playground and Chromium, and its tests read the state its earlier tests left.
test-e2e: deps-python deps-node deps-system
	$(BIN)/pytest -q -m e2e

# `make bench`: each module prints its own table (figures depend on the machine; nothing asserted).
# Append further benchmarks to this list: BENCHES += bench.something
# Not here: bench.soak (15 minutes with the push's tail; run `.venv/bin/python -m bench.soak`, docs/performance.md).
BENCHES := bench.submissions bench.answer_writes bench.round_close bench.fanout bench.summaries bench.tab_heatmap

bench: deps-python deps-system
	@set -e; for module in $(BENCHES); do echo "== $$module"; $(PY) -m $$module; echo; done

test-fast: deps-python
	$(BIN)/pytest -q -m "not e2e and not packaging"

package: deps-python
	$(PY) -m manifest.build --app-id "$${MicrosoftAppId:?set MicrosoftAppId to the bot's app id}"

# Figures, not tests: each prints what it measured (docs/performance.md). Slow; not part of `test`.

clean:
	rm -rf $(VENV) node_modules data manifest/build .pytest_cache .mypy_cache .ruff_cache
