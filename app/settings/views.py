"""Settings pages: the company profile and its users."""
from __future__ import annotations

from flask import Blueprint, g

from app import htmx
from app.accounts.models import User
from app.extensions import db
from app.tenancy import requires, scoped

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.route("/")
@requires("settings", "view")
def index():
    users = db.session.execute(scoped(User).order_by(User.name)).scalars().all()
    return htmx.render("settings/index.html", company=g.company, users=users)
