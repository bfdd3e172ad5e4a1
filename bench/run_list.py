"""Run logs page response times with 1,000,000 runs in one company, and the query plans behind them.

    .venv/bin/python bench/run_list.py [--runs 1000000]
    .venv/bin/python bench/run_list.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

SQLite: a throwaway database file. PostgreSQL: a database named weft_bench_run_list is created on the
given server (and dropped afterwards unless --keep). Runs are bulk-inserted (executemany on SQLite,
COPY on PostgreSQL) over the last 30 days, 20 flows, 5 % failures, mixed triggers; each run gets two info
log lines and one run in 40 a warning line too (for the "has warnings" filter). Each page is then
fetched through the real app (signed in, full HTML) five times; the median is printed, with the
plan of its main query. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import io
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = "weft_bench_run_list"
TRIGGERS = ("schedule", "schedule", "schedule", "webhook", "webhook", "api", "manual", "event")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_database(url: str, drop: bool = False) -> str:
    """Create (or drop) the bench database next to the one in `url`; returns the bench database's URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(url)
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        if not drop:
            conn.execute(f"CREATE DATABASE {BENCH_DB}")
    return admin.set(database=BENCH_DB).render_as_string(hide_password=False)


def bulk_insert(db, company_id: int, flows: list, count: int, now) -> None:
    from sqlalchemy import text

    from app.runs.models import Run

    rng = random.Random(7)
    span = 30 * 86_400
    columns = ("company_id", "flow_id", "version_id", "trigger", "status", "priority", "queue", "skip_queue",
               "created_at", "started_at", "finished_at", "operations", "data_out", "payload_count", "cpu_ms")
    engine = db.engine
    chunk = 50_000
    for start in range(0, count, chunk):
        rows = []
        for i in range(start, min(count, start + chunk)):
            flow_id, version_id = flows[rng.randrange(len(flows))]
            at = now - timedelta(seconds=span * (count - i) / count)  # ids and times rise together
            status = "failure" if rng.random() < 0.05 else "success"
            rows.append((company_id, flow_id, version_id, TRIGGERS[rng.randrange(len(TRIGGERS))], status, 3, "runs",
                         False, at, at, at + timedelta(milliseconds=rng.randrange(50, 5000)), rng.randrange(0, 20),
                         rng.randrange(0, 100_000), 1, 1.5))
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                raw = conn.connection.dbapi_connection
                with raw.cursor().copy(f"COPY run ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                conn.execute(Run.__table__.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        print(f"  inserted {min(count, start + chunk):,} runs", end="\r", flush=True)
    print()
    with engine.begin() as conn:
        # Every run logs its start and end; a few a warning, which the "has warnings" filter looks for.
        for level, message, every in (("info", "Run started.", 1), ("info", "Run finished: success.", 1),
                                      ("warning", "Shop: flow step skipped.", 40)):
            conn.execute(text("INSERT INTO run_log (run_id, company_id, level, message, created_at) "
                              "SELECT id, company_id, :level, :message, created_at FROM run "
                              "WHERE company_id = :company AND id % :every = 0"),
                         {"company": company_id, "level": level, "message": message, "every": every})
        conn.exec_driver_sql("ANALYZE")


class Capture:
    """Remembers the SQL of the requests being timed, to explain the run list's main query."""

    def __init__(self):
        self.statements: list[tuple[str, object]] = []
        self.on = False

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if self.on and statement.lstrip().upper().startswith("SELECT") and "FROM run" in statement:
            self.statements.append((statement, parameters))


def explain(db, statement: str, parameters) -> str:
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS OFF) " + statement, parameters).all()
            return "\n".join("      " + r[0] for r in rows)
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        return "\n".join("      " + r[-1] for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="SQLAlchemy URL of a PostgreSQL server to create the bench database on")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL bench database")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="weft-bench-"))
    os.environ["WEFT_INSTANCE_PATH"] = str(workdir)
    database_url = _postgres_database(args.postgres) if args.postgres else f"sqlite:///{workdir / 'bench.db'}"
    os.environ["DATABASE_URL"] = database_url
    from app.redis_local import server_binary

    port = free_port()
    redis_proc = subprocess.Popen([server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", str(workdir)], stdout=subprocess.DEVNULL)
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    time.sleep(0.3)

    from sqlalchemy import event

    from app import create_app
    from app.extensions import db
    from app.runs.models import Run
    from app.timeutil import utcnow
    from tests import factories

    app = create_app({"WTF_CSRF_ENABLED": False})
    capture = Capture()
    results = []
    try:
        with app.app_context():
            db.drop_all()
            db.create_all()
            company = factories.company("Busy Ltd", tier="custom")
            other = factories.company("Neighbour Ltd")
            email = factories.user(company, role="user").email
            flows = []
            for i in range(20):
                flow = factories.flow(company, name=f"Flow {i:02d}")
                flows.append((flow.id, flow.deployed.id))
            neighbour = factories.flow(other, name="Neighbour flow")
            now = utcnow()
            started = time.perf_counter()
            print(f"inserting {args.runs:,} runs ...")
            bulk_insert(db, company.id, flows, args.runs, now)
            bulk_insert(db, other.id, [(neighbour.id, neighbour.deployed.id)], max(1, args.runs // 20), now)
            insert_seconds = time.perf_counter() - started
            ids = [i for (i,) in db.session.query(Run.id).filter(Run.company_id == company.id)
                   .order_by(Run.id.desc()).offset(int(args.runs * 0.9)).limit(1)]
            deep = ids[0] if ids else 1
            some_id = deep + 17
            flow_id = flows[3][0]
            ten_days_ago = (now - timedelta(days=10)).date()
            event.listen(db.engine, "before_cursor_execute", capture)

        client = app.test_client()
        client.post("/login", data={"email": email, "password": factories.PASSWORD})
        pages = [
            ("first page, last 7 days (default)", "/runs/"),
            ("first page, all runs", "/runs/?from="),
            (f"deep page: {int(args.runs * 0.9):,} runs back", f"/runs/?from=&before={deep}"),
            ("failed runs, all time", "/runs/?from=&status=failure"),
            ("failed runs, deep page", f"/runs/?from=&status=failure&before={deep}"),
            ("one flow, all time", f"/runs/?from=&flow={flow_id}"),
            ("webhook runs of one flow that failed", f"/runs/?from=&flow={flow_id}&trigger=webhook&status=failure"),
            ("one day, 10 days ago", f"/runs/?from={ten_days_ago}&to={ten_days_ago}"),
            ("search by run id", f"/runs/?q={some_id}"),
            ("has warnings, last 7 days", "/runs/?warnings=1"),
            ("has warnings, all time", "/runs/?from=&warnings=1"),
            ("has warnings, deep page", f"/runs/?from=&warnings=1&before={deep}"),
            ("live rows poll (htmx)", "/runs/rows?from="),
            ("chart: 30 days by status (htmx)", "/runs/chart?from="),
            ("bulk retry count (htmx)", "/runs/retry?from=&status=failure"),
        ]
        headers = {"HX-Request": "true"}
        for label, url in pages:
            fragment = "(htmx)" in label
            timings = []
            for attempt in range(6):
                capture.on, capture.statements = attempt == 5, []
                begin = time.perf_counter()
                response = client.get(url, headers=headers if fragment else {})
                elapsed = (time.perf_counter() - begin) * 1000
                if attempt:
                    timings.append(elapsed)  # the first fetch warms caches
                assert response.status_code in (200, 286), (url, response.status_code)
            capture.on = False
            main_query = next((s for s in capture.statements if "ORDER BY run.id" in s[0]
                               or "GROUP BY" in s[0] or "count(" in s[0].lower()), None)
            with app.app_context():
                plan = explain(db, *main_query) if main_query else "      (no run query)"
            results.append((label, statistics.median(timings), max(timings), plan))
    finally:
        redis_proc.terminate()
        if args.postgres and not args.keep:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            _postgres_database(args.postgres, drop=True)

    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {backend}")
    print(f"{args.runs:,} runs of one company (+{max(1, args.runs // 20):,} of another) inserted in "
          f"{insert_seconds:.1f} s")
    print("response time of the page (median of 5, signed in, rendered HTML):")
    for label, median, worst, plan in results:
        print(f"  {label:<40} {median:8.1f} ms   (max {worst:.1f} ms)")
        print(plan)


if __name__ == "__main__":
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, line_buffering=True)
    main()
