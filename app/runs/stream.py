"""Server-sent events for one run: subscribe first, catch up from the page's last row, then relay.

Subscribing before reading the stored rows means a row written in between is both read and
announced; the id check drops the second copy, so a page opened mid-run neither misses nor repeats a row.

A stream outlives the request that checked the viewer's access, so each ping checks it again (the account
is still active, a team member's grant to the linked company stands, role and tier still allow it). When it
has ended, an `ended` event replaces the live part of the page with the reason, and the stream closes.
"""
from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict

from flask import current_app, g, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from app.companies import switching
from app.extensions import db, get_redis
from app.runs import live_steps, retry
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


# A row renders the same for every viewer (no per-user content in runs/_log_row.html or runs/_step_row.html),
# so each web process renders it once: fifty people watching one run cost one render per row, not fifty. The
# cache belongs to the app, and the key carries the run and the time too, so a reused id never hits.
RENDERED_KEPT = 5000


class _RenderedRows:
    def __init__(self):
        self.rows: OrderedDict[tuple, str] = OrderedDict()
        self.lock = threading.Lock()

    def html(self, key: tuple, render) -> str:
        key = (*key, str(get_locale()))  # the row's words are translated
        with self.lock:
            found = self.rows.get(key)
            if found is not None:
                self.rows.move_to_end(key)
                return found
        html = render()
        with self.lock:
            self.rows[key] = html
            while len(self.rows) > RENDERED_KEPT:
                self.rows.popitem(last=False)
        return html


def _cache() -> _RenderedRows:
    cache = current_app.extensions.get("weft_rendered_rows")
    if cache is None:
        cache = current_app.extensions.setdefault("weft_rendered_rows", _RenderedRows())
    return cache


def _row_html(row: RunLog) -> str:
    return _cache().html(("log", row.id, row.run_id, row.created_at),
                         lambda: render_template("runs/_log_row.html", row=row))


def _step_html(run_id: int, step, run_started_at) -> str:
    """A step that finished while the run goes on (live_steps), as a row of the page's step table."""
    offset_ms = max((step.started_at - run_started_at).total_seconds() * 1000, 0.0) if run_started_at else 0.0
    return _cache().html(("step", run_id, step.seq, step.started_at, run_started_at),
                         lambda: render_template("runs/_step_row.html", step=step, seq=step.seq, bar=None,
                                                 offset_ms=offset_ms))


def _ended(reason: str, company_name: str) -> str:
    """The `ended` event: replaces the page's live part (#run-live) with why the stream stopped."""
    if reason == switching.SIGNED_OUT:
        message = _("You have been signed out, so this live log has stopped.")
        link, label = url_for("accounts.login"), _("Sign in again")
    elif reason == switching.TWO_FACTOR:
        message = _("%(company)s now requires two-factor authentication, so this live log has stopped.",
                    company=company_name)
        link, label = url_for("accounts.two_factor"), _("Set up two-factor authentication")
    else:
        message = _("Your access to %(company)s has ended, so this live log has stopped.", company=company_name)
        link, label = url_for("dashboard.index"), _("Go to your dashboard")
    html = Markup('<div id="run-live"><div class="alert alert-warning d-flex gap-2 align-items-center" role="alert" '
                  'id="stream-ended" data-reason="{}"><i class="bi bi-shield-lock" aria-hidden="true"></i>'
                  '<span class="me-auto">{}</span><a class="btn btn-sm btn-outline-dark" href="{}">{}</a></div></div>')
    return sse("ended", html.format(reason, message, link, label))


def events(run: Run, after: int):
    run_id, company_id = run.id, run.company_id
    # Who is watching, as the session names them ("id:epoch"), to check their access again on each ping.
    viewer = current_user.get_id()
    company_name = g.company.name if getattr(g, "company", None) is not None else ""
    pubsub = get_redis().pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel(run_id))
    ping_every = current_app.config["SSE_PING_SECONDS"]

    started_at = run.started_at
    steps_sent = 0

    def catch_up(after_id: int) -> tuple[list[str], int]:
        rows = _rows_after(run_id, company_id, after_id)
        chunks = [sse("log", _row_html(row), row.id) for row in rows]
        return chunks, (rows[-1].id if rows else after_id)

    def step_events() -> list[str]:
        """Steps finished since the last sent, read from Redis (live_steps). A stream starts from the first
        step, as the page has none while its run goes on; the page replaces a row it has (a reconnect).
        Without an id, so the browser's Last-Event-ID stays the last log row's."""
        nonlocal steps_sent, started_at
        steps = live_steps.read(run_id, steps_sent)
        if not steps:
            return []
        if started_at is None:  # the page opened while the run was queued
            started_at = db.session.execute(select(Run.started_at).where(Run.id == run_id)).scalar_one()
        steps_sent = steps[-1].seq
        return [sse("step", _step_html(run_id, step, started_at)) for step in steps]

    def status_event(last_id: int) -> tuple[list[str], int, bool]:
        """The status fragment, preceded by any rows still unsent when the run is final: the status is
        read after the rows, so a run that finished in between would otherwise lose its last rows."""
        current = db.session.execute(select(Run).where(Run.id == run_id)).scalar_one()
        db.session.refresh(current)
        chunks: list[str] = []
        if current.is_final:  # every row is committed before a run's final status (the job flushes first)
            chunks, last_id = catch_up(last_id)
        context = retry.options(current) if current.is_final else {}
        chunks.append(sse("status", render_template("runs/_summary.html", run=current, **context)))
        return chunks, last_id, current.is_final

    def generate():
        last = after
        try:
            yield ": connected\n\n"  # some proxies hold a stream back until its first bytes arrive
            chunks, last = catch_up(last)
            yield from chunks
            yield from step_events()
            chunks, last, final = status_event(last)
            yield from chunks
            db.session.close()  # hold no database connection while idle
            if final:
                yield sse("done", "")
                return
            last_ping = time.monotonic()
            while True:
                message = pubsub.get_message(timeout=1.0)
                if message is not None:
                    fact = json.loads(message["data"])
                    # One query for every fact already waiting: a busy run announces a batch every
                    # ~20 ms, and a viewer that fell behind catches up in one read, not one per batch.
                    while (more := pubsub.get_message(timeout=0)) is not None:
                        fact.update(json.loads(more["data"]))
                    if fact.keys() - {"step"}:  # a finished step alone wrote no row
                        chunks, last = catch_up(last)
                        yield from chunks
                    if fact.get("step"):
                        yield from step_events()
                    if "status" in fact:
                        chunks, last, final = status_event(last)
                        yield from chunks
                        if final:
                            yield sse("done", "")
                            return
                    db.session.close()
                if time.monotonic() - last_ping >= ping_every:
                    reason = switching.still_allowed(viewer, company_id, "runs", "view")
                    db.session.close()
                    if reason is not None:
                        yield _ended(reason, company_name)
                        return
                    yield ": ping\n\n"
                    last_ping = time.monotonic()
        finally:
            pubsub.close()
            db.session.close()

    return generate()
