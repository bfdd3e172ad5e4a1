"""What a map transform's reference settings offer in the panel: the company's cross-reference lookups and
deployed scripts (a select), and cache names (suggestions for a name that may still be typed, because a flow's
own cache only comes into being when its add-to-cache shape first writes).

A stored reference, by id or by name, stays selected even when it no longer resolves (labelled as missing), so
opening and saving a panel never rewrites or drops it; the deploy check names it instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from flask import request
from flask_babel import gettext, ngettext
from sqlalchemy import or_

from app.extensions import db
from app.scripts import picker


@dataclass(frozen=True)
class Option:
    value: str
    label: str


def options(kind: str, current: Any = None) -> list[Option]:
    """The choices for a "lookup", "script" or "cache" transform parameter (see transforms.REFERENCE_KINDS)."""
    if kind == "lookup":
        return _lookups(picker.stored(current))
    if kind == "script":
        return _scripts(current)
    if kind == "cache":
        return _caches(request.view_args.get("flow_id") if request.view_args else None)
    return []


def _lookups(kept: str) -> list[Option]:
    from app.lookups.services import all_tables

    found = False
    out = [Option("", gettext("Choose a lookup…"))]
    for table, rows in all_tables():
        value = str(table.id)
        if kept and kept in (value, table.name):  # a run reads a number as an id and anything else as a name
            value, found = kept, True
        out.append(Option(value, f"{table.name} ({ngettext('%(num)s row', '%(num)s rows', rows)})"))
    if kept and not found:
        out.append(Option(kept, gettext("Lookup “%(ref)s” (not found in this company)", ref=kept)))
    return out


def _scripts(current: Any) -> list[Option]:
    holder = SimpleNamespace(choices=None)
    picker.offer(holder, current)
    # The picker's first choice is "None", for optional scripts; a script transform needs one.
    return [Option("", gettext("Choose a script…"))] + [Option(c.value, c.label) for c in holder.choices[1:]]


def _caches(flow_id: int | None) -> list[Option]:
    """Company caches, this flow's own caches, and the names this flow's add-to-cache shapes write."""
    from app.caches.models import CacheDefinition
    from app.flows import drafts
    from app.flows.models import Flow
    from app.tenancy import scoped

    query = scoped(CacheDefinition)
    query = query.where(or_(CacheDefinition.level == "company", CacheDefinition.flow_id == flow_id)) if flow_id \
        else query.where(CacheDefinition.level == "company")
    out: dict[str, Option] = {}
    for cache in db.session.execute(query.order_by(CacheDefinition.name)).scalars():
        out.setdefault(cache.name, Option(cache.name, gettext("%(level)s cache", level=cache.level_label)))
    flow = db.session.execute(scoped(Flow).where(Flow.id == flow_id)).scalar_one_or_none() if flow_id else None
    draft = flow.draft if flow is not None else None
    for step in drafts.walk((draft.definition or {}).get("steps") or [] if draft is not None else []):
        name = str((step.get("config") or {}).get("cache") or "").strip()
        if step.get("type") == "cache_add" and name:
            out.setdefault(name, Option(name, gettext("written by this flow")))
    return sorted(out.values(), key=lambda o: o.value.lower())
