# 一网 — one command for each of run / test / lint / bench.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export YIWANG_DATA_DIR ?= $(CURDIR)/data

.PHONY: run test test-fast screenshots lint bench env node clean-data browsers

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || { PYBIN=$$(scripts/find-python) && $$PYBIN -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

env: $(VENV)/.installed node

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The dashboard's ECharts: only the parts it uses, bundled from the locked npm package.
ECHARTS_DASHBOARD := node_modules/.yiwang/echarts-dashboard/echarts-dashboard.min.js
$(ECHARTS_DASHBOARD): node_modules/.installed src/yiwang/dashboards/frontend/echarts-dashboard.js
	node_modules/.bin/esbuild src/yiwang/dashboards/frontend/echarts-dashboard.js --bundle --minify \
	  --format=iife --legal-comments=none --define:process.env.NODE_ENV='"production"' \
	  --log-level=warning --outfile=$@

node: node_modules/.installed $(ECHARTS_DASHBOARD)

## make run — environment, migrations, demo network, production server on 127.0.0.1:$(PORT)
run: env
	@mkdir -p $(YIWANG_DATA_DIR)
	@test -s $(YIWANG_DATA_DIR)/secret_key || $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > $(YIWANG_DATA_DIR)/secret_key
	@export SECRET_KEY=$$(cat $(YIWANG_DATA_DIR)/secret_key) DJANGO_SETTINGS_MODULE=yiwang.settings.production HTTPS=$${HTTPS:-false}; \
	  $(VENV)/bin/yiwang migrate --noinput -v 0 && \
	  $(VENV)/bin/yiwang collectstatic --noinput -v 0 && \
	  $(VENV)/bin/yiwang demo && \
	  PORT=$(PORT) $(VENV)/bin/yiwang serve

## make test — the whole suite (SQLite by default; DATABASE_URL=postgres://… for PostgreSQL)
test: env
	$(PY) -m pytest $(PYTEST_ARGS)

## make screenshots — the browser tests, writing the pictures in docs/screenshots/ (make test leaves them alone)
screenshots: env
	YIWANG_SCREENSHOTS=1 $(PY) -m pytest -m browser $(PYTEST_ARGS)

test-fast: env
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

## make lint — ruff (rules and formatting), the import contracts, and no missing migrations
lint: env
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=yiwang.settings.test $(PY) -m django makemigrations --check --dry-run

bench: env
	$(PY) bench/run_all.py

clean-data:
	rm -rf $(YIWANG_DATA_DIR)
