"""Cache maintenance: caches by level with their keys, sizes and ages; inspect a value; clear a key or a cache."""
from __future__ import annotations

import json
import time

from flask import Blueprint, abort, flash, g, request, url_for
from flask_babel import gettext
from flask_login import current_user

from app import htmx
from app.caches import services
from app.caches.forms import CacheForm
from app.caches.models import LEVELS, CacheDefinition
from app.caches.store import merge
from app.extensions import get_redis
from app.flows.models import Flow
from app.tenancy import get_or_404, requires, scoped

bp = Blueprint("caches", __name__, url_prefix="/caches")
INSPECT_MAX_CHARS = 200_000


def _flows() -> list[Flow]:
    from app.extensions import db

    return list(db.session.execute(scoped(Flow).order_by(Flow.name)).scalars())


def _form(**kwargs) -> CacheForm:
    form = CacheForm(**kwargs)
    form.flow_id.choices = [("", "—")] + [(f.id, f.name) for f in _flows()]
    return form


@bp.route("/")
@requires("caches", "view")
def index(form=None, status=200):
    rows, used, allowance = services.listing(get_redis(), g.company)
    by_level = {level: [r for r in rows if r.cache.level == level] for level in LEVELS}
    return htmx.render("caches/index.html", block="cache_form" if status == 422 else None, status=status,
                       by_level=by_level, levels=LEVELS, used=used, allowance=allowance, form=form or _form(),
                       now=time.time())


@bp.route("/new", methods=["POST"])
@requires("caches", "edit")
def create():
    form = _form()
    if form.validate():
        try:
            cache = services.create(g.company, form.name.data, form.level.data, form.flow_id.data,
                                    form.description.data, actor=current_user)
        except services.CacheError as exc:
            form.name.errors = [*form.name.errors, str(exc)]
        else:
            flash(gettext("Cache “%(name)s” created. Add-to-cache shapes fill it.", name=cache.name), "success")
            return htmx.redirect(url_for("caches.detail", cache_id=cache.id))
    return index(form=form, status=422)


@bp.route("/<int:cache_id>")
@requires("caches", "view")
def detail(cache_id: int):
    cache = get_or_404(CacheDefinition, cache_id)
    data = services.data_for(get_redis(), g.company)
    search = request.args.get("q", "").strip()
    entries = [e for e in data.entries(cache.id) if search.lower() in e.key.lower()]
    return htmx.render("caches/detail.html", block="entries" if htmx.is_fragment() else None, cache=cache,
                       entries=entries[:500], total=len(entries), search=search, used=data.used(cache.id),
                       now=time.time())


@bp.route("/<int:cache_id>/value")
@requires("caches", "view")
def value(cache_id: int):
    cache = get_or_404(CacheDefinition, cache_id)
    key = request.args.get("key", "")
    found = services.data_for(get_redis(), g.company).get(cache.id, key)
    if found is None:
        text, info = None, None
    else:
        chunks, info = found
        shown = chunks if info.mode == "pages" else merge(chunks)
        text = json.dumps(shown, indent=2, ensure_ascii=False, default=str)
    cut = text is not None and len(text) > INSPECT_MAX_CHARS
    return htmx.render("caches/value.html", block="value" if htmx.is_fragment() else None, cache=cache, key=key,
                       text=text[:INSPECT_MAX_CHARS] if text else text, cut=cut, info=info)


@bp.route("/<int:cache_id>/clear-key", methods=["POST"])
@requires("caches", "edit")
def clear_key(cache_id: int):
    cache = get_or_404(CacheDefinition, cache_id)
    key = request.form.get("key", "")
    if not key:
        abort(400)
    services.clear_key(get_redis(), g.company, cache, key, actor=current_user)
    if htmx.is_request() and request.form.get("inline"):
        return ""
    flash(gettext("Key “%(key)s” cleared.", key=key), "success")
    return htmx.redirect(url_for("caches.detail", cache_id=cache.id))


@bp.route("/<int:cache_id>/clear", methods=["POST"])
@requires("caches", "edit")
def clear(cache_id: int):
    cache = get_or_404(CacheDefinition, cache_id)
    services.clear_cache(get_redis(), g.company, cache, actor=current_user)
    flash(gettext("Cache “%(name)s” cleared.", name=cache.name), "success")
    return htmx.redirect(url_for("caches.detail", cache_id=cache.id))


@bp.route("/<int:cache_id>/delete", methods=["POST"])
@requires("caches", "edit")
def delete(cache_id: int):
    cache = get_or_404(CacheDefinition, cache_id)
    name = cache.name
    try:
        services.delete_cache(get_redis(), g.company, cache, actor=current_user)
    except services.CacheInUse as exc:
        return htmx.render("caches/detail.html", block="refusal", status=422, cache=cache, refusal=exc)
    flash(gettext("Cache “%(name)s” and its data deleted.", name=name), "success")
    return htmx.redirect(url_for("caches.index"))
