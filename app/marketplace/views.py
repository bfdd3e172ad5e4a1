"""Marketplace pages: the connectors tab (search, category filter, pages of tiles, install) and one
connector's listing; the blueprints tab says when blueprints arrive."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, request, url_for
from flask_babel import gettext

from app import htmx
from app.connectors import builder, catalog, services
from app.marketplace import listings
from app.tenancy import requires

bp = Blueprint("marketplace", __name__, url_prefix="/marketplace")


@bp.route("/")
@requires("marketplace", "view")
def index():
    listing = listings.connectors_page(g.company.id, request.args.get("q", ""), request.args.get("category", ""),
                                       request.args.get("page", 1, type=int))
    return htmx.render("marketplace/index.html", block="tiles", listing=listing, categories=catalog.categories(),
                       labels=builder.CATEGORY_LABELS, tab="connectors")


@bp.route("/connectors/<key>")
@requires("marketplace", "view")
def connector(key: str):
    definition = catalog.get(key)
    if definition is None:
        abort(404)
    installed = next((c for c in services.installed_connectors(g.company.id) if c.key == key), None)
    return htmx.render("marketplace/connector.html", definition=definition, installed=installed,
                       groups=builder.endpoint_groups(definition), labels=builder.CATEGORY_LABELS, tab="connectors")


@bp.route("/connectors/<key>/install", methods=["POST"])
@requires("connectors", "edit")
def install(key: str):
    if catalog.get(key) is None:
        abort(404)
    installed = next((c for c in services.installed_connectors(g.company.id) if c.key == key), None)
    if installed is not None:
        flash(gettext("%(name)s is already installed.", name=installed.name), "info")
        return htmx.redirect(url_for("connectors.detail", connector_id=installed.id))
    try:
        connector = services.install_connector(g.company, key)
    except services.ConnectorServiceError as exc:
        flash(" ".join(exc.problems), "danger")
        return htmx.redirect(url_for("marketplace.index"))
    flash(gettext("%(name)s is installed.", name=connector.name), "success")
    return htmx.redirect(url_for("connectors.detail", connector_id=connector.id, new=1))


@bp.route("/blueprints")
@requires("marketplace", "view")
def blueprints():
    return htmx.render("marketplace/blueprints.html", tab="blueprints")
