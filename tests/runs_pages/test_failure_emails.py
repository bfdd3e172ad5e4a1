"""Failure emails: a failed run emails its flow's notification groups once, with the flow, the failed step,
the error and a link; a burst of failures becomes one summary; each email counts against the allowance."""
from __future__ import annotations

import email
import time
from email import policy
from pathlib import Path

from app.extensions import db
from app.insights import notifications
from app.insights.models import NotificationGroup
from app.runs import failures, services
from app.runs.models import RunLog
from tests import factories
from tests.runs_pages.conftest import FAILING, make_flow, reload


def _group(company, *emails, name="Ops"):
    group = NotificationGroup(company_id=company.id, name=name, emails=list(emails))
    db.session.add(group)
    db.session.commit()
    return group


def _inbox(app) -> list:
    folder = Path(app.config["INSTANCE_PATH"]) / "mail"
    files = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]


def _failing_flow(company, groups=()):
    flow = make_flow(company, FAILING, name="Orders to ERP")
    flow.failure_group_ids = [g.id for g in groups]
    db.session.commit()
    return flow


def test_a_failed_run_emails_the_flows_groups_once_with_step_error_and_link(app, ctx, worker):
    app.config["BASE_URL"] = "https://weft.example.com/"
    company = factories.company("Acme")
    ops = _group(company, "ops@acme.example", "lead@acme.example")
    _group(company, "nobody@acme.example", name="Not chosen")
    run = services.start_run(_failing_flow(company, [ops]))
    worker.work()  # the run, then the mail job it queued
    [message] = _inbox(app)
    assert sorted(message["To"].split(", ")) == ["lead@acme.example", "ops@acme.example"]
    assert message["Subject"] == f"[Failed] Orders to ERP: run #{run.id} failed at Map"
    text = message.get_body(("plain",)).get_content()
    assert "Step:   Map" in text and "Map needs JSON" in text
    assert f"https://weft.example.com/runs/{run.id}" in text
    html = message.get_body(("html",)).get_content()
    assert f'href="https://weft.example.com/runs/{run.id}"' in html
    logged = [r.message for r in db.session.query(RunLog).filter_by(run_id=run.id)]
    assert "Failure email queued for 2 recipients (notification group: Ops)." in logged
    assert notifications.emails_sent(company.id) == 1
    assert failures.notify_failure(reload(run), "Map", "again", lambda *a: None) is None, "once per run"


def test_a_burst_of_failures_is_one_email_then_one_summary(app, ctx, worker):
    company = factories.company()
    flow = _failing_flow(company, [_group(company, "ops@example.com")])
    runs = [services.start_run(flow) for _ in range(5)]
    worker.work()
    assert len(_inbox(app)) == 1, "the first failure only"
    later = [r.message for r in db.session.query(RunLog).filter_by(run_id=runs[-1].id)]
    assert any("will be in the next summary" in m for m in later)
    assert failures.send_due_summaries() == 0, "the window has not ended yet"
    assert failures.send_due_summaries(time.time() + failures.WINDOW_SECONDS + 1) == 1
    worker.work()
    summary = _inbox(app)[-1]
    assert summary["Subject"] == f"[Failed] {flow.name}: 4 more failed runs"
    text = summary.get_body(("plain",)).get_content()
    assert f"/runs/{runs[-1].id}" in text and f"/runs/?flow={flow.id}&status=failure" in text
    assert notifications.emails_sent(company.id) == 2
    assert failures.send_due_summaries(time.time() + 10_000) == 0, "each summary goes once"


def test_the_next_failure_after_a_quiet_window_carries_the_missed_count(app, ctx, worker):
    company = factories.company()
    flow = _failing_flow(company, [_group(company, "ops@example.com")])
    services.start_run(flow)
    services.start_run(flow)
    worker.work()
    from app.extensions import get_redis

    get_redis().delete(failures._key("flow", flow.id, "window"))  # the 15 minutes have passed
    services.start_run(flow)
    worker.work()
    messages = _inbox(app)
    assert len(messages) == 2
    assert "1 more failed run of this flow since the last email" in messages[-1].get_body(("plain",)).get_content()


def test_flows_without_groups_use_the_company_default_or_send_nothing(app, ctx, worker):
    from app.runs import retention

    company = factories.company()
    flow = _failing_flow(company)
    services.start_run(flow)
    worker.work()
    assert _inbox(app) == []
    group = _group(company, "fallback@example.com")
    retention.save(company, 30, 72, 15, failure_group_ids=[group.id])
    other = _failing_flow(company)
    services.start_run(other)
    worker.work()
    assert [m["To"] for m in _inbox(app)] == ["fallback@example.com"]


def test_successful_runs_and_used_up_allowances_send_nothing(app, ctx, worker):
    company = factories.company(tier="trial")
    group = _group(company, "ops@example.com")
    fine = make_flow(company, factories.SIMPLE_FLOW)
    fine.failure_group_ids = [group.id]
    db.session.commit()
    services.start_run(fine)
    worker.work()
    assert _inbox(app) == []
    for _ in range(100):
        notifications.take_email(company.id, 100)
    run = services.start_run(_failing_flow(company, [group]))
    worker.work()
    assert _inbox(app) == []
    logged = [r.message for r in db.session.query(RunLog).filter_by(run_id=run.id)]
    assert any("allowance is used up" in m for m in logged)
