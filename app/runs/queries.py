"""Read-only queries over the acting company's runs, for pages, charts and downloads.

The run list pages by keyset on the primary key (newest first), so page 20,000 costs what page 1
does; every filter has an index that ends in `id` (see Run.__table_args__). A date range becomes an
id range first (two index seeks on created_at), so the scan below it stays on the id-ordered index.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import load_only, selectinload

from app.extensions import db
from app.flows.models import Flow, FlowVersion
from app.runs import exchanges
from app.runs.models import Run, RunFailedPayload, RunLog, RunStep
from app.runs.tracking import TrackedValue
from app.tenancy import scoped
from app.timeutil import utcnow

PAGE_SIZE = 50
STATUSES = ("queued", "running", "success", "failure", "stopped", "partial")
TRIGGERS = ("manual", "schedule", "webhook", "callback", "event", "api", "run_process_flow", "retry")
TRIGGER_LABELS = {"manual": _l("Manual"), "schedule": _l("Schedule"), "webhook": _l("Webhook"),
                  "callback": _l("Callback"), "event": _l("Event"), "api": _l("API"),
                  "run_process_flow": _l("Run process flow"), "retry": _l("Retry")}
DEFAULT_DAYS = 7  # the spec's default view: the last 7 days
MAX_CHART_DAYS = 92
ID_MARGIN = 1000  # ids and creation times are not in perfect step across processes; widen the id range


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value) -> int | None:
    try:
        return int(str(value).strip().lstrip("#")) if value not in (None, "") else None
    except ValueError:
        return None


@dataclass
class RunFilter:
    """The run list's filters, read from the query string and written back into links."""

    flow: int | None = None
    status: str | None = None
    trigger: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: int | None = None  # a run id
    warnings: bool = False  # only runs whose log has warning lines

    @classmethod
    def from_args(cls, args, default_days: int | None = DEFAULT_DAYS) -> RunFilter:
        status = args.get("status") or None
        trigger = args.get("trigger") or None
        found = cls(flow=_int(args.get("flow")), status=status if status in STATUSES else None,
                    trigger=trigger if trigger in TRIGGERS else None, date_from=_date(args.get("from")),
                    date_to=_date(args.get("to")), q=_int(args.get("q")),
                    warnings=args.get("warnings") in ("1", "on", "true"))
        if "from" not in args and "to" not in args and default_days and found.q is None:
            found.date_from = utcnow().date() - timedelta(days=default_days - 1)
        if found.date_from and found.date_to and found.date_from > found.date_to:
            found.date_from, found.date_to = found.date_to, found.date_from
        return found

    def as_args(self) -> dict:
        """Query-string arguments that reproduce this filter (an empty `from` means "all time")."""
        out: dict = {}
        for name, key in (("flow", "flow"), ("status", "status"), ("trigger", "trigger"), ("q", "q")):
            if getattr(self, name) not in (None, ""):
                out[key] = getattr(self, name)
        if self.warnings:
            out["warnings"] = "1"
        out["from"] = self.date_from.isoformat() if self.date_from else ""
        if self.date_to:
            out["to"] = self.date_to.isoformat()
        return out

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) not in (None, "", False) for f in fields(self))

    def where(self, query, id_bounds: bool = True):
        """Restrict `query` to the filter; `id_bounds` turns the date range into an id range too (best
        for id-ordered pages; a per-day count reads the created_at index instead)."""
        if self.q is not None:
            return query.where(Run.id == self.q)
        if self.flow:
            query = query.where(Run.flow_id == self.flow)
        if self.status:
            query = query.where(Run.status == self.status)
        if self.trigger:
            query = query.where(Run.trigger == self.trigger)
        if self.warnings:
            # One seek per run on the partial index ix_run_log_warning (warning rows only).
            query = query.where(exists().where(RunLog.run_id == Run.id, RunLog.level == "warning"))
        if self.date_from:
            start = datetime.combine(self.date_from, datetime.min.time())
            query = query.where(Run.created_at >= start)
            low = _edge_id(Run.created_at >= start, Run.created_at.asc()) if id_bounds else None
            if low is not None:
                query = query.where(Run.id >= low - ID_MARGIN)
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), datetime.min.time())
            query = query.where(Run.created_at < end)
            if id_bounds:
                high = _edge_id(Run.created_at < end, Run.created_at.desc())
                query = query.where(Run.id <= (high + ID_MARGIN if high is not None else 0))
        return query


def _edge_id(condition, order) -> int | None:
    """The id of the first run (in `order`) meeting a created_at condition: one index seek."""
    return db.session.execute(scoped(Run).with_only_columns(Run.id).where(condition).order_by(order).limit(1)
                              ).scalar_one_or_none()


