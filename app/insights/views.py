"""Notification groups page (settings → notification groups): list, add, edit, delete. Admins only."""
from __future__ import annotations

from flask import Blueprint, flash, g, request, url_for
from flask_babel import gettext

from app import htmx
from app.accounts.models import User
from app.extensions import db
from app.insights import notifications
from app.insights.forms import NotificationGroupForm
from app.insights.models import NotificationGroup
from app.tenancy import get_or_404, requires, scoped

bp = Blueprint("insights", __name__, url_prefix="/settings/notifications")


def _user_emails() -> list[str]:
    return [e.lower() for e in db.session.execute(scoped(User).with_only_columns(User.email)
                                                   .order_by(User.email)).scalars()]


def _form(group: NotificationGroup | None = None, **kwargs) -> NotificationGroupForm:
    user_emails = _user_emails()
    form = NotificationGroupForm(user_emails=user_emails, **kwargs)
    if group is not None and not form.is_submitted():
        form.name.data = group.name
        form.users.data = [e for e in group.emails if e in user_emails]
        form.emails.data = "\n".join(e for e in group.emails if e not in user_emails)
    return form


def _page(form: NotificationGroupForm, group: NotificationGroup | None = None, status: int = 200):
    return htmx.render("insights/groups.html", block="group_form", status=status, form=form, group=group,
                       groups=notifications.groups())


@bp.route("/")
@requires("settings", "edit")
def index():
    return _page(_form())


@bp.route("/new", methods=["POST"])
@requires("settings", "edit")
def create():
    return _save(None)


@bp.route("/<int:group_id>", methods=["GET", "POST"])
@requires("settings", "edit")
def edit(group_id: int):
    group = get_or_404(NotificationGroup, group_id)
    if request.method == "POST":
        return _save(group)
    return _page(_form(group), group)


def _save(group: NotificationGroup | None):
    form = _form(group)
    if form.validate():
        try:
            saved = notifications.save_group(g.company.id, form.name.data, form.addresses, group)
        except notifications.GroupError as exc:
            form.name.errors = [*form.name.errors, str(exc)]
        else:
            flash(gettext("Notification group '%(name)s' saved.", name=saved.name), "success")
            return htmx.redirect(url_for("insights.index"))
    return _page(form, group, status=422)


@bp.route("/<int:group_id>/delete", methods=["POST"])
@requires("settings", "edit")
def delete(group_id: int):
    group = get_or_404(NotificationGroup, group_id)
    name = group.name
    notifications.delete_group(group)
    flash(gettext("Notification group '%(name)s' deleted.", name=name), "success")
    return htmx.redirect(url_for("insights.index"))

