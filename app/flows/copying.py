"""Copying a flow into another company a partner user manages: which companies may receive it, and what
its shapes and settings point at there.

A flow's shapes name rows of its own company: connector instances, scripts, cross-reference lookups, data
pools, notification groups and other flows (by id, some also by name), and caches (by name). In the target
company each reference is looked for by the source row's name (a connector instance by its name and its
connector); a row found there replaces it, in the same form (an id for an id, a name for a name). A
reference not found is cleared, so the copy never points at the source company's rows, and it is reported
to the user. Every read is scoped to one company at a time with tenancy.acting_as.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from sqlalchemy import func

from app.extensions import db
from app.flows import drafts, shapes
from app.tenancy import acting_as, allowed, scoped


@dataclass
class Rebased:
    definition: dict
    cleared: list[str] = field(default_factory=list)  # "“Get orders” (Connector): connector instance …"


def target_companies(user, acting) -> list:
    """The companies `user` may copy flows into, the acting company first: their own company and the
    linked companies they have access to, where their role and the company's tier allow editing flows."""
    from app.companies import access

    found = [acting]
    for company in [user.company, *access.accessible(user)]:
        if all(c.id != company.id for c in found) and allowed(user, company, "flows", "edit"):
            found.append(company)
    return found


def _is_id(value) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.isdigit())


def _where(step: dict) -> str:
    try:
        label = shapes.get(step.get("type", ""), step.get("version")).label
    except shapes.UnknownShape:
        label = step.get("type") or "Shape"
    return f"“{step['name']}” ({label})" if step.get("name") else label


class _Resolver:
    """Finds the target company's row for a reference made in the source company."""

    def __init__(self, source_id: int, target_id: int):
        self.source_id, self.target_id = source_id, target_id

    @staticmethod
    def _first(company_id: int, query):
        with acting_as(company_id):
            return db.session.execute(query()).first()

    def ref(self, model, ref) -> tuple[object | None, str]:
        """(the reference to use in the target, in the form `ref` had, or None; the name to tell the user)."""
        key = str(ref).strip()
        name = key
        if key.isdigit():
            found = self._first(self.source_id, lambda: scoped(model).where(model.id == int(key))
                                .with_only_columns(model.name))
            if found is None:
                return None, f"#{key}"
            name = found[0]
        target = self._first(self.target_id, lambda: scoped(model).where(model.name == name)
                             .with_only_columns(model.id, model.name))
        if target is None:
            return None, f"“{name}”"
        if not key.isdigit():
            return target[1], f"“{name}”"
        return (target[0] if isinstance(ref, int) else str(target[0])), f"“{name}”"

    def instance(self, instance_id) -> tuple[int | None, str]:
        from app.connectors.models import InstalledConnector, Instance

        def instances():
            return scoped(Instance).join(InstalledConnector, InstalledConnector.id == Instance.connector_id)

        if not _is_id(instance_id):
            return None, f"#{instance_id}"
        source = self._first(self.source_id, lambda: instances().where(Instance.id == int(instance_id))
                             .with_only_columns(Instance.name, InstalledConnector.key, InstalledConnector.name))
        if source is None:
            return None, f"#{instance_id}"
        name, key, connector = source
        target = self._first(self.target_id, lambda: instances().where(
            Instance.name == name, InstalledConnector.key == key).with_only_columns(Instance.id))
        return (target[0] if target else None), f"“{name}” of {connector}"

    def cache_known(self, name: str, definition: dict) -> bool:
        """A cache the copy can load from: one of its own add-to-cache shapes fills it, or the target has it."""
        from app.caches.models import CacheDefinition

        if any(s.get("type") == "cache_add" and str((s.get("config") or {}).get("cache", "")).strip() == name
               for s in drafts.walk(definition.get("steps") or [])):
            return True
        return self._first(self.target_id, lambda: scoped(CacheDefinition).where(
            CacheDefinition.name == name, CacheDefinition.level == "company")) is not None


