"""Makers for the foundation's tenant models."""
from __future__ import annotations

from app.accounts.models import User
from app.extensions import db
from app.flows.models import Flow, FlowVersion
from app.runs.models import Run, RunLog
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


MAKERS = {
    User: lambda c: factories.user(c),
    Flow: lambda c: factories.flow(c),
    FlowVersion: lambda c: factories.flow(c).versions[0],
    Run: make_run,
    RunLog: make_log,
}
