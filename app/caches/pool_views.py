"""Data pools page: pools with counts; one pool's values with search, CSV import/export, clear and delete."""
from __future__ import annotations

from flask import Blueprint, flash, g, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user

from app import csv_files, htmx
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
            flash(gettext("Data pool “%(name)s” created.", name=pool.name), "success")
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
    return csv_files.import_view(
        PoolImportForm(), lambda raw: pools.import_csv(pool, raw, actor=current_user),
        success=lambda report: ngettext("Imported %(num)d new value.", "Imported %(num)d new values.", report.added)
        + (" " + ngettext("%(num)d was already in the pool.", "%(num)d were already in the pool.", report.existing)
           if report.existing else ""),
        redirect_to=url_for("pools.detail", pool_id=pool.id),
        show=lambda **kwargs: _detail(pool, block="import_panel", status=422, **kwargs))


@bp.route("/<int:pool_id>/export.csv")
@requires("caches", "view")
def export(pool_id: int):
    pool = get_or_404(DataPool, pool_id)
    return csv_files.download(pools.export_csv(pool), pool.name, "data-pool")


@bp.route("/<int:pool_id>/clear", methods=["POST"])
@requires("caches", "edit")
def clear(pool_id: int):
    pool = get_or_404(DataPool, pool_id)
    removed = pools.clear_pool(pool, actor=current_user)
    flash(ngettext("Data pool “%(name)s” cleared: %(num)d value removed.",
                   "Data pool “%(name)s” cleared: %(num)d values removed.", removed, name=pool.name), "success")
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
    flash(gettext("Data pool “%(name)s” deleted.", name=name), "success")
    return htmx.redirect(url_for("pools.index"))
