"""The run queue page: what waits and what runs, the workers, queue depths; cancel a waiting run."""
from __future__ import annotations

from flask import Blueprint, flash, g, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import htmx
from app.runs import queue_state, services
from app.runs.models import Run
from app.runs.queries import TRIGGER_LABELS
from app.tenancy import get_or_404, requires

bp = Blueprint("run_queue", __name__, url_prefix="/runs/queue")


@bp.route("/")
@requires("runs", "view")
def index():
    return htmx.render("runs/queue.html", block="queue_state", triggers=TRIGGER_LABELS,
                       **queue_state.snapshot(g.company))


@bp.route("/<int:run_id>/cancel", methods=["POST"])
@requires("runs", "control")
def cancel(run_id: int):
    run = get_or_404(Run, run_id)
    if run.status == "queued":
        services.request_stop(run, actor=current_user)
        flash(_("Run #%(id)s was taken out of the queue; it will not run.", id=run.id), "success")
    else:
        status = run.status_label.lower()
        flash(_("Run #%(id)s is %(status)s now, so it is no longer waiting.", id=run.id, status=status), "info")
    return htmx.redirect(url_for("run_queue.index"))
