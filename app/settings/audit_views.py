"""Settings → audit logs: who did what and when, filtered, paged and downloadable as CSV (administrators)."""
from __future__ import annotations

from flask import Response, request, stream_with_context
from wtforms.fields import SelectChoice

from app import htmx
from app.settings import audit_log
from app.settings.forms import AuditFilterForm
from app.settings.views import bp
from app.tenancy import requires
from app.timeutil import utcnow

FILTER_KEYS = ("user", "action", "start", "end")


def _filters() -> tuple[AuditFilterForm, audit_log.Filters, bool]:
    form = AuditFilterForm(request.args)
    form.user.choices = [SelectChoice("", "—"), *(SelectChoice(v, label) for v, label in audit_log.user_choices())]
    form.action.choices = [SelectChoice("", "—"),
                           *(SelectChoice(v, label) for v, label in audit_log.action_choices())]
    valid = form.validate()
    user_id = form.user.data if (form.user.data or "").isdigit() else None
    filters = audit_log.Filters(user_id=int(user_id) if user_id else None, action=form.action.data or None,
                                start=form.start.data if valid else None, end=form.end.data if valid else None)
    return form, filters, valid


@bp.route("/audit")
@requires("audit", "view")
def audit():
    form, filters, valid = _filters()
    number = request.args.get("page", "1")
    result = audit_log.page(filters, int(number) if number.isdigit() else 1)
    # Only the filter fields go back into links: url_for would treat other keys (_scheme, …) as options.
    args = {k: v for k, v in request.args.items() if k in FILTER_KEYS and v}
    return htmx.render("settings/audit.html", block="audit_results", status=200 if valid else 422, form=form,
                       result=result, args=args, label=audit_log.action_label)


@bp.route("/audit.csv")
@requires("audit", "view")
def audit_csv():
    _form, filters, _valid = _filters()
    name = f"weft-audit-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(stream_with_context(audit_log.csv_rows(filters)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
