"""Settings → users: add (invite), view, update details and role, delete, restore, send a password reset."""
from __future__ import annotations

from flask import flash, g, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields import SelectChoice

from app import htmx
from app.accounts import roles, services, users
from app.accounts.errors import AccountError, DeletedAccountEmail
from app.accounts.models import User
from app.settings.forms import EditUserForm, NewUserForm
from app.settings.views import _attach, bp
from app.tenancy import ROLES, get_or_404, requires


@bp.route("/users/new", methods=["GET", "POST"])
@requires("users", "manage")
def user_new():
    form = NewUserForm()
    deleted_match = None
    if form.validate_on_submit():
        try:
            user = users.create(current_user, g.company, form.name.data, form.email.data)
        except DeletedAccountEmail as exc:
            deleted_match = exc.user
            _attach(form, exc, "email")
        except AccountError as exc:
            _attach(form, exc, "email")
        else:
            flash(_("%(name)s is added with the User role. We have emailed %(email)s a link to set a password.",
                    name=user.name, email=user.email), "success")
            return htmx.redirect(url_for("settings.index"))
    status = 422 if form.is_submitted() else 200
    return htmx.render("settings/user_new.html", block="user_form", status=status, form=form,
                       deleted_match=deleted_match)


def _edit_form(user: User, formdata=True) -> EditUserForm:
    form = EditUserForm(obj=user) if formdata else EditUserForm(obj=user, formdata=None)
    allowed = roles.grantable_roles(current_user.role)
    choices = [user.role, *[r for r in allowed if r != user.role]] if roles.can_manage(current_user.role, user.role) \
        else [user.role]
    form.role.choices = [SelectChoice(r, roles.role_name(r)) for r in choices]
    return form


def _detail(user: User, form: EditUserForm | None = None, status: int = 200, block: str | None = None,
            error: str | None = None):
    return htmx.render("settings/user_detail.html", block=block, status=status, user=user, error=error,
                       form=form or _edit_form(user, formdata=False),
                       manageable=user.id != current_user.id and roles.can_manage(current_user.role, user.role),
                       pending_links=users.pending_links(user),
                       recovery_left=services.remaining_recovery_codes(user))


@bp.route("/users/<int:user_id>")
@requires("settings", "view")
def user_detail(user_id: int):
    return _detail(get_or_404(User, user_id))


@bp.route("/users/<int:user_id>/edit", methods=["POST"])
@requires("users", "manage")
def user_update(user_id: int):
    user = get_or_404(User, user_id)
    form = _edit_form(user)
    # The role list holds only what this person may grant; a refused role still gets a clear message.
    form.role.choices = [SelectChoice(r, roles.role_name(r)) for r in ROLES]
    error = None
    if form.validate():
        try:
            changes = users.update_user(current_user, user, form.name.data, form.email.data, form.role.data)
        except AccountError as exc:
            _attach(form, exc, "name")
            error = exc.message
        else:
            flash(_("%(name)s is saved.", name=user.name) if changes else _("Nothing to save: no changes."),
                  "success")
            return htmx.redirect(url_for("settings.user_detail", user_id=user.id))
    form.role.choices = _edit_form(user, formdata=False).role.choices
    return _detail(user, form=form, status=422, block="user_form", error=error)


def _act(user_id: int, action, done: str, to_detail: bool = True):
    user = get_or_404(User, user_id)
    try:
        action(current_user, user)
    except AccountError as exc:
        flash(exc.message, "danger")
    else:
        flash(done % {"name": user.name, "email": user.email}, "success")
    target = url_for("settings.user_detail", user_id=user.id) if to_detail else url_for("settings.index")
    return htmx.redirect(target)


@bp.route("/users/<int:user_id>/delete", methods=["POST"])
@requires("users", "manage")
def user_delete(user_id: int):
    return _act(user_id, users.delete, _("%(name)s is deleted and can no longer sign in. You can restore the "
                                         "account from the users list."), to_detail=False)


@bp.route("/users/<int:user_id>/restore", methods=["POST"])
@requires("users", "manage")
def user_restore(user_id: int):
    return _act(user_id, users.restore, _("%(name)s is restored. The account stays inactive until a password is "
                                          "set: send a password reset below, or they can use \"Forgot your "
                                          "password?\"."))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@requires("users", "manage")
def user_reset_password(user_id: int):
    return _act(user_id, users.send_reset, _("We have emailed %(email)s a link to set a new password. It works "
                                             "once, for 24 hours."))
