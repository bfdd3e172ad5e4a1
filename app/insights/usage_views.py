"""Usage page (/insights/usage): operations per day, by what caused them: each connector instance,
webhooks, events, the API. Read from UsageDaily (one row per company, day, flow and source), never
from run logs."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, request
from flask_babel import gettext

from app import htmx
from app.connectors.models import Instance
from app.extensions import db
from app.insights import usage
from app.tenancy import requires, scoped
from app.timeutil import utcnow

bp = Blueprint("usage", __name__, url_prefix="/insights/usage")

PERIODS = (7, 30, 90)
INSTANCE_PREFIX = "instance:"
SHAPES = "-"  # the filter's name for source "" (runs and shapes), which a query string cannot tell from none


def _labels(sources: set[str]) -> dict[str, str]:
    """A readable name per source; instances by their name in the acting company (a removed one says so)."""
    ids = {int(s[len(INSTANCE_PREFIX):]) for s in sources
           if s.startswith(INSTANCE_PREFIX) and s[len(INSTANCE_PREFIX):].isdigit()}
    names = dict(db.session.execute(scoped(Instance).with_only_columns(Instance.id, Instance.name)
                                    .where(Instance.id.in_(ids))).all()) if ids else {}
    fixed = {"": gettext("Runs and shapes"), "webhook": gettext("Webhooks"), "callback": gettext("Callbacks"),
             "event": gettext("Event listeners"), "api": gettext("API")}
    labels = {}
    for source in sources:
        if source.startswith(INSTANCE_PREFIX):
            ident = source[len(INSTANCE_PREFIX):]
            name = names.get(int(ident)) if ident.isdigit() else None
            labels[source] = name or gettext("Removed instance %(id)s", id=ident)
        else:
            labels[source] = fixed.get(source, source)
    named = list(labels.values())
    return {source: f"{label} (#{source[len(INSTANCE_PREFIX):]})" if named.count(label) > 1 else label
            for source, label in labels.items()}  # two instances of one name stay two series


@bp.route("/")
@requires("dashboard", "view")
def index():
    days = request.args.get("days", type=int)
    days = days if days in PERIODS else 30
    source = request.args.get("source") or None
    source = "" if source == SHAPES else source
    until = utcnow().date()
    since = until - timedelta(days=days - 1)
    rows = usage.per_source(since, until)  # every source, for the filter and the breakdown
    labels = _labels({row[1] for row in rows})
    if source not in labels:
        source = None  # a source this company has no usage of in the period: show everything
    day_labels = [(since + timedelta(days=i)).isoformat() for i in range(days)]
    series: dict[str, list[int]] = {}
    totals: dict[str, dict[str, int]] = {}
    for day, src, runs, operations, data_bytes in rows:
        total = totals.setdefault(src, {"runs": 0, "operations": 0, "data_bytes": 0})
        total["runs"] += runs
        total["operations"] += operations
        total["data_bytes"] += data_bytes
        if operations and (source is None or src == source):
            series.setdefault(labels[src], [0] * days)[(day - since).days] += operations
    breakdown = sorted(({"source": s, "label": labels[s], **t} for s, t in totals.items()),
                       key=lambda row: (not row["source"].startswith(INSTANCE_PREFIX), -row["operations"]))
    chart = {"labels": day_labels, "series": series}
    return htmx.render("insights/usage.html", block="usage_body", days=days, periods=PERIODS, source=source,
                       labels=labels, breakdown=breakdown, shapes=SHAPES, chart=chart)
