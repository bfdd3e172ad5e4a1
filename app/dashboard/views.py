"""The dashboard, plus the navigation areas whose issues have not landed yet."""
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


@bp.route("/marketplace/")
@requires("marketplace", "view")
def marketplace():
    return htmx.render("settings/placeholder.html", title="Marketplace", icon="bi-shop",
                       text="Browse connectors and process flow blueprints to install into your company.")


@bp.route("/connectors/")
@requires("connectors", "view")
def connectors():
    return htmx.render("settings/placeholder.html", title="Connectors & instances", icon="bi-plug",
                       text="Installed connectors and the instances that hold your credentials appear here.")


