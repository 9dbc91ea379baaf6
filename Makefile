# 智慧杨 — two commands: `make run` (set up and start everything) and `make test`.
# Everything installs from the package registries into the project folder.

SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
APP_PY := .venv/bin/python
RASA_PY := .venv-rasa/bin/python
RASA := $(RASA_PY) bot/rasa_cli.py
PY310 ?= $(firstword $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.10.*/bin/python3.10) $(shell command -v python3.10 2>/dev/null))
BOOTSTRAP_PY ?= python3

DEMO_STATIONS := registry/demo_divisions.csv
SHARED_STATIONS := ../shared/data/jiulongpo_divisions.csv
STATIONS_FILE ?= $(if $(wildcard $(SHARED_STATIONS)),$(SHARED_STATIONS),$(DEMO_STATIONS))
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
MODEL := models/zhihuiyang.tar.gz
# The charting library the staff workbench draws with, from the npm lock file (never a CDN).
ECHARTS := api/web/static/vendor/echarts.min.js
# The browser tests drive Debian's Chromium (never a downloaded browser).
CHROMIUM ?= /usr/bin/chromium
BROWSER_PACKAGES := chromium fonts-wqy-microhei fonts-noto-color-emoji
# Tests that run inside the Rasa environment (Python 3.10).
RASA_ENV_TESTS := tests/bot tests/nlu

export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false

.PHONY: help setup run test test-app test-bot browser-deps lint format model db lock bench faults clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	$(BOOTSTRAP_PY) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	@touch $@

.venv-rasa/.synced: bot/requirements.lock | $(UV)
	@test -n "$(PY310)" || { echo "Python 3.10 is needed for Rasa 3.6 (pyenv or python3.10 on PATH)"; exit 1; }
	$(UV) venv --quiet --allow-existing --python $(PY310) .venv-rasa
	$(UV) pip sync --quiet --python $(RASA_PY) bot/requirements.lock
	@touch $@

$(ECHARTS): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(@D)
	cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE $(@D)/
	@touch $@

setup: .venv/.synced .venv-rasa/.synced $(ECHARTS) ## create both environments and the web packages

model: .venv-rasa/.synced ## train the Rasa model if data/, config.yml or the domain changed
	$(RASA_PY) bot/train_model.py

db: .venv/.synced ## migrate the database and load the station registry
	.venv/bin/laoyang db upgrade
	.venv/bin/laoyang stations import $(STATIONS_FILE)

run: setup model db ## set up and start the whole system (Ctrl-C stops it)
	.venv/bin/laoyang run

test: setup model test-bot test-app ## set up and pass every test

test-bot: .venv-rasa/.synced
	$(RASA) data validate --domain bot/domain.yml --data data --config config.yml --fail-on-warnings
	$(RASA) test core --model $(MODEL) --stories tests/bot --fail-on-prediction-errors --out var/results/core
	$(RASA_PY) -m pytest -q $(wildcard $(RASA_ENV_TESTS)) -p no:cacheprovider --confcutdir tests/bot \
		-p tests.strict_ci

browser-deps: ## Chromium and fonts for the browser tests (Debian packages, only when missing)
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "== installing $(BROWSER_PACKAGES) for the browser tests =="; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $(BROWSER_PACKAGES) >/dev/null; } \
		|| echo "!!!!! could not install Chromium: the browser tests will be SKIPPED !!!!!"; \
	else echo "!!!!! no Chromium at $(CHROMIUM) and apt is not usable: the browser tests will be SKIPPED !!!!!"; fi
	@if [ -n "$$CI" ] && [ ! -x "$(CHROMIUM)" ]; then echo "CI: no Chromium at $(CHROMIUM)"; exit 1; fi

# Under CI (`CI` set) a skipped test, a missing Chromium or an unreachable PostgreSQL
# fails the run; the ten slowest tests are listed to keep the time in view.
APP_PYTEST := $(APP_PY) -m pytest -q tests $(RASA_ENV_TESTS:%=--ignore=%) -p tests.strict_ci
PG_PYTEST := TEST_DATABASE_URL=$(PG_TEST_URL) $(APP_PYTEST) --durations=15 -m "not browser and not retrain and not processes"

