"""Makers for tracked data."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.runs import tracking
from app.runs.tracking import TrackedValue
from tests.tenant_makers.core import make_run


def make_tracked_value(company):
    run = make_run(company)
    tracking.record(company.id, run.flow_id, run.id, [("Customer", "C-1")])
    return db.session.execute(select(TrackedValue).where(TrackedValue.run_id == run.id)).scalar_one()


MAKERS = {TrackedValue: make_tracked_value}
