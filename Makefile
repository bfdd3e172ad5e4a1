# Two entry points: `make run` (Weft with demo data) and `make test` (every test suite).
# Each sets up everything it needs from nothing but Python 3.11, Node/npm and apt.
SHELL := /bin/bash
PY := .venv/bin/python
PORT ?= 5000
export WEFT_PORT := $(PORT)

.PHONY: run test setup venv vendor migrate demo chromium lint bench clean

run: setup migrate demo
	@echo ""
	@echo "  Weft is starting on http://127.0.0.1:$(PORT)"
	@echo "  Demo logins: admin@northwind.example, manager@northwind.example, user@northwind.example, readonly@northwind.example"
	@echo "               (and admin@acme.example, admin@globex.example); password: Weft!demo1"
	@echo ""
	.venv/bin/honcho start

test: setup chromium
	bash scripts/test.sh

setup: venv vendor

venv: .venv/.installed
.venv/.installed: requirements.txt
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

vendor: static/vendor/.installed
static/vendor/.installed: package.json package-lock.json scripts/copy-vendor.mjs
	npm ci --no-audit --no-fund --loglevel=error
	node scripts/copy-vendor.mjs
	touch $@

migrate: venv
	.venv/bin/flask --app app db upgrade

demo: migrate
	.venv/bin/flask --app app seed-demo

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: venv
	.venv/bin/ruff check .

bench: setup
	$(PY) bench/run_throughput.py

clean:
	rm -rf .venv node_modules static/vendor
