"""Run logs: the list (filters, live rows, chart, bulk retry), stopping and retrying runs, the live stream.

The run page, its tabs and the downloads are in detail_views.py, on this same blueprint.
"""
from __future__ import annotations

from flask import Blueprint, Response, flash, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app import htmx
from app.runs import queries, retry, services, stream
from app.runs.models import Run
from app.runs.queries import TRIGGER_LABELS, RunFilter
from app.tenancy import get_or_404, requires

bp = Blueprint("runs", __name__, url_prefix="/runs")


def _list_context(filters: RunFilter) -> dict:
    before = request.args.get("before", type=int)
    after = request.args.get("after", type=int)
    result = queries.list_page(filters, before=before, after=after)
    cursor = {"before": before} if before else ({"after": after} if after else {})
    return {"filters": filters, "args": filters.as_args(), "page": result, "runs": result.runs,
            "flows": queries.flows(), "statuses": queries.STATUSES, "triggers": TRIGGER_LABELS,
            "rows_args": {**filters.as_args(), **cursor}, "stopping": _stopping(result.runs)}


def _stopping(runs: list[Run]) -> set[int]:
    return {run.id for run in runs if not run.is_final and services.stop_requested(run.id)}


@bp.route("/")
@requires("runs", "view")
def index():
    return htmx.render("runs/index.html", block="run_results", **_list_context(RunFilter.from_args(request.args)))


@bp.route("/rows")
@requires("runs", "view")
def rows():
    """The rows of the list as it is on screen: polled every ~2 s while one of them is still going."""
    context = _list_context(RunFilter.from_args(request.args))
    response = htmx.render("runs/index.html", block="run_rows", **context)
    if htmx.is_fragment() and not context["page"].any_active:
        response.status_code = 286  # htmx stops polling
    return response


@bp.route("/chart")
@requires("runs", "view")
def chart():
    filters = RunFilter.from_args(request.args)
    if not htmx.is_fragment():
        return index()  # the chart lives on the list page
    return htmx.render("runs/index.html", block="run_chart", args=filters.as_args(),
                       chart=queries.filtered_daily_counts(filters))


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
    run = get_or_404(Run, run_id)
    services.request_stop(run, actor=current_user)
    if request.form.get("from") == "list":
        return htmx.render("runs/_run_row.html", run=run, triggers=TRIGGER_LABELS, stopping=_stopping([run]))
    return htmx.redirect(url_for("runs.detail", run_id=run_id))


@bp.route("/<int:run_id>/retry", methods=["POST"])
@requires("runs", "control")
def retry_run(run_id: int):
    run = get_or_404(Run, run_id)
    from_step = request.form.get("from_step") == "1"
    try:
        started = retry.retry(run, from_step=from_step, actor=current_user)
    except services.RunError as exc:
        flash(str(exc), "danger")
        return htmx.redirect(url_for("runs.detail", run_id=run.id))
    if from_step:
        flash(_("Run #%(id)s is being retried from the step '%(step)s' as run #%(new)s.", id=run.id, new=started.id,
                step=retry.failed_step_label(run, started.retry_from_step)), "success")
    else:
        flash(_("Run #%(id)s is being retried as run #%(new)s.", id=run.id, new=started.id), "success")
    return htmx.redirect(url_for("runs.detail", run_id=started.id))


@bp.route("/retry", methods=["GET", "POST"])
@requires("runs", "control")
def retry_many():
    """GET: how many failed runs the filters match, with a confirm button. POST: retry them."""
    filters = RunFilter.from_args(request.values)
    if request.method == "GET":
        count = queries.count_matching(filters, status="failure", cap=retry.BULK_LIMIT + 1)
        return htmx.render("runs/retry_many.html", block="retry_confirm", filters=filters, args=filters.as_args(),
                           count=min(count, retry.BULK_LIMIT), more=count > retry.BULK_LIMIT, triggers=TRIGGER_LABELS,
                           flows={f.id: f.name for f in queries.flows()})
    result = retry.retry_many(filters, actor=current_user)
    if result.started:
        flash(ngettext("%(num)s failed run queued for a retry.", "%(num)s failed runs queued for a retry.",
                       len(result.started)), "success")
    if result.skipped:
        flash(_("Not retried: %(which)s.", which="; ".join(f"{n} ({reason})" for reason, n in result.skipped.items())),
              "warning")
    if not result.started and not result.skipped:
        flash(_("No failed runs match these filters."), "info")
    if result.more:
        flash(_("Only the newest %(num)s were retried; retry again for the rest.", num=retry.BULK_LIMIT), "info")
    return htmx.redirect(url_for("runs.index", **{**filters.as_args(), "trigger": "retry", "status": ""}))


from app.runs import detail_views  # noqa: E402,F401  (registers the run page's routes on bp)
