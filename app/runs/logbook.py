"""Writes run log rows and tells live viewers about them.

The worker publishes facts (rows were written, a status changed); the web side renders them, so
url_for, the viewer's permissions and time zone all work in the stream.

Rows are handed to a writer thread that inserts them in small batches on its own connection: a
run's steps never wait for a commit per log line, and viewers still see rows within ~20–40 ms. A run
flushes the writer (writing what is left itself) before its final status is committed, so a finished
run always has all its rows.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import insert

from app.extensions import db, get_redis
from app.flows.context import Bucket
from app.runs import exchanges, payloads
from app.runs.models import Run, RunLog
from app.runs.payloads import PayloadStore, bucket_body, preview
from app.timeutil import utcnow

log = logging.getLogger(__name__)
BATCH_WINDOW_SECONDS = 0.02
BATCH_WINDOW = timedelta(seconds=BATCH_WINDOW_SECONDS)
MAX_BATCH = 500
INLINE_KEY = "inline_payload"  # a row's small payload body, popped before the row is inserted


def channel(run_id: int) -> str:
    return f"weft:runs:{run_id}"


def store() -> PayloadStore:
    return PayloadStore(f"{current_app.config['INSTANCE_PATH']}/payloads")


def publish(run_id: int, pipeline=None, **fact) -> None:
    (pipeline or get_redis()).publish(channel(run_id), json.dumps(fact))


class LogWriter:
    """One per worker process: a daemon thread that batches RunLog inserts and announces them.

    Rows wait in a deque; the thread sleeps until a row arrives while it is idle (one wake-up per
    batch, not per row: waking it per line cost ~5 % of a worker), then every window writes the rows
    older than the window. flush() writes what is pending in the caller's thread, under the same lock,
    so rows stay in order and a short run writes all its rows itself, with no thread hand-over."""

    def __init__(self, app: Flask):
        self.engine = db.engine
        self.redis = get_redis(app)
        self.rows: deque[dict] = deque()
        self.lock = threading.Lock()  # one batch at a time, so rows are inserted in the order submitted
        self.wake = threading.Event()
        self.idle = False
        self.error: Exception | None = None
        threading.Thread(target=self._loop, name="weft-log-writer", daemon=True).start()

    @classmethod
    def for_app(cls, app: Flask) -> LogWriter:
        writer = app.extensions.get("weft_log_writer")
        if writer is None:
            writer = app.extensions["weft_log_writer"] = cls(app)
        return writer

    def submit(self, row: dict) -> None:
        self.rows.append(row)
        if self.idle:  # appended first, checked second: the writer, which does the reverse, cannot miss it
            self.idle = False
            self.wake.set()

    def flush(self, pipeline=None) -> None:
        """Write every submitted row now (announced on `pipeline` if given, when the caller executes it);
        re-raise a failure of the writer."""
        with self.lock:
            self._write_pending(pipeline)
        self._raise_kept_error()

    def write_into(self, conn, pipeline) -> None:
        """Insert every submitted row on the caller's connection, in its transaction (the run's final
        status commits them: one commit fewer per run), announced on `pipeline`; re-raise a failure of
        the writer. One run at a time per worker process, so the rows pending are all this run's."""
        with self.lock:
            rows, self.rows = list(self.rows), deque()
            if rows:
                _insert(conn, rows)
                _announce(rows, pipeline)
        self._raise_kept_error()

    def _raise_kept_error(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise RuntimeError(f"run log rows could not be written: {error}") from error

    def _loop(self) -> None:
        while True:
            if not self.rows:
                self.idle = True
                if not self.rows:
                    self.wake.wait()
                self.wake.clear()
                self.idle = False
            time.sleep(BATCH_WINDOW_SECONDS)  # let the next few milliseconds' rows join the batch
            # Only rows older than the window: a short run writes its own rows when it flushes, and
            # the thread would only contend with it for the lock and the GIL.
            cutoff = utcnow() - BATCH_WINDOW
            try:
                due = self.rows[0]["created_at"] <= cutoff
            except IndexError:  # the run flushed them meanwhile
                continue
            if due:
                with self.lock:
                    self._write_pending(until=cutoff)

    def _write_pending(self, pipeline=None, until: datetime | None = None) -> None:
        """Insert the pending rows (created up to `until`, if given; the caller holds the lock); a failure
        is kept for flush() to raise in the job that owns the rows."""
        rows = self.rows
        while rows and (until is None or rows[0]["created_at"] <= until):
            batch = []
            while rows and len(batch) < MAX_BATCH and (until is None or rows[0]["created_at"] <= until):
                batch.append(rows.popleft())
            try:
                with self.engine.begin() as conn:
                    if conn.dialect.name == "postgresql":
                        # Log lines need not wait for the disk: a crash can lose the last few
                        # milliseconds of lines, never corrupt them; run statuses stay durable.
                        conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                    _insert(conn, batch)
                _announce(batch, pipeline or self.redis)
            except Exception as exc:
                log.exception("writing %d run log rows failed", len(batch))
                self.error = exc


def _announce(rows: list[dict], redis) -> None:
    """Tell each run's viewers that it has new log rows (on a pipeline: once the caller executes it)."""
    for run_id in {row["run_id"] for row in rows}:
        redis.publish(channel(run_id), '{"log": 1}')


def _insert(conn, rows: list[dict]) -> None:
    """Log rows and the small payload bodies they carry (app.runs.payloads.inline_row)."""
    bodies = [row.pop(INLINE_KEY) for row in rows if INLINE_KEY in row]
    if bodies:
        conn.execute(payloads.INSERT_ROWS, bodies)
    conn.execute(insert(RunLog.__table__), rows)


class Logbook:
    """One per run: stores each step's output bucket and queues the run's log rows."""

    def __init__(self, run: Run):
        self.run_id = run.id
        self.company_id = run.company_id
        self.seq = 0
        self.preview_bytes = current_app.config["PAYLOAD_PREVIEW_BYTES"]
        self.store = store()
        self.writer = LogWriter.for_app(current_app._get_current_object())
        self.exchanges = exchanges.Allowance()

    def __call__(self, level: str, message: str, step: dict | None = None, bucket: Bucket | None = None,
                 exchange: dict | None = None) -> None:
        row = {"run_id": self.run_id, "company_id": self.company_id, "level": level, "message": message[:10_000],
               "created_at": utcnow(), "step_id": None, "step_label": None, "payload_ref": None,
               "payload_size": None, "payload_count": None, "payload_preview": None, "exchange": exchange}
        if step is not None:
            from app.flows.engine import step_label

            row["step_id"] = str(step.get("id", ""))[:40]
            row["step_label"] = step_label(step)[:120]
        if bucket is not None:
            self.seq += 1
            body = bucket_body(bucket)
            name = f"{self.seq:04d}-{row['step_id'] or 'run'}.dat"
            inline = payloads.inline_row(self.company_id, self.run_id, name, body)
            if inline is None:
                row["payload_ref"] = self.store.put(self.company_id, self.run_id, name, body)
            else:  # written by the log writer, in the transaction of this row
                row["payload_ref"], row[INLINE_KEY] = inline["ref"], inline
            row["payload_size"] = len(body)
            row["payload_count"] = len(bucket)
            row["payload_preview"] = preview(body, self.preview_bytes)
        self.writer.submit(row)

    def log_exchange(self, level: str, message: str, exchange: dict, step: dict | None = None) -> None:
        """A connector's line about one HTTP request, with the masked request and response kept beside it
        for the Requests and Responses tabs, within each step's allowance (exchanges.Allowance)."""
        key = str((step or {}).get("id", ""))
        self(level, message, step=step, exchange=self.exchanges.keep(key, exchange))

    def flush(self, pipeline=None) -> None:
        self.writer.flush(pipeline)

    def write_into(self, conn, pipeline) -> None:
        self.writer.write_into(conn, pipeline)
