"""One run: its page and tabs (logs, payloads, failed payloads, requests, responses, metadata), the
per-step table with its waterfall, stored payloads (size-capped, downloadable) and log downloads."""
from __future__ import annotations

import csv
import io
import json

from flask import Response, abort, g, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import ngettext

from app import htmx
from app.filters import when
from app.runs import exchanges, queries, retention, retry
from app.runs.logbook import store
from app.runs.models import Run, RunFailedPayload, RunLog
from app.runs.payloads import bucket_view, capped
from app.runs.queries import TRIGGER_LABELS
from app.runs.views import bp
from app.tenancy import get_or_404, requires
from app.timeutil import utcnow

TABS = {"logs": "Logs", "payloads": "Payloads", "failed": "Failed payloads", "requests": "Requests",
        "responses": "Responses", "metadata": "Metadata"}
VIEW_BYTES = 512 * 1024  # more than this is shown cut, with "download full payload"
LOG_FIELDS = ("id", "created_at", "level", "step_id", "step_label", "message", "payload_count", "payload_size",
              "payload_ref")


def _run_context(run: Run, tab: str) -> dict:
    steps = queries.steps(run)
    cutoff_hours = retention.effective(g.company).payload_hours  # the run belongs to the acting company
    return {
        "run": run, "tab": tab, "tabs": TABS, "counts": queries.counts(run), "steps": steps,
        "bars": queries.waterfall(run, steps), "related": queries.related(run), "triggers": TRIGGER_LABELS,
        **retry.options(run),
        "payloads_purged": (utcnow() - run.created_at).total_seconds() > cutoff_hours * 3600,
        "payload_hours": cutoff_hours,
    }


def _tab_data(run: Run, tab: str) -> dict:
    if tab == "logs":
        rows = queries.logs(run)
        return {"rows": rows, "last_id": rows[-1].id if rows else 0}
    if tab == "payloads":
        return {"payload_rows": queries.payload_rows(run), "input_size": _input_size(run)}
    if tab == "failed":
        return {"failed": queries.failed_payloads(run)}
    if tab in ("requests", "responses"):
        return {"exchanges": exchanges.for_run(run), "shown_limit": exchanges.SHOWN,
                "kept_per_step": exchanges.KEPT_PER_STEP, "open_id": request.args.get("open", type=int)}
    return {"input_size": _input_size(run)}


def _input_size(run: Run) -> int | None:
    return store().size(run.company_id, run.input_ref) if run.input_ref else None


@bp.route("/<int:run_id>")
@requires("runs", "view")
def detail(run_id: int):
    run = get_or_404(Run, run_id)
    return htmx.render("runs/detail.html", block="run_tab", **_run_context(run, "logs"), **_tab_data(run, "logs"))


@bp.route("/<int:run_id>/<any(payloads, failed, requests, responses, metadata, logs):tab>")
@requires("runs", "view")
def tab(run_id: int, tab: str):
    run = get_or_404(Run, run_id)
    return htmx.render("runs/detail.html", block="run_tab", **_run_context(run, tab), **_tab_data(run, tab))


@bp.route("/<int:run_id>/summary")
@requires("runs", "view")
def summary(run_id: int):
    run = get_or_404(Run, run_id)
    return htmx.render("runs/_summary.html", run=run, **retry.options(run))


@bp.route("/<int:run_id>/steps")
@requires("runs", "view")
def steps(run_id: int):
    """The per-step table and waterfall; the page refetches it when the run ends."""
    run = get_or_404(Run, run_id)
    return htmx.render("runs/detail.html", block="run_steps", **_run_context(run, "logs"))


