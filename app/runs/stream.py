"""Server-sent events for one run: subscribe first, catch up from the page's last row, then relay.

Subscribing before reading the stored rows means a row written in between is both read and
announced; the id check drops the second copy, so a page opened mid-run neither misses nor repeats a row.
"""
from __future__ import annotations

import json
import time

from flask import current_app, render_template
from sqlalchemy import select

from app.extensions import db, get_redis
from app.runs.logbook import channel
from app.runs.models import Run, RunLog


def sse(event: str, data: str, ident: int | None = None) -> str:
    lines = [f"event: {event}"]
    if ident is not None:
        lines.append(f"id: {ident}")
    lines += [f"data: {line}" for line in data.splitlines() or [""]]
    return "\n".join(lines) + "\n\n"


def _rows_after(run_id: int, company_id: int, after: int) -> list[RunLog]:
    query = (select(RunLog).where(RunLog.run_id == run_id, RunLog.company_id == company_id, RunLog.id > after)
             .order_by(RunLog.id))
    return list(db.session.execute(query).scalars())


def events(run: Run, after: int):
    run_id, company_id = run.id, run.company_id
    pubsub = get_redis().pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel(run_id))
    ping_every = current_app.config["SSE_PING_SECONDS"]

    def catch_up(after_id: int) -> tuple[list[str], int]:
        rows = _rows_after(run_id, company_id, after_id)
        chunks = [sse("log", render_template("runs/_log_row.html", row=row), row.id) for row in rows]
        return chunks, (rows[-1].id if rows else after_id)

    def status_event():
        current = db.session.execute(select(Run).where(Run.id == run_id)).scalar_one()
        db.session.refresh(current)
        return sse("status", render_template("runs/_summary.html", run=current)), current.is_final

    def generate():
        last = after
        try:
            yield ": connected\n\n"  # some proxies hold a stream back until its first bytes arrive
            chunks, last = catch_up(last)
            yield from chunks
            chunk, final = status_event()
            yield chunk
            db.session.close()  # hold no database connection while idle
            if final:
                yield sse("done", "")
                return
            last_ping = time.monotonic()
            while True:
                message = pubsub.get_message(timeout=1.0)
                if message is not None:
                    fact = json.loads(message["data"])
                    chunks, last = catch_up(last)
                    yield from chunks
                    if "status" in fact:
                        chunk, final = status_event()
                        yield chunk
                        if final:
                            yield sse("done", "")
                            return
                    db.session.close()
                if time.monotonic() - last_ping >= ping_every:
                    yield ": ping\n\n"
                    last_ping = time.monotonic()
        finally:
            pubsub.close()
            db.session.close()

    return generate()
