"""Data pools page: pools with counts; one pool's values with search, CSV import/export, clear and delete."""
from __future__ import annotations

from flask import Blueprint, Response, flash, g, request, url_for
from flask_login import current_user

from app import htmx
from app.caches import pools
from app.caches.forms import PoolForm, PoolImportForm
from app.caches.models import DataPool
from app.tenancy import get_or_404, requires

bp = Blueprint("pools", __name__, url_prefix="/data-pools")


@bp.route("/")
@requires("caches", "view")
def index(form=None, status=200):
    return htmx.render("caches/pools.html", block="pool_form" if status == 422 else None, status=status,
                       pools=pools.listing(), form=form or PoolForm(formdata=None))


@bp.route("/new", methods=["POST"])
@requires("caches", "edit")
def create():
    form = PoolForm()
    if form.validate():
        try:
            pool = pools.create_pool(g.company, form.name.data, form.description.data, actor=current_user)
        except pools.PoolError as exc:
            form.name.errors = [*form.name.errors, str(exc)]
        else:
            flash(f"Data pool “{pool.name}” created.", "success")
            return htmx.redirect(url_for("pools.detail", pool_id=pool.id))
    return index(form=form, status=422)


def _detail(pool: DataPool, *, block=None, status=200, import_form=None, report=None, refusal=None):
    search = request.args.get("q", "")
    page = max(1, request.args.get("page", 1, type=int))
    values, total = pools.values_page(pool, search, page)
    return htmx.render("caches/pool.html", block=block, status=status, pool=pool, values=values, total=total,
                       search=search, page=page, per_page=pools.PER_PAGE, report=report, refusal=refusal,
                       import_form=import_form or PoolImportForm(formdata=None))


@bp.route("/<int:pool_id>")
@requires("caches", "view")
def detail(pool_id: int):
    pool = get_or_404(DataPool, pool_id)
    return _detail(pool, block="values" if htmx.is_fragment() else None)


@bp.route("/<int:pool_id>/import", methods=["POST"])
@requires("caches", "edit")
def import_values(pool_id: int):
    pool = get_or_404(DataPool, pool_id)
    form = PoolImportForm()
    if not form.validate():
        return _detail(pool, block="import_panel", status=422, import_form=form)
    report = pools.import_csv(pool, form.file.data.read(), actor=current_user)
    if report.ok:
        flash(f"Imported {report.added} new value{'s' if report.added != 1 else ''}"
              + (f"; {report.existing} were already in the pool" if report.existing else "") + ".", "success")
        return htmx.redirect(url_for("pools.detail", pool_id=pool.id))
    return _detail(pool, block="import_panel", status=422, import_form=form, report=report)


@bp.route("/<int:pool_id>/export.csv")
@requires("caches", "view")
def export(pool_id: int):
    pool = get_or_404(DataPool, pool_id)
    filename = "".join(c if c.isalnum() or c in "-_" else "-" for c in pool.name).strip("-") or "data-pool"
    return Response(pools.export_csv(pool), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})


@bp.route("/<int:pool_id>/clear", methods=["POST"])
@requires("caches", "edit")
def clear(pool_id: int):
    pool = get_or_404(DataPool, pool_id)
    removed = pools.clear_pool(pool, actor=current_user)
    flash(f"Data pool “{pool.name}” cleared: {removed} value{'s' if removed != 1 else ''} removed.", "success")
    return htmx.redirect(url_for("pools.detail", pool_id=pool.id))


@bp.route("/<int:pool_id>/delete", methods=["POST"])
@requires("caches", "edit")
def delete(pool_id: int):
    pool = get_or_404(DataPool, pool_id)
    name = pool.name
    try:
        pools.delete_pool(pool, actor=current_user)
    except pools.PoolError as exc:
        return _detail(pool, block="refusal", status=422, refusal=str(exc))
    flash(f"Data pool “{name}” deleted.", "success")
    return htmx.redirect(url_for("pools.index"))
