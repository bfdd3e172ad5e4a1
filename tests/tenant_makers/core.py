"""Makers for the foundation's tenant models."""
from __future__ import annotations

from app.accounts.models import User
from app.extensions import db
from app.flows.models import Flow, FlowVersion
from app.insights.usage import UsageDaily
from app.runs.models import Run, RunLog, RunStep
from app.timeutil import utcnow
from tests import factories


def make_run(company):
    flow = factories.flow(company)
    run = Run(company_id=company.id, flow_id=flow.id, version_id=flow.deployed.id, trigger="manual")
    db.session.add(run)
    db.session.commit()
    return run


def make_log(company):
    run = make_run(company)
    row = RunLog(company_id=company.id, run_id=run.id, level="info", message="hello")
    db.session.add(row)
    db.session.commit()
    return row


def make_step(company):
    run = make_run(company)
    row = RunStep(company_id=company.id, run_id=run.id, step_id="s1", label="Map", type="map", status="success",
                  started_at=utcnow())
    db.session.add(row)
    db.session.commit()
    return row


def make_usage(company):
    flow = factories.flow(company)
    row = UsageDaily(company_id=company.id, day=utcnow().date(), flow_id=flow.id, source="", runs=1)
    db.session.add(row)
    db.session.commit()
    return row


MAKERS = {
    User: lambda c: factories.user(c),
    Flow: lambda c: factories.flow(c),
    FlowVersion: lambda c: factories.flow(c).versions[0],
    Run: make_run,
    RunLog: make_log,
    RunStep: make_step,
    UsageDaily: make_usage,
}
