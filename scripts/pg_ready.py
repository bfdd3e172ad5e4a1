"""Exit 0 when a PostgreSQL server answers on 127.0.0.1:5432 and a weft_test database exists (created if needed)."""
import sys

try:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'weft_test'").fetchone():
            conn.execute("CREATE DATABASE weft_test")
except Exception as exc:  # any failure means "no usable PostgreSQL here"
    print(f"PostgreSQL not usable: {exc}", file=sys.stderr)
    sys.exit(1)
sys.exit(0)
