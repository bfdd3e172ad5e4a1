"""The dashboard (and the home redirect)."""
from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from app import htmx
from app.flows import queries as flow_queries
from app.runs import queries as run_queries
from app.tenancy import requires

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("accounts.login"))


@bp.route("/dashboard")
@requires("dashboard", "view")
def index():
    return htmx.render(
        "dashboard/index.html",
        flow_count=flow_queries.count_flows(),
        recent_runs=run_queries.recent(limit=8),
        daily=run_queries.daily_counts(days=14),
        status_totals=run_queries.status_totals(days=14),
    )
