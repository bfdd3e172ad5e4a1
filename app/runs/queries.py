"""Read-only queries over the acting company's runs, for pages and charts."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func

from app.extensions import db
from app.runs.models import Run, RunLog
from app.tenancy import scoped
from app.timeutil import utcnow

PAGE_SIZE = 50


def recent(limit: int = 10) -> list[Run]:
    return list(db.session.execute(scoped(Run).order_by(Run.id.desc()).limit(limit)).scalars())


def page(before_id: int | None = None, flow_id: int | None = None, status: str | None = None,
         limit: int = PAGE_SIZE) -> list[Run]:
    """Keyset pagination on the primary key: as fast on page 1,000 as on page 1."""
    query = scoped(Run).order_by(Run.id.desc()).limit(limit)
    if before_id:
        query = query.where(Run.id < before_id)
    if flow_id:
        query = query.where(Run.flow_id == flow_id)
    if status:
        query = query.where(Run.status == status)
    return list(db.session.execute(query).scalars())


def logs(run: Run) -> list[RunLog]:
    query = scoped(RunLog).where(RunLog.run_id == run.id).order_by(RunLog.id)
    return list(db.session.execute(query).scalars())


def daily_counts(days: int = 14) -> dict:
    """Runs per day and status for the last `days` days, shaped for a stacked bar chart."""
    since = (utcnow() - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    day = func.date(Run.created_at)
    query = (scoped(Run).with_only_columns(day, Run.status, func.count())
             .where(Run.created_at >= since).group_by(day, Run.status))
    labels = [(since + timedelta(days=i)).date().isoformat() for i in range(days)]
    series: dict[str, list[int]] = {}
    for day_value, status, count in db.session.execute(query):
        key = str(day_value)[:10]
        if key in labels:
            series.setdefault(status, [0] * days)[labels.index(key)] = count
    return {"labels": labels, "series": series}


def status_totals(days: int = 14) -> dict[str, int]:
    since = utcnow() - timedelta(days=days)
    query = (scoped(Run).with_only_columns(Run.status, func.count()).where(Run.created_at >= since)
             .group_by(Run.status))
    return dict(db.session.execute(query).all())
