"""De-dupe data pools: the run's DedupeService (claim, check, track values) and the pools page's services
(list, search, import/export CSV, clear, delete).

Claiming is one INSERT … ON CONFLICT DO NOTHING RETURNING per batch against the unique (pool, value)
index, so when two runs offer the same value at the same moment exactly one of them gets it back:
"track & filter" never lets both pass it.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from app import audit, csv_files
from app.caches.models import POOL_VALUE_MAX, DataPool, PoolValue
from app.caches.rules import PoolError
from app.extensions import db
from app.scripts.usage import deployed_steps
from app.timeutil import utcnow

RETENTION_DAYS = 90  # spec §2.20
NAME_MAX = 120
BATCH = 500
PER_PAGE = 100


def _insert(session):
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(PoolValue)


class DedupeService:
    """The pools one run sees (ctx.dedupe): bound to its company, flow and run."""

    def __init__(self, company_id: int, *, flow_id: int | None = None, run_id: int | None = None, session=None):
        self.company_id = company_id
        self.flow_id = flow_id
        self.run_id = run_id
        self._session = session

    @property
    def session(self):
        return self._session or db.session

    def pool(self, ref, create: bool = True) -> DataPool:
        """A pool by id or name; a name not seen before creates the pool (spec: create one on the fly)."""
        key = str(ref if ref is not None else "").strip()
        if not key:
            raise PoolError("Choose a data pool.")
        query = select(DataPool).where(DataPool.company_id == self.company_id)
        found = self.session.execute(query.where(DataPool.id == int(key)) if key.isdigit()
                                     else query.where(DataPool.name == key)).scalar_one_or_none()
        if found is None and key.isdigit():
            raise PoolError(f"Data pool {key} does not exist (was it deleted?).")
        if found is None:
            if not create:
                raise PoolError(f"There is no data pool called “{key}”.")
            # Two runs may create the same pool at once: the unique (company, name) index decides, and both
            # then read the one row.
            dialect = self.session.get_bind().dialect.name
            insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(DataPool)
            self.session.execute(insert.values(company_id=self.company_id, name=key[:NAME_MAX], created_at=utcnow())
                                 .on_conflict_do_nothing(index_elements=["company_id", "name"]))
            self.session.commit()
            found = self.session.execute(query.where(DataPool.name == key[:NAME_MAX])).scalar_one()
        return found

    def claim(self, pool: DataPool, values: list[str], entity_type: str | None = None) -> set[str]:
        """Record values; returns those that were new (inserted by this call). Commits per batch."""
        fresh: set[str] = set()
        # Sorted, so every run takes the unique index's row locks in the same order: two runs offering the same
        # values in different orders would otherwise deadlock on PostgreSQL (and one would fail).
        unique = sorted(set(v[:POOL_VALUE_MAX] for v in values))
        now = utcnow()
        for start in range(0, len(unique), BATCH):
            rows = [{"company_id": self.company_id, "pool_id": pool.id, "value": v, "entity_type": entity_type,
                     "flow_id": self.flow_id, "run_id": self.run_id, "created_at": now}
                    for v in unique[start:start + BATCH]]
            statement = (_insert(self.session).values(rows).on_conflict_do_nothing(index_elements=["pool_id", "value"])
                         .returning(PoolValue.value))
            fresh.update(self.session.execute(statement).scalars())
            self.session.commit()
        return fresh

    def known(self, pool: DataPool, values: list[str]) -> set[str]:
        """Which of the values the pool already holds."""
        found: set[str] = set()
        unique = list(dict.fromkeys(v[:POOL_VALUE_MAX] for v in values))
        for start in range(0, len(unique), BATCH):
            found.update(self.session.execute(select(PoolValue.value).where(
                PoolValue.pool_id == pool.id, PoolValue.value.in_(unique[start:start + BATCH]))).scalars())
        return found


# -- the pools page -----------------------------------------------------------------------------------
@dataclass
class PoolRow:
    pool: DataPool
    count: int
    last_added: object


def listing() -> list[PoolRow]:
    from app.tenancy import scoped

    counts = (select(PoolValue.pool_id, func.count().label("n"), func.max(PoolValue.created_at).label("last"))
              .group_by(PoolValue.pool_id).subquery())
    query = (scoped(DataPool).outerjoin(counts, counts.c.pool_id == DataPool.id)
             .add_columns(func.coalesce(counts.c.n, 0), counts.c.last).order_by(func.lower(DataPool.name)))
    return [PoolRow(r[0], r[1], r[2]) for r in db.session.execute(query).all()]


def create_pool(company, name: str, description: str | None = None, actor=None) -> DataPool:
    name = (name or "").strip()
    if not name:
        raise PoolError("Give the data pool a name.")
    if len(name) > NAME_MAX:
        raise PoolError(f"A name can be at most {NAME_MAX} characters.")
    if name.isdigit():
        raise PoolError("A data pool's name needs at least one letter (numbers alone are read as ids).")
    if db.session.execute(select(DataPool.id).where(DataPool.company_id == company.id,
                                                    func.lower(DataPool.name) == name.lower())).first():
        raise PoolError(f"There is already a data pool called “{name}”.")
    pool = DataPool(company_id=company.id, name=name, description=(description or "").strip() or None)
    db.session.add(pool)
    audit.record(actor, company.id, "data_pool.created", name)
    db.session.commit()
    return pool


def values_page(pool: DataPool, search: str | None, page: int = 1) -> tuple[list[PoolValue], int]:
    query = select(PoolValue).where(PoolValue.pool_id == pool.id)
    if search and search.strip():
        query = query.where(func.lower(PoolValue.value).like(f"%{search.strip().lower()}%"))
    total = db.session.execute(query.with_only_columns(func.count())).scalar_one()
    rows = db.session.execute(query.order_by(PoolValue.created_at.desc(), PoolValue.id.desc()).limit(PER_PAGE)
                              .offset((max(1, page) - 1) * PER_PAGE)).scalars().all()
    return list(rows), total


def clear_pool(pool: DataPool, actor=None) -> int:
    result = db.session.execute(delete(PoolValue).where(PoolValue.pool_id == pool.id))
    audit.record(actor, pool.company_id, "data_pool.cleared", pool.name)
    db.session.commit()
    return result.rowcount or 0


def flows_using(pool: DataPool) -> list[str]:
    names = {str(pool.id), pool.name}
    return sorted({flow_name for _, flow_name, step in deployed_steps(pool.company_id) if step.get("type") == "dedupe"
                   and str((step.get("config") or {}).get("pool", "")).strip() in names})


def delete_pool(pool: DataPool, actor=None) -> None:
    using = flows_using(pool)
    if using:
        raise PoolError(f"“{pool.name}” is used by the deployed flows {', '.join(using)}. Change or undeploy them "
                        "first.")
    audit.record(actor, pool.company_id, "data_pool.deleted", pool.name)
    db.session.delete(pool)
    db.session.commit()


def export_csv(pool: DataPool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("value", "entity_type_id"))
    for value, entity in db.session.execute(select(PoolValue.value, PoolValue.entity_type)
                                            .where(PoolValue.pool_id == pool.id).order_by(PoolValue.id)):
        writer.writerow((value, entity or ""))
    return out.getvalue()


@dataclass
class PoolImport:
    added: int = 0
    existing: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.problem is None


def import_csv(pool: DataPool, raw: bytes, actor=None) -> PoolImport:
    """Headers value,entity_type_id; every good row is added, values already there are left as they are.
    Any bad row and nothing is imported (the report lists them)."""
    report = PoolImport()
    try:
        text = csv_files.read_upload(raw)
    except csv_files.CsvFileError as exc:
        report.problem = str(exc)
        return report
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader, [])]
    if "value" not in header or any(h not in ("value", "entity_type_id") for h in header):
        report.problem = "The first line must be the headers value,entity_type_id (entity_type_id may be left empty)."
        return report
    at_value = header.index("value")
    at_entity = header.index("entity_type_id") if "entity_type_id" in header else None
    rows: dict[str, str | None] = {}
    try:
        for row in reader:
            if not any(c.strip() for c in row):
                continue
            line = reader.line_num
            if len(row) != len(header):
                report.errors.append((line, f"has {len(row)} values; the headers name {len(header)}."))
                continue
            value = row[at_value].strip()
            entity = row[at_entity].strip() if at_entity is not None else ""
            if not value:
                report.errors.append((line, "has no value."))
            elif len(value) > POOL_VALUE_MAX:
                report.errors.append((line, f"has a value longer than {POOL_VALUE_MAX} characters."))
            elif len(entity) > 120:
                report.errors.append((line, "has an entity type longer than 120 characters."))
            else:
                rows.setdefault(value, entity or None)
    except csv.Error as exc:
        report.errors.append((reader.line_num, f"is not valid CSV: {exc}."))
    if report.errors:
        report.errors = report.errors[:200]
        return report
    if not rows:
        report.problem = "The file has headers but no values."
        return report
    by_entity: dict[str | None, list[str]] = {}
    for value, entity in rows.items():
        by_entity.setdefault(entity, []).append(value)
    added = 0
    # One transaction for the whole file: nothing is half-imported if the database fails midway.
    now = utcnow()
    for entity, values in by_entity.items():
        for start in range(0, len(values), BATCH):
            statement = (_insert(db.session).values([
                {"company_id": pool.company_id, "pool_id": pool.id, "value": v, "entity_type": entity,
                 "created_at": now}
                for v in values[start:start + BATCH]]).on_conflict_do_nothing(index_elements=["pool_id", "value"])
                .returning(PoolValue.value))
            added += len(db.session.execute(statement).scalars().all())
    report.added, report.existing = added, len(rows) - added
    audit.record(actor, pool.company_id, "data_pool.imported", pool.name, added=added)
    db.session.commit()
    return report


def purge_older_than(days: int = RETENTION_DAYS, now: datetime | None = None) -> int:
    """Delete values tracked more than `days` ago, every company (a housekeeping job); returns the count."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(delete(PoolValue).where(PoolValue.created_at < cutoff))
    db.session.commit()
    return result.rowcount or 0


def purge_job() -> str:
    """RQ entry point (default queue): the daily de-dupe purge."""
    return str(purge_older_than())


def purge_key(day) -> str:
    return f"weft:dedupe-purge:{day.isoformat()}"


def tick(now: datetime | None = None) -> bool:
    """Called by the scheduler every tick: queue the de-dupe purge once per UTC day. True when it queued it."""
    from app import jobs
    from app.extensions import get_redis

    now = now or utcnow()
    if not get_redis().set(purge_key(now.date()), 1, nx=True, ex=2 * 86_400):
        return False
    jobs.enqueue(jobs.DEFAULT, "app.caches.pools.purge_job", job_timeout=3600)
    return True
