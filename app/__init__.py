"""Weft: the application factory. Importing this package connects to nothing."""
from __future__ import annotations

import importlib
import logging

from flask import Flask, g


def create_app(config: dict | None = None) -> Flask:
    from app import cli, errors, extensions, i18n, security, tenancy
    from app import config as settings

    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(settings.instance_path()))
    app.config.from_mapping(settings.from_env())
    if config:
        app.config.update(config)
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        # Only behind a known number of proxies: otherwise anyone could forge X-Forwarded-For.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    extensions.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    _register_models()
    _register_blueprints(app)

    from app.accounts.services import load_user

    extensions.login_manager.user_loader(load_user)
    app.before_request(tenancy.resolve_acting_company)

    @app.context_processor
    def template_helpers():
        return {"can": tenancy.can, "acting_company": getattr(g, "company", None), "ROLE_LABELS": tenancy.ROLE_LABELS}

    from app import filters

    filters.init_app(app)
    return app


# Each room adds its modules here, one line each.
MODEL_MODULES = (
    "app.companies.models",
    "app.accounts.models",
    "app.flows.models",
    "app.runs.models",
    "app.api.models",
    "app.insights.usage",
    "app.insights.models",
    "app.runs.tracking",
    "app.connectors.models",
    "app.audit",
    "app.scripts.models",
    "app.lookups.models",
    "app.caches.models",
)
BLUEPRINT_MODULES = (
    "app.accounts.views",
    "app.dashboard.views",
    "app.flows.views",
    "app.flows.editor_views",
    "app.flows.settings_views",
    "app.flows.panels.views",
    "app.runs.views",
    "app.runs.queue_views",
    "app.runs.tracked_views",
    "app.runs.settings_views",
    "app.api.views",
    "app.api.triggers_views",
    "app.settings.views",
    "app.insights.views",
    "app.insights.usage_views",
    "app.connectors.oauth_views",
    "app.connectors.views",
    "app.marketplace.views",
    "app.companies.views",
    "app.scripts.views",
    "app.lookups.views",
    "app.caches.views",
    "app.caches.pool_views",
)


def _register_models() -> None:
    # Importing every room's models registers them on db.metadata (for Alembic and the tenancy test).
    for name in MODEL_MODULES:
        importlib.import_module(name)


def _register_blueprints(app: Flask) -> None:
    for name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(name).bp)