# -- payloads -------------------------------------------------------------------------------------
def _show(run: Run, body: bytes, title: str, download_name: str, meta: dict | None = None):
    if request.args.get("download"):
        return Response(body, mimetype="application/octet-stream",
                        headers={"Content-Disposition": f'attachment; filename="run-{run.id}-{download_name}"'})
    text, cut = capped(body, VIEW_BYTES)
    return htmx.render("runs/payload.html", block="payload_body", run=run, title=title, text=text, cut=cut,
                       size=len(body), shown=VIEW_BYTES, meta=meta or {},
                       download_url=request.base_url + "?download=1")


def _read(run: Run, ref: str | None) -> bytes:
    if not ref:
        abort(404)
    try:
        return store().get(run.company_id, ref)
    except KeyError:
        abort(404)  # purged by retention, or never written


@bp.route("/<int:run_id>/logs/<int:log_id>/payload")
@requires("runs", "view")
def payload(run_id: int, log_id: int):
    row = get_or_404(RunLog, log_id)
    if row.run_id != run_id:
        abort(404)
    body = _read(row.run, row.payload_ref)
    count = ngettext("%(num)s payload", "%(num)s payloads", row.payload_count or 0)
    return _show(row.run, body, f"{row.step_label or _('Run')} · {count}", row.payload_ref.rsplit("/", 1)[-1],
                 {_("Step"): row.step_label or "—", _("Logged"): when(row.created_at), _("Message"): row.message})


@bp.route("/<int:run_id>/failed/<int:failed_id>")
@requires("runs", "view")
def failed_payload(run_id: int, failed_id: int):
    row = get_or_404(RunFailedPayload, failed_id)
    run = get_or_404(Run, run_id)
    if row.run_id != run.id:
        abort(404)
    body = _read(run, row.payload_ref)
    if row.kind == "step_input":
        body = bucket_view(body)
        title = ngettext("Input of the failed step %(step)s · %(num)s payload",
                         "Input of the failed step %(step)s · %(num)s payloads", row.payload_count or 0,
                         step=row.step_label)
    else:
        title = _("Payload caught at %(step)s", step=row.step_label)
    name = row.payload_ref.rsplit("/", 1)[-1].replace(".bucket", ".dat")
    return _show(run, body, title, name, {_("Step"): row.step_label or "—", _("Error"): row.error or "—"})


@bp.route("/<int:run_id>/input")
@requires("runs", "view")
def input_payload(run_id: int):
    run = get_or_404(Run, run_id)
    body = _read(run, run.input_ref)
    if run.input_ref.endswith(".bucket"):
        body = bucket_view(body)
    return _show(run, body, _("Input payload"), run.input_ref.rsplit("/", 1)[-1].replace(".bucket", ".dat"),
                 {_("Trigger"): TRIGGER_LABELS.get(run.trigger, run.trigger)})


# -- downloads ------------------------------------------------------------------------------------
def _row_dict(row: RunLog) -> dict:
    data = {name: getattr(row, name) for name in LOG_FIELDS}
    data["created_at"] = row.created_at.isoformat() + "Z"
    return data


@bp.route("/<int:run_id>/logs.jsonl")
@requires("runs", "view")
def logs_jsonl(run_id: int):
    run = get_or_404(Run, run_id)

    def generate():
        for row in queries.stream_logs(run):
            # JSON lines carry a connector line's request and response (masked); the CSV stays flat.
            yield json.dumps({**_row_dict(row), "exchange": row.exchange}, ensure_ascii=False) + "\n"

    return _download(generate(), run, "jsonl", "application/x-ndjson")


@bp.route("/<int:run_id>/logs.csv")
@requires("runs", "view")
def logs_csv(run_id: int):
    run = get_or_404(Run, run_id)

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(LOG_FIELDS)
        for row in queries.stream_logs(run):
            data = _row_dict(row)
            # A cell starting with = + - @ would run as a formula in a spreadsheet.
            writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in data.values()])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return _download(generate(), run, "csv", "text/csv")


def _download(chunks, run: Run, extension: str, mimetype: str) -> Response:
    return Response(stream_with_context(chunks), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="run-{run.id}-logs.{extension}"'})
