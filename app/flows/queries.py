"""Read-only queries over the acting company's flows."""
from __future__ import annotations

from sqlalchemy import func

from app.extensions import db
from app.flows.models import Flow
from app.tenancy import scoped


def count_flows() -> int:
    return db.session.execute(scoped(Flow).with_only_columns(func.count())).scalar_one()


def all_flows() -> list[Flow]:
    return list(db.session.execute(scoped(Flow).order_by(Flow.name)).scalars())
