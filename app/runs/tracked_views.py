"""The tracked data page: which runs touched a tracked value (an order number, a SKU), and how they ended."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, g, request

from app import htmx
from app.runs import queries, retention
from app.tenancy import requires
from app.timeutil import utcnow

bp = Blueprint("tracked", __name__, url_prefix="/runs/tracked")


@bp.route("/")
@requires("runs", "view")
def index():
    days = retention.effective(g.company).tracked_days
    since = utcnow() - timedelta(days=days)
    value = (request.args.get("value") or "").strip()[:255]
    label = request.args.get("label") or None
    prefix = request.args.get("match") == "prefix"
    results = queries.tracked_search(value, since, label=label, prefix=prefix) if value else []
    return htmx.render("runs/tracked.html", block="tracked_results", labels=queries.tracked_labels(since),
                       value=value, label=label, prefix=prefix, results=results, days=days,
                       shown=queries.TRACKED_SHOWN)