def _with_names(query):
    # Flow names and version numbers in two small IN queries, not a join that could steer the planner
    # away from the keyset index, and without loading each version's (large) definition.
    return query.options(selectinload(Run.flow).load_only(Flow.id, Flow.name),
                         selectinload(Run.version).load_only(FlowVersion.id, FlowVersion.number))


@dataclass
class RunPage:
    runs: list[Run]
    older: int | None  # `before` cursor of the next (older) page
    newer: int | None  # `after` cursor of the previous (newer) page

    @property
    def any_active(self) -> bool:
        return any(not run.is_final for run in self.runs)


def list_page(filters: RunFilter, before: int | None = None, after: int | None = None,
              limit: int = PAGE_SIZE) -> RunPage:
    query = _with_names(filters.where(scoped(Run)))
    if after is not None and before is None:
        rows = list(db.session.execute(query.where(Run.id > after).order_by(Run.id.asc()).limit(limit + 1)).scalars())
        more_newer = len(rows) > limit
        runs = list(reversed(rows[:limit]))
        return RunPage(runs, older=runs[-1].id if runs else None, newer=runs[0].id if runs and more_newer else None)
    if before is not None:
        query = query.where(Run.id < before)
    rows = list(db.session.execute(query.order_by(Run.id.desc()).limit(limit + 1)).scalars())
    runs = rows[:limit]
    return RunPage(runs, older=runs[-1].id if len(rows) > limit else None,
                   newer=runs[0].id if runs and before is not None else None)


def page(before_id: int | None = None, flow_id: int | None = None, status: str | None = None,
         limit: int = PAGE_SIZE) -> list[Run]:
    """Keyset pagination on the primary key: as fast on page 1,000 as on page 1."""
    return list_page(RunFilter(flow=flow_id, status=status), before=before_id, limit=limit).runs


def count_matching(filters: RunFilter, status: str | None = None, cap: int = 1000) -> int:
    """How many runs match, counting no further than `cap` (a count must not scan a million rows)."""
    query = filters.where(scoped(Run).with_only_columns(Run.id))
    if status:
        query = query.where(Run.status == status)
    inner = query.order_by(Run.id.desc()).limit(cap).subquery()
    return db.session.execute(select(func.count()).select_from(inner)).scalar_one()


def matching_ids(filters: RunFilter, status: str, limit: int) -> list[int]:
    query = filters.where(scoped(Run).with_only_columns(Run.id)).where(Run.status == status)
    return list(db.session.execute(query.order_by(Run.id.desc()).limit(limit)).scalars())


def recent(limit: int = 10) -> list[Run]:
    return list(db.session.execute(_with_names(scoped(Run)).order_by(Run.id.desc()).limit(limit)).scalars())


def flows() -> list[Flow]:
    return list(db.session.execute(scoped(Flow).options(load_only(Flow.id, Flow.name)).order_by(Flow.name)).scalars())


# -- charts ---------------------------------------------------------------------------------------
def _per_day(query, first: date, days: int) -> dict:
    labels = [(first + timedelta(days=i)).isoformat() for i in range(days)]
    index = {label: i for i, label in enumerate(labels)}
    series: dict[str, list[int]] = {}
    for day_value, status, count in db.session.execute(query):
        position = index.get(str(day_value)[:10])
        if position is not None:
            series.setdefault(status, [0] * days)[position] = count
    return {"labels": labels, "series": series}


