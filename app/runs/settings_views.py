"""Settings → run logs: retention within the tier's bounds and the default failure-alert groups. Admins only."""
from __future__ import annotations

from flask import Blueprint, flash, g, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import htmx
from app.insights import notifications
from app.runs import failures, retention
from app.runs.forms import RunSettingsForm
from app.tenancy import requires

bp = Blueprint("run_settings", __name__, url_prefix="/settings/runs")


def _form() -> RunSettingsForm:
    form = RunSettingsForm()
    form.failure_groups.choices = [(group.id, group.name) for group in notifications.groups()]
    if not form.is_submitted():
        current = retention.effective(g.company)
        form.log_days.data, form.payload_hours.data, form.tracked_days.data = (
            current.log_days, current.payload_hours, current.tracked_days)
        saved = failures.settings_for(g.company.id)
        form.failure_groups.data = list(saved.failure_group_ids or []) if saved else []
    return form


def _page(form: RunSettingsForm, status: int = 200):
    return htmx.render("runs/settings.html", block="settings_form", status=status, form=form,
                       limits=retention.limits_for(g.company), defaults=retention.DEFAULTS,
                       minimum=retention.MINIMUM)


@bp.route("/", methods=["GET", "POST"])
@requires("settings", "edit")
def index():
    form = _form()
    if form.is_submitted():
        if form.validate():
            try:
                retention.save(g.company, form.log_days.data, form.payload_hours.data, form.tracked_days.data,
                               form.failure_groups.data, actor=current_user)
            except retention.RetentionError as exc:
                for name, message in exc.problems.items():
                    form[name].errors = [*form[name].errors, message]
            else:
                flash(_("Run log settings saved."), "success")
                return htmx.redirect(url_for("run_settings.index"))
        return _page(form, status=422)
    return _page(form)
