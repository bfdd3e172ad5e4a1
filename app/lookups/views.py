"""Cross-reference lookup pages: the list, a new table, one table with inline rows, CSV import and export."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user

from app import csv_files, htmx
from app.lookups import csv_io, services
from app.lookups.forms import ImportForm, RowForm, TableForm
from app.lookups.models import LookupTable
from app.tenancy import get_or_404, requires

bp = Blueprint("lookups", __name__, url_prefix="/lookups")


@bp.route("/")
@requires("lookups", "view")
def index():
    return htmx.render("lookups/index.html", tables=services.all_tables())


def _settings(form: TableForm) -> dict:
    return {k: getattr(form, k).data for k in ("description", "left_label", "right_label", "directions",
                                               "default_value")}


def _attach(form, exc: services.LookupError_) -> None:
    target = getattr(form, exc.field, None) if exc.field else None
    target = target if target is not None else form.name
    target.errors = [*target.errors, str(exc)]


@bp.route("/new", methods=["GET", "POST"])
@requires("lookups", "edit")
def new():
    form = TableForm()
    if form.validate_on_submit():
        try:
            table = services.create_table(g.company, form.name.data, actor=current_user, **_settings(form))
        except services.LookupError_ as exc:
            _attach(form, exc)
        else:
            flash(gettext("Lookup “%(name)s” created. Add its values below, or import them from a CSV file.",
                          name=table.name), "success")
            return htmx.redirect(url_for("lookups.detail", table_id=table.id))
    return htmx.render("lookups/new.html", block="table_form", status=422 if form.is_submitted() else 200, form=form)


def _detail(table: LookupTable, *, block=None, status=200, form=None, row_form=None, import_form=None, report=None,
            refusal=None):
    search = request.args.get("q", "")
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = services.rows_page(table, search, page)
    if form is None:
        form = TableForm(formdata=None, obj=table)
        form.default_value.data = table.default_value or ""
    return htmx.render("lookups/detail.html", block=block, status=status, table=table, rows=rows, total=total,
                       search=search, page=page, per_page=services.ROWS_PER_PAGE, form=form,
                       row_form=row_form or RowForm(formdata=None),
                       import_form=import_form or ImportForm(formdata=None), report=report, refusal=refusal)


@bp.route("/<int:table_id>")
@requires("lookups", "view")
def detail(table_id: int):
    table = get_or_404(LookupTable, table_id)
    block = "rows" if htmx.is_fragment() and request.args.get("fragment") == "rows" else None
    return _detail(table, block=block)


@bp.route("/<int:table_id>/settings", methods=["POST"])
@requires("lookups", "edit")
def settings(table_id: int):
    table = get_or_404(LookupTable, table_id)
    form = TableForm()
    if form.validate():
        try:
            services.update_table(table, form.name.data, actor=current_user, **_settings(form))
        except services.LookupError_ as exc:
            _attach(form, exc)
        else:
            flash(gettext("Lookup settings saved."), "success")
            return htmx.redirect(url_for("lookups.detail", table_id=table.id))
    return _detail(table, block="table_form", status=422, form=form)


@bp.route("/<int:table_id>/delete", methods=["POST"])
@requires("lookups", "edit")
def delete(table_id: int):
    table = get_or_404(LookupTable, table_id)
    name = table.name
    try:
        services.delete_table(table, actor=current_user)
    except services.LookupInUse as exc:
        return _detail(table, block="refusal", status=422, refusal=exc)
    flash(gettext("Lookup “%(name)s” deleted.", name=name), "success")
    return htmx.redirect(url_for("lookups.index"))


@bp.route("/<int:table_id>/rows", methods=["POST"])
@requires("lookups", "values")
def add_row(table_id: int):
    table = get_or_404(LookupTable, table_id)
    form = RowForm()
    if form.validate():
        try:
            row = services.add_row(table, form.left_value.data, form.right_value.data)
        except services.LookupError_ as exc:
            getattr(form, exc.field or "left_value").errors.append(str(exc))
        else:
            response = htmx.render("lookups/detail.html", block="new_row", table=table, row=row, editing=False,
                                   row_form=RowForm(formdata=None), added=row)
            return response
    return htmx.render("lookups/detail.html", block="add_form", status=422, table=table, row_form=form)


def _row(table: LookupTable, row_id: int):
    row = services.row_of(table, row_id)
    if row is None:
        abort(404)
    return row


@bp.route("/<int:table_id>/rows/<int:row_id>", methods=["GET", "POST"])
@requires("lookups", "view")
def row(table_id: int, row_id: int):
    """GET: the row as text (or, with ?edit=1, as a form); POST: save the row."""
    table = get_or_404(LookupTable, table_id)
    found = _row(table, row_id)
    if request.method == "GET":
        if not htmx.is_request():  # the row is a fragment of the lookup's page: a plain visit gets the page
            return redirect(url_for("lookups.detail", table_id=table.id))
        editing = request.args.get("edit") == "1"
        form = RowForm(formdata=None, obj=found)
        return htmx.render("lookups/detail.html", block="row", table=table, row=found, editing=editing, row_form=form)
    from app.tenancy import can

    if not can("lookups", "values"):
        abort(403)
    form = RowForm()
    if form.validate():
        try:
            services.update_row(found, form.left_value.data, form.right_value.data)
        except services.LookupError_ as exc:
            getattr(form, exc.field or "left_value").errors.append(str(exc))
        else:
            return htmx.render("lookups/detail.html", block="row", table=table, row=found, editing=False,
                               row_form=form)
    return htmx.render("lookups/detail.html", block="row", status=422, table=table, row=found, editing=True,
                       row_form=form)


@bp.route("/<int:table_id>/rows/<int:row_id>/delete", methods=["POST"])
@requires("lookups", "values")
def delete_row(table_id: int, row_id: int):
    table = get_or_404(LookupTable, table_id)
    services.delete_row(_row(table, row_id))
    if htmx.is_request():
        return ""
    flash(gettext("Row deleted."), "success")
    return htmx.redirect(url_for("lookups.detail", table_id=table.id))


@bp.route("/<int:table_id>/import", methods=["POST"])
@requires("lookups", "values")
def import_rows(table_id: int):
    table = get_or_404(LookupTable, table_id)
    return csv_files.import_view(
        ImportForm(), lambda raw: csv_io.import_csv(table, raw, actor=current_user),
        success=lambda report: gettext("Imported: %(added)d added, %(updated)d updated, %(unchanged)d already there.",
                                       added=report.added, updated=report.updated, unchanged=report.unchanged),
        redirect_to=url_for("lookups.detail", table_id=table.id),
        show=lambda **kwargs: _detail(table, block="import_panel", status=422, **kwargs))


@bp.route("/<int:table_id>/export.csv")
@requires("lookups", "view")
def export(table_id: int):
    table = get_or_404(LookupTable, table_id)
    return csv_files.download(csv_io.export_csv(table), table.name, "lookup")
