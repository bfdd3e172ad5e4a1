"""Run log pages: the list, one run, its live stream and its stored payloads."""
from __future__ import annotations

from flask import Blueprint, Response, abort, request, stream_with_context, url_for

from app import htmx
from app.runs import queries, services, stream
from app.runs.logbook import store
from app.runs.models import Run, RunLog
from app.runs.payloads import pretty
from app.tenancy import get_or_404, requires

bp = Blueprint("runs", __name__, url_prefix="/runs")


@bp.route("/")
@requires("runs", "view")
def index():
    before = request.args.get("before", type=int)
    status = request.args.get("status") or None
    runs = queries.page(before_id=before, status=status)
    return htmx.render("runs/index.html", block="run_rows", runs=runs, status=status,
                       next_before=runs[-1].id if len(runs) == queries.PAGE_SIZE else None)


@bp.route("/<int:run_id>")
@requires("runs", "view")
def detail(run_id: int):
    run = get_or_404(Run, run_id)
    rows = queries.logs(run)
    return htmx.render("runs/detail.html", run=run, rows=rows, last_id=rows[-1].id if rows else 0)


@bp.route("/<int:run_id>/summary")
@requires("runs", "view")
def summary(run_id: int):
    return htmx.render("runs/_summary.html", run=get_or_404(Run, run_id))


@bp.route("/<int:run_id>/stream")
@requires("runs", "view")
def live(run_id: int):
    run = get_or_404(Run, run_id)
    after = max(request.args.get("after", 0, type=int), request.headers.get("Last-Event-ID", 0, type=int))
    response = Response(stream_with_context(stream.events(run, after)), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx would otherwise buffer the stream
    return response


@bp.route("/<int:run_id>/stop", methods=["POST"])
@requires("runs", "control")
def stop(run_id: int):
    services.request_stop(get_or_404(Run, run_id))
    return htmx.redirect(url_for("runs.detail", run_id=run_id))


@bp.route("/<int:run_id>/logs/<int:log_id>/payload")
@requires("runs", "view")
def payload(run_id: int, log_id: int):
    row = get_or_404(RunLog, log_id)
    if row.run_id != run_id or not row.payload_ref:
        abort(404)
    try:
        body = store().get(row.company_id, row.payload_ref)
    except KeyError:
        abort(404)  # purged by retention, or never written
    if request.args.get("download"):
        filename = f"run-{run_id}-{row.payload_ref.rsplit('/', 1)[-1]}"
        return Response(body, mimetype="application/octet-stream",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    return htmx.render("runs/payload.html", block="payload_body", row=row, run=row.run, text=pretty(body))
