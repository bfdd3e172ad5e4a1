"""Makers for the run monitoring models (failed payloads, stored payloads, run settings)."""
from __future__ import annotations

from app.extensions import db
from app.runs.models import RunFailedPayload, RunPayload, RunSettings
from tests.tenant_makers.core import make_run


def make_failed_payload(company):
    run = make_run(company)
    row = RunFailedPayload(company_id=company.id, run_id=run.id, kind="caught", step_label="Map", error="boom")
    db.session.add(row)
    db.session.commit()
    return row


def make_stored_payload(company):
    run = make_run(company)
    row = RunPayload(company_id=company.id, run_id=run.id, ref=f"{company.id}/{run.id}/input.json", body=b"{}")
    db.session.add(row)
    db.session.commit()
    return row


def make_settings(company):
    row = RunSettings(company_id=company.id, log_days=10)
    db.session.add(row)
    db.session.commit()
    return row


MAKERS = {RunFailedPayload: make_failed_payload, RunPayload: make_stored_payload, RunSettings: make_settings}