def daily_counts(days: int = 14) -> dict:
    """Runs per day and status for the last `days` days, shaped for a stacked bar chart."""
    since = (utcnow() - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    day = func.date(Run.created_at)
    query = (scoped(Run).with_only_columns(day, Run.status, func.count())
             .where(Run.created_at >= since).group_by(day, Run.status))
    return _per_day(query, since.date(), days)


def filtered_daily_counts(filters: RunFilter) -> dict:
    """Runs per day and status over the filtered range (at most MAX_CHART_DAYS, ending at its end)."""
    last = filters.date_to or utcnow().date()
    first = filters.date_from or last - timedelta(days=29)
    first = max(first, last - timedelta(days=MAX_CHART_DAYS - 1))
    days = (last - first).days + 1
    series: dict[str, list[int]] = {}
    # One small count per day over the (company_id, created_at, status) index: no per-row date()
    # and no sort of the whole range, which at a million runs is the difference between ms and seconds.
    for offset in range(days):
        day = first + timedelta(days=offset)
        one_day = RunFilter(flow=filters.flow, status=filters.status, trigger=filters.trigger, date_from=day,
                            date_to=day, warnings=filters.warnings)
        query = (one_day.where(scoped(Run), id_bounds=False).with_only_columns(Run.status, func.count())
                 .group_by(Run.status))
        for status, count in db.session.execute(query):
            series.setdefault(status, [0] * days)[offset] = count
    return {"labels": [(first + timedelta(days=i)).isoformat() for i in range(days)], "series": series}


def status_totals(days: int = 14) -> dict[str, int]:
    since = utcnow() - timedelta(days=days)
    query = (scoped(Run).with_only_columns(Run.status, func.count()).where(Run.created_at >= since)
             .group_by(Run.status))
    return dict(db.session.execute(query).all())


# -- one run --------------------------------------------------------------------------------------
def logs(run: Run, levels: tuple[str, ...] | None = None, limit: int | None = None) -> list[RunLog]:
    query = scoped(RunLog).where(RunLog.run_id == run.id).order_by(RunLog.id)
    if levels:
        query = query.where(RunLog.level.in_(levels))
    if limit:
        query = query.limit(limit)
    return list(db.session.execute(query).scalars())


def stream_logs(run: Run, batch: int = 2000):
    """Every log row of a run in order, a batch at a time (downloads of long runs stay small in memory)."""
    last = 0
    while True:
        rows = list(db.session.execute(scoped(RunLog).where(RunLog.run_id == run.id, RunLog.id > last)
                                       .order_by(RunLog.id).limit(batch)).scalars())
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        db.session.expunge_all()


def payload_rows(run: Run) -> list[RunLog]:
    query = (scoped(RunLog).where(RunLog.run_id == run.id, RunLog.payload_ref.is_not(None)).order_by(RunLog.id))
    return list(db.session.execute(query).scalars())


def steps(run: Run) -> list[RunStep]:
    return list(db.session.execute(scoped(RunStep).where(RunStep.run_id == run.id)
                                   .order_by(RunStep.started_at, RunStep.id)).scalars())


def failed_payloads(run: Run) -> list[RunFailedPayload]:
    return list(db.session.execute(scoped(RunFailedPayload).where(RunFailedPayload.run_id == run.id)
                                   .order_by(RunFailedPayload.id)).scalars())


def related(run: Run) -> dict:
    """Parent, children, the run this one retries and the retries of this one."""
    def many(condition):
        return list(db.session.execute(_with_names(scoped(Run)).where(condition).order_by(Run.id).limit(100)).scalars())

    def one(ident):
        if not ident:
            return None
        return db.session.execute(_with_names(scoped(Run)).where(Run.id == ident)).scalar_one_or_none()

    return {"parent": one(run.parent_run_id), "children": many(Run.parent_run_id == run.id),
            "retry_of": one(run.retry_of_id), "retries": many(Run.retry_of_id == run.id)}


def counts(run: Run) -> dict:
    """Badge numbers of the run page's tabs."""
    def count(query):
        return db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()

    return {
        "payloads": count(scoped(RunLog).where(RunLog.run_id == run.id, RunLog.payload_ref.is_not(None))),
        "failed": count(scoped(RunFailedPayload).where(RunFailedPayload.run_id == run.id)),
        "requests": exchanges.count(run),
    }


def waterfall(run: Run, rows: list[RunStep]) -> list[dict]:
    """Each step's bar as percentages of the run's span (start offset, width)."""
    if not rows:
        return []
    start = min([r.started_at for r in rows] + ([run.started_at] if run.started_at else []))
    ends = [r.started_at + timedelta(milliseconds=r.duration_ms) for r in rows]
    if run.finished_at:
        ends.append(run.finished_at)
    span = max((max(ends) - start).total_seconds() * 1000, 1.0)
    bars = []
    for row in rows:
        offset = (row.started_at - start).total_seconds() * 1000
        bars.append({"step": row, "left": round(100 * offset / span, 2),
                     "width": max(round(100 * row.duration_ms / span, 2), 0.4), "offset_ms": offset})
    return bars


# -- tracked data ---------------------------------------------------------------------------------
TRACKED_SHOWN = 200


def tracked_labels(since: datetime) -> list[str]:
    query = (scoped(TrackedValue).with_only_columns(TrackedValue.label).where(TrackedValue.tracked_at >= since)
             .distinct().order_by(TrackedValue.label).limit(500))
    return list(db.session.execute(query).scalars())


def tracked_search(value: str, since: datetime, label: str | None = None, prefix: bool = False,
                   limit: int = TRACKED_SHOWN) -> list[tuple]:
    """(tracked value, run status, flow name) rows, newest first: which runs touched this value."""
    query = (scoped(TrackedValue).add_columns(Run.status, Flow.name)
             .join(Run, Run.id == TrackedValue.run_id).join(Flow, Flow.id == TrackedValue.flow_id)
             .where(TrackedValue.tracked_at >= since))
    if label:
        query = query.where(TrackedValue.label == label)
    if prefix:
        # A range, not LIKE: it uses the (company_id, label, value) / (company_id, value) indexes everywhere.
        query = query.where(TrackedValue.value >= value, TrackedValue.value < value + "\U0010ffff")
    else:
        query = query.where(TrackedValue.value == value)
    return list(db.session.execute(query.order_by(TrackedValue.tracked_at.desc(), TrackedValue.id.desc())
                                   .limit(limit)).all())
