"""Caches: definitions (which cache a name means inside a flow), the run's CacheStore that shapes and the
cache lookup transform use, and the maintenance page's listing, inspection and clearing.

A name inside a flow means that flow's own run or flow cache, else the company cache of that name
(spec §2.19: "caches added in this flow, plus company-level caches").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select

from app import audit
from app.caches.models import LEVELS, CacheDefinition
from app.caches.rules import CacheError, ttl_seconds  # noqa: F401 - ttl_seconds is part of this service's API
from app.caches.store import RUN_TTL_SECONDS, EntryInfo, RedisCacheData, merge
from app.extensions import db
from app.flows.variables import MISSING
from app.scripts.usage import deployed_steps, map_transforms

NAME_MAX = 120


def allowance_bytes(company) -> int:
    from app.companies.tiers import tier_of

    return int(tier_of(company).cache_memory_mb) * 1024 * 1024


def _clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise CacheError("Give the cache a name.")
    if len(name) > NAME_MAX:
        raise CacheError(f"A cache name can be at most {NAME_MAX} characters.")
    return name


def find(session, company_id: int, name: str, flow_id: int | None) -> CacheDefinition | None:
    """The cache a name means inside flow_id: the flow's own, else the company's."""
    query = select(CacheDefinition).where(CacheDefinition.company_id == company_id, CacheDefinition.name == name)
    rows = list(session.execute(query).scalars())
    own = next((c for c in rows if flow_id is not None and c.flow_id == flow_id and c.level != "company"), None)
    return own or next((c for c in rows if c.level == "company"), None)


def ensure(session, company_id: int, name: str, level: str, flow_id: int | None) -> CacheDefinition:
    """The definition an add-to-cache shape writes to, created (or moved to `level`) as needed; commits."""
    name = _clean_name(name)
    if level not in LEVELS:
        raise CacheError("Choose a cache level: flow run, flow or company.")
    owner = None if level == "company" else flow_id
    query = select(CacheDefinition).where(CacheDefinition.company_id == company_id, CacheDefinition.name == name)
    query = query.where(CacheDefinition.level == "company") if owner is None else query.where(
        CacheDefinition.flow_id == owner, CacheDefinition.level != "company")
    found = session.execute(query).scalars().first()
    if found is None:
        found = CacheDefinition(company_id=company_id, name=name, level=level, flow_id=owner)
        session.add(found)
        session.commit()
    elif found.level != level:
        found.level = level
        session.commit()
    return found


class CacheStore:
    """The caches one run sees (ctx.caches): bound to its company, flow and run."""

    def __init__(self, redis, company_id: int, *, flow_id: int | None = None, run_id: int | None = None,
                 allowance: int | None = None, session=None):
        self.data = RedisCacheData(redis, company_id, allowance)
        self.company_id = company_id
        self.flow_id = flow_id
        self.run_id = run_id
        self._session = session
        self._found: dict[str, CacheDefinition | None] = {}

    @property
    def session(self):
        return self._session or db.session

    def entry_key(self, definition: CacheDefinition, key: str) -> str:
        key = str(key)
        if definition.level == "run":
            return f"{key}#run-{self.run_id or 0}"
        return key

    def definition(self, name: str) -> CacheDefinition | None:
        if name not in self._found:
            self._found[name] = find(self.session, self.company_id, name, self.flow_id)
        return self._found[name]

    def put(self, name: str, level: str, key: str, values: list[Any], *, append: bool = False, pages: bool = False,
            ttl: float | None = None) -> tuple[CacheDefinition, int]:
        definition = ensure(self.session, self.company_id, name, level, self.flow_id)
        self._found[name] = definition
        if ttl is None and definition.level == "run":
            ttl = RUN_TTL_SECONDS
        size = self.data.put(definition.id, definition.name, self.entry_key(definition, key), values, append=append,
                             pages=pages, ttl_seconds=ttl)
        return definition, size

    def get(self, name: str, key: str) -> tuple[list[Any], EntryInfo] | None:
        definition = self.definition(name)
        if definition is None:
            return None
        return self.data.get(definition.id, self.entry_key(definition, key))

    def lookup(self, name: str, key: str) -> Any:
        """The map's cache_get(cache, key) hook: the entry's data (parts merged), or MISSING."""
        found = self.get(name, key)
        return MISSING if found is None else merge(found[0])

    def used(self) -> int:
        return self.data.used()


# -- maintenance (the caches page) --------------------------------------------------------------------
@dataclass
class CacheRow:
    cache: CacheDefinition
    keys: int
    bytes: int
    updated: float | None


def listing(redis, company) -> tuple[list[CacheRow], int, int]:
    """Every cache of the acting company with its keys and size; plus bytes used and the allowance."""
    from app.tenancy import scoped

    data = RedisCacheData(redis, company.id, allowance_bytes(company))
    data.reconcile()
    rows = []
    for cache in db.session.execute(scoped(CacheDefinition).order_by(func.lower(CacheDefinition.name))).scalars():
        entries = data.entries(cache.id)
        rows.append(CacheRow(cache, len(entries), sum(e.bytes for e in entries),
                             max((e.updated for e in entries), default=None)))
    return rows, data.used(), data.allowance


def data_for(redis, company) -> RedisCacheData:
    return RedisCacheData(redis, company.id, allowance_bytes(company))


def create(company, name: str, level: str, flow_id: int | None, description: str | None, actor=None) -> CacheDefinition:
    from app.flows.models import Flow
    from app.tenancy import scoped

    name = _clean_name(name)
    if level not in LEVELS:
        raise CacheError("Choose a cache level.")
    if level != "company":
        if flow_id is None or db.session.execute(scoped(Flow).where(Flow.id == flow_id)).first() is None:
            raise CacheError("Choose the flow this cache belongs to.")
    else:
        flow_id = None
    clash = select(CacheDefinition.id).where(CacheDefinition.company_id == company.id, CacheDefinition.name == name,
                                            or_(CacheDefinition.flow_id == flow_id, CacheDefinition.flow_id.is_(None))
                                            if flow_id else CacheDefinition.level == "company")
    if db.session.execute(clash).first() is not None:
        raise CacheError(f"There is already a cache called “{name}” there.")
    cache = CacheDefinition(company_id=company.id, name=name, level=level, flow_id=flow_id,
                            description=(description or "").strip() or None)
    db.session.add(cache)
    audit.record(actor, company.id, "cache.created", name, level=level)
    db.session.commit()
    return cache


def clear_cache(redis, company, cache: CacheDefinition, actor=None) -> int:
    freed = data_for(redis, company).clear(cache.id)
    audit.record(actor, company.id, "cache.cleared", cache.name)
    db.session.commit()
    return freed


def clear_key(redis, company, cache: CacheDefinition, key: str, actor=None) -> int:
    freed = data_for(redis, company).delete(cache.id, key)
    audit.record(actor, company.id, "cache.key_cleared", f"{cache.name} › {key}"[:300])
    db.session.commit()
    return freed


@dataclass(frozen=True)
class FlowUse:
    flow_id: int
    flow_name: str
    what: str  # "add-to-cache shape", "load-from-cache shape", "cache lookup transform"


class CacheInUse(CacheError):
    def __init__(self, cache: CacheDefinition, uses: list[FlowUse]):
        self.uses = uses
        names = ", ".join(sorted({u.flow_name for u in uses}))
        super().__init__(f"“{cache.name}” is used by the deployed flows {names}. Change or undeploy them first.")


def _step_caches(step: dict):
    """(cache name, level it writes to or None for a read, what) for each cache a step names."""
    config = step.get("config") or {}
    if step.get("type") == "cache_add" and str(config.get("cache") or "").strip():
        yield config["cache"].strip(), config.get("level") or "flow", "add-to-cache shape"
    elif step.get("type") == "cache_load" and str(config.get("cache") or "").strip():
        yield config["cache"].strip(), None, "load-from-cache shape"
    for transform in map_transforms(step):
        name = str((transform.get("params") or {}).get("cache") or "").strip()
        if transform.get("fn") == "cache_lookup" and name:
            yield name, None, "cache lookup transform"


def flows_using(cache: CacheDefinition) -> list[FlowUse]:
    """Deployed flows whose steps mean this cache, resolving names as a run does (`find`): a flow's own run or
    flow cache first, else the company cache; an add-to-cache shape writes to the level it names."""
    own = set(db.session.execute(select(CacheDefinition.flow_id, CacheDefinition.name).where(
        CacheDefinition.company_id == cache.company_id, CacheDefinition.level != "company")).tuples())
    found = []
    for flow_id, flow_name, step in deployed_steps(cache.company_id):
        if cache.level != "company" and flow_id != cache.flow_id:
            continue
        for name, writes, what in _step_caches(step):
            if name not in (cache.name, str(cache.id)):
                continue
            if writes is not None:
                means_company = writes == "company"
            else:
                means_company = (flow_id, cache.name) not in own
            if means_company == (cache.level == "company"):
                found.append(FlowUse(flow_id, flow_name, what))
    return list(dict.fromkeys(found))


def delete_cache(redis, company, cache: CacheDefinition, actor=None) -> None:
    """Refused while a deployed flow uses the cache (CacheInUse lists them)."""
    uses = flows_using(cache)
    if uses:
        raise CacheInUse(cache, uses)
    data_for(redis, company).clear(cache.id)
    audit.record(actor, company.id, "cache.deleted", cache.name)
    db.session.delete(cache)
    db.session.commit()