def rebase(definition: dict, source_id: int, target_id: int) -> Rebased:
    """A copy of `definition` whose references resolve in the target company, or are cleared."""
    result = Rebased(copy.deepcopy(definition))
    resolver = _Resolver(source_id, target_id)
    for step in drafts.walk(result.definition.get("steps") or []):
        config = step.get("config")
        if isinstance(config, dict):
            result.cleared += [f"{_where(step)}: {what}" for what in
                               _rebase_step(step.get("type"), config, resolver, result.definition)]
    trigger = (result.definition.get("trigger") or {}).get("config")
    if isinstance(trigger, dict) and trigger.get("instance_id") not in (None, ""):  # the event listener's broker
        new, name = resolver.instance(trigger["instance_id"])
        if new is None:
            trigger.pop("instance_id")
            result.cleared.append(f"Trigger (event listener): connector instance {name}")
        else:
            trigger["instance_id"] = new
    return result


def _swap(resolver: _Resolver, holder: dict, key: str, model, what: str, also: tuple = ()) -> str | None:
    """Replace holder[key] with the target's reference; when there is none, clear it (and `also`)."""
    if holder.get(key) in (None, ""):
        return None
    new, name = resolver.ref(model, holder[key])
    if new is not None:
        holder[key] = new
        return None
    for extra in (key, *also):
        holder.pop(extra, None)
    return f"{what} {name}"


def _cache(resolver: _Resolver, holder: dict, definition: dict) -> str | None:
    name = str(holder.get("cache") or "").strip()
    if not name or resolver.cache_known(name, definition):
        return None
    holder["cache"] = ""
    return f"cache “{name}”"


def _rebase_step(kind, config: dict, resolver: _Resolver, definition: dict) -> list[str]:
    """Fix one step's references in place; returns what was cleared."""
    from app.caches.models import DataPool
    from app.flows.models import Flow
    from app.insights.models import NotificationGroup
    from app.lookups.models import LookupTable
    from app.scripts.models import Script

    found: list[str | None] = []
    if kind == "connector":
        if config.get("instance_id") not in (None, ""):
            new, name = resolver.instance(config["instance_id"])
            if new is None:
                config.pop("instance_id", None)
                config.pop("instance_name", None)
                found.append(f"connector instance {name}")
            else:
                config["instance_id"] = new
        found.append(_swap(resolver, config, "response_script", Script, "response script"))
    elif kind == "script":
        found.append(_swap(resolver, config, "script_id", Script, "script", also=("script_name",)))
    elif kind == "dedupe" and _is_id(config.get("pool")):
        found.append(_swap(resolver, config, "pool", DataPool, "data pool"))  # a pool named by name is created
    elif kind == "run_process_flow":
        found.append(_swap(resolver, config, "flow_id", Flow, "process flow", also=("version",)))
    elif kind == "notify" and isinstance(config.get("groups"), list):
        kept = []
        for group_id in config["groups"]:
            new, name = resolver.ref(NotificationGroup, group_id)
            if new is None:
                found.append(f"notification group {name}")
            else:
                kept.append(new)
        config["groups"] = kept
    elif kind == "cache_load":
        found.append(_cache(resolver, config, definition))
    elif kind == "map":
        for rule in config.get("rules") or []:
            for transform in (rule.get("transforms") or []) if isinstance(rule, dict) else []:
                params = transform.get("params") if isinstance(transform, dict) else None
                if not isinstance(params, dict):
                    continue
                if transform.get("fn") == "cross_reference":
                    found.append(_swap(resolver, params, "table", LookupTable, "cross-reference lookup"))
                elif transform.get("fn") == "script":
                    found.append(_swap(resolver, params, "script", Script, "script"))
                elif transform.get("fn") == "cache_lookup":
                    found.append(_cache(resolver, params, definition))
    return [line for line in found if line]


def settings_in(flow, target_id: int) -> tuple[list[int], list, list[str]]:
    """(failure group ids, labels, what was cleared): the flow's settings as the target company has them.
    Labels missing there are added with the same colour (they only name and colour flows)."""
    from app.flows.models import Label
    from app.insights.models import NotificationGroup

    resolver = _Resolver(flow.company_id, target_id)
    groups, cleared = [], []
    for group_id in flow.failure_group_ids or []:
        new, name = resolver.ref(NotificationGroup, group_id)
        if new is None:
            cleared.append(f"Failure emails: notification group {name}")
        else:
            groups.append(new)
    labels = []
    with acting_as(target_id):
        for label in flow.labels:
            query = scoped(Label).where(func.lower(Label.name) == label.name.lower())
            row = db.session.execute(query).scalars().first()
            if row is None:
                row = Label(company_id=target_id, name=label.name, colour=label.colour)
                db.session.add(row)
            labels.append(row)
    return sorted(set(groups)), labels, cleared
