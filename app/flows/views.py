"""Process flow pages: the list, one flow, and starting a run."""
from __future__ import annotations

from flask import Blueprint, flash, url_for

from app import htmx
from app.flows import queries, shapes
from app.flows.forms import RunWithPayloadForm
from app.flows.models import Flow
from app.runs import queries as run_queries
from app.runs import services as run_services
from app.tenancy import get_or_404, requires

bp = Blueprint("flows", __name__, url_prefix="/flows")


@bp.route("/")
@requires("flows", "view")
def index():
    return htmx.render("flows/index.html", flows=queries.all_flows())


@bp.route("/<int:flow_id>")
@requires("flows", "view")
def detail(flow_id: int):
    flow = get_or_404(Flow, flow_id)
    version = flow.deployed or flow.draft
    return htmx.render("flows/detail.html", flow=flow, version=version, shapes=shapes,
                       runs=run_queries.page(flow_id=flow.id, limit=10), form=RunWithPayloadForm())


@bp.route("/<int:flow_id>/run", methods=["POST"])
@requires("flows", "run")
def run(flow_id: int):
    flow = get_or_404(Flow, flow_id)
    form = RunWithPayloadForm()
    if not form.validate():
        version = flow.deployed or flow.draft
        return htmx.render("flows/detail.html", block="run_form", status=422, flow=flow, version=version,
                           shapes=shapes, runs=[], form=form)
    payload = form.payload.data if form.payload.data and form.payload.data.strip() else None
    try:
        started = run_services.start_run(flow, trigger="manual", payload=payload, fmt=form.format.data)
    except run_services.RunError as exc:
        flash(str(exc), "danger")
        return htmx.redirect(url_for("flows.detail", flow_id=flow.id))
    return htmx.redirect(url_for("runs.detail", run_id=started.id))
