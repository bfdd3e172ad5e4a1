#!/usr/bin/env bash
# The whole test suite: lint, then every test on SQLite, then again on PostgreSQL when one answers
# on 127.0.0.1:5432 (the browser tests run once, on SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."

.venv/bin/ruff check .

.venv/bin/python -m pytest -q -p no:cacheprovider "$@"

if .venv/bin/python scripts/pg_ready.py; then
  echo "== PostgreSQL answers on 127.0.0.1:5432: running the suite on it too =="
  TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/weft_test}" \
    .venv/bin/python -m pytest -q -p no:cacheprovider --ignore=tests/browser "$@"
else
  echo "== No PostgreSQL on 127.0.0.1:5432: the PostgreSQL pass was skipped =="
fi
