"""Weft: the application factory. Importing this package connects to nothing."""
from __future__ import annotations

import logging

from flask import Flask, g


def create_app(config: dict | None = None) -> Flask:
    from app import cli, errors, extensions, security, tenancy
    from app import config as settings

    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(settings.instance_path()))
    app.config.from_mapping(settings.from_env())
    if config:
        app.config.update(config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    extensions.init_app(app)
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


def _register_models() -> None:
    # Importing every room's models registers them on db.metadata (for Alembic and the tenancy test).
    from app.accounts import models as _accounts  # noqa: F401
    from app.companies import models as _companies  # noqa: F401
    from app.flows import models as _flows  # noqa: F401
    from app.runs import models as _runs  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from app.accounts.views import bp as accounts
    from app.dashboard.views import bp as dashboard
    from app.flows.views import bp as flows
    from app.runs.views import bp as runs
    from app.settings.views import bp as settings_bp

    for bp in (accounts, dashboard, flows, runs, settings_bp):
        app.register_blueprint(bp)