# The PostgreSQL pass (what depends on the database: not the browser, not retraining,
# not the process tests) runs beside the SQLite pass, not after it: both spend much of
# their time waiting on processes and sockets, and every session has its own schema,
# files and ports. Its output is printed when both are done.
test-app: .venv/.synced $(ECHARTS) browser-deps
	@pg_log=$$(mktemp); pg_pid=; \
	if $(APP_PY) -c "import psycopg; psycopg.connect('$(subst +psycopg,,$(PG_TEST_URL))', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== on SQLite, and on PostgreSQL at the same time (its output follows) =="; \
		$(PG_PYTEST) > $$pg_log 2>&1 & pg_pid=$$!; \
	elif [ -n "$$CI" ]; then echo "CI: PostgreSQL not reachable at $(PG_TEST_URL)"; exit 1; \
	else echo "PostgreSQL not reachable at $(PG_TEST_URL): PostgreSQL run skipped"; fi; \
	$(APP_PYTEST) --durations=15; sqlite=$$?; pg=0; \
	if [ -n "$$pg_pid" ]; then \
		wait $$pg_pid; pg=$$?; \
		echo "== the same on PostgreSQL =="; cat $$pg_log; \
	fi; rm -f $$pg_log; \
	[ $$sqlite = 0 ] && [ $$pg = 0 ]

lint: .venv/.synced ## ruff and mypy
	$(APP_PY) -m ruff check .
	$(APP_PY) -m ruff format --check .
	$(APP_PY) -m mypy

format: .venv/.synced ## apply ruff's formatting and fixes
	$(APP_PY) -m ruff format .
	$(APP_PY) -m ruff check --fix .

# `make bench QUICK=1` checks the tooling in about 5 minutes (figures not to be quoted);
# `BENCH_PG=$(PG_TEST_URL)` also files on PostgreSQL, in a database of its own.
bench: setup model ## chat, parse, memory, filing and dispatch figures into results/bench/ (~20 min)
	$(APP_PY) bench/run_all.py$(if $(QUICK), --quick)$(if $(BENCH_PG), --pg $(BENCH_PG))

# Each scenario in turn (a few minutes each, its time printed); FAULTS="a b" runs some.
FAULTS ?= app_kill chat_app_kill rasa_kill pg_restart db_readonly webhook_down

faults: setup model ## fault scenarios on the real processes, figures into results/faults/
	@failed=""; for scenario in $(FAULTS); do \
		echo "== faults.$$scenario =="; started=$$(date +%s); \
		$(APP_PY) -m faults.$$scenario || failed="$$failed $$scenario"; \
		echo "== faults.$$scenario: $$(( $$(date +%s) - started )) s =="; \
	done; \
	if [ -n "$$failed" ]; then echo "!!!!! failed:$$failed !!!!!"; exit 1; fi

.PHONY: eval eval-ci eval-blind eval-dialogues

# The blind sets (copied in by hand, never committed) and the name of a run's results
# (results/blind/<set>-<label>.json), e.g. `make eval-blind LABEL=final BLIND_DIR=/tmp/set`;
# `make eval-dialogues KIND=ordinary WORKERS=2` plays one kind, two at a time.
BLIND_DIR ?= eval/blind
BLIND_MESSAGES := $(BLIND_DIR)/messages.jsonl
BLIND_CONVERSATIONS := $(BLIND_DIR)/conversations.json
EVAL_MODEL := var/eval/model/nlu-eval.tar.gz
WORKERS ?= 4

eval: .venv-rasa/.synced ## NLU evaluation: train afresh, score DIET, the baseline and the blind messages
	$(RASA_PY) -m eval.run
	@if [ -f $(BLIND_MESSAGES) ]; then \
		echo "== blind messages on the model just trained =="; \
		$(RASA_PY) -m eval.blind_messages --model $(EVAL_MODEL) --file $(BLIND_MESSAGES) \
			--label $(or $(LABEL),eval); \
	else echo "no blind message set at $(BLIND_MESSAGES): blind scoring skipped"; fi

eval-blind: .venv-rasa/.synced ## score the blind message set on the current model into results/blind/
	$(RASA_PY) -m eval.blind_messages --model $(MODEL) --file $(BLIND_MESSAGES) \
		--label $(or $(LABEL),current)

eval-dialogues: setup model ## play the blind conversations on a private running system into results/blind/
	$(APP_PY) -m eval.dialogues --model $(MODEL) --file $(BLIND_CONVERSATIONS) \
		--label $(or $(LABEL),current) --workers $(WORKERS)$(if $(KIND), --only-kind $(KIND))

eval-ci: .venv-rasa/.synced ## quick NLU evaluation of the current model against eval/thresholds.json
	$(RASA_PY) -m pytest -q tests/nlu/test_test_set.py -p no:cacheprovider --confcutdir tests/nlu
	$(RASA_PY) -m eval.run --quick --model $(MODEL)

lock: $(UV) ## refresh both lock files from pyproject.toml and bot/requirements.in
	$(UV) lock
	$(UV) pip compile --quiet bot/requirements.in --python-version 3.10 \
		--python-platform x86_64-unknown-linux-gnu -o bot/requirements.lock

clean: ## remove environments, models and local data
	rm -rf .venv .venv-rasa $(TOOLS) models var .mypy_cache .ruff_cache .pytest_cache node_modules $(dir $(ECHARTS))
