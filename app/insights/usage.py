"""Metering: operations and data usage per company, flow and source per day.

Hot paths (every webhook, every run) only increment counters in Redis (`add`); `flush()` folds them
into UsageDaily rows with one upsert per counter. The scheduler flushes every tick and readers flush
before they read, so pages and allowances always see every counted operation.
"""
from __future__ import annotations

import uuid
from datetime import date

from redis.exceptions import ResponseError
from sqlalchemy import BigInteger, Date, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db, get_redis
from app.tenancy import TenantMixin, scoped
from app.timeutil import utcnow


class UsageDaily(TenantMixin, db.Model):
    __table_args__ = (UniqueConstraint("company_id", "day", "flow_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flow.id", ondelete="CASCADE"))
    # What caused it: "" (shapes), "instance:<id>" (a connector instance), "webhook", "event", "api".
    source: Mapped[str] = mapped_column(String(80), default="")
    runs: Mapped[int] = mapped_column(default=0)
    operations: Mapped[int] = mapped_column(default=0)
    data_bytes: Mapped[int] = mapped_column(BigInteger, default=0)


PENDING_KEY = "weft:usage:pending"
_FIELDS = ("runs", "operations", "data_bytes")


def add(company_id: int, flow_id: int, *, runs: int = 0, operations: int = 0, data_bytes: int = 0,
        source: str = "", pipeline=None) -> None:
    """Count usage now (three Redis increments in one round trip; with `pipeline`, when the caller
    executes it); flush() stores it."""
    day = utcnow().date().isoformat()
    pipe = get_redis().pipeline(transaction=False) if pipeline is None else pipeline
    for name, amount in zip(_FIELDS, (runs, operations, data_bytes), strict=True):
        if amount:
            pipe.hincrby(PENDING_KEY, f"{company_id}|{flow_id}|{source}|{day}|{name}", amount)
    if pipeline is None:
        pipe.execute()


def flush() -> int:
    """Move the pending counters into UsageDaily (commits). Safe to call from several processes: the
    pending hash is renamed away atomically, so every increment is stored exactly once."""
    redis = get_redis()
    claimed = f"{PENDING_KEY}:{uuid.uuid4().hex}"
    try:
        redis.rename(PENDING_KEY, claimed)
    except ResponseError:  # nothing pending
        return 0
    totals: dict[tuple, dict[str, int]] = {}
    for field, amount in redis.hgetall(claimed).items():
        company_id, flow_id, source, day, name = field.decode().split("|")
        key = (int(company_id), int(flow_id), source, date.fromisoformat(day))
        totals.setdefault(key, dict.fromkeys(_FIELDS, 0))[name] += int(amount)
    for (company_id, flow_id, source, day), counts in totals.items():
        record(company_id, flow_id, source=source, day=day, **counts)
    db.session.commit()
    redis.delete(claimed)
    return len(totals)


def record(company_id: int, flow_id: int, *, runs: int = 0, operations: int = 0, data_bytes: int = 0,
           source: str = "", day: date | None = None) -> None:
    """Add to a day's counters (an atomic upsert, safe with many workers). The caller commits."""
    values = {"company_id": company_id, "day": day or utcnow().date(), "flow_id": flow_id,
              "source": source, "runs": runs, "operations": operations, "data_bytes": data_bytes}
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = UsageDaily.__table__
    statement = insert(table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["company_id", "day", "flow_id", "source"],
        set_={"runs": table.c.runs + statement.excluded.runs,
              "operations": table.c.operations + statement.excluded.operations,
              "data_bytes": table.c.data_bytes + statement.excluded.data_bytes})
    db.session.execute(statement)


def totals(since: date) -> dict[str, int]:
    """The acting company's runs, operations and data since a day (for pages and allowances)."""
    flush()
    query = scoped(UsageDaily).with_only_columns(
        func.coalesce(func.sum(UsageDaily.runs), 0), func.coalesce(func.sum(UsageDaily.operations), 0),
        func.coalesce(func.sum(UsageDaily.data_bytes), 0)).where(UsageDaily.day >= since)
    runs, operations, data_bytes = db.session.execute(query).one()
    return {"runs": int(runs), "operations": int(operations), "data_bytes": int(data_bytes)}


def per_source(since: date, until: date) -> list[tuple[date, str, int, int, int]]:
    """The acting company's (day, source, runs, operations, data bytes) between two days, one indexed
    sum per day and source: what the usage page charts, per connector instance among others."""
    flush()
    query = (scoped(UsageDaily).with_only_columns(
        UsageDaily.day, UsageDaily.source, func.sum(UsageDaily.runs), func.sum(UsageDaily.operations),
        func.sum(UsageDaily.data_bytes))
        .where(UsageDaily.day >= since, UsageDaily.day <= until)
        .group_by(UsageDaily.day, UsageDaily.source).order_by(UsageDaily.day))
    return [(day, src, int(runs or 0), int(ops or 0), int(data or 0))
            for day, src, runs, ops, data in db.session.execute(query)]
