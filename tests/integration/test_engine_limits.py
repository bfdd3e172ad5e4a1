"""The engine's limits with a real RQ worker: a step's time limit, branch fan-out stopping at the first failing
branch, connector retries against a local HTTP server, and relative dates counted from the queue time."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.connectors import services as connector_services
from app.extensions import db
from app.flows import services as flow_services
from app.runs import logbook, services
from app.runs.models import Run, RunLog, RunStep
from tests import factories
from tests.connectors import api_server

TRIGGER = {"type": "manual", "config": {}}


@pytest.fixture(scope="module")
def api():
    server = api_server.TestApi()
    yield server
    server.close()


def _instance(company, base_url: str, endpoints: list[dict], **settings):
    definition = {"key": "local", "name": "Local API", "version": "1", "category": "other", "base_url": base_url,
                  "variables": [], "auth_methods": [{"key": "none", "name": "No auth", "type": "none"}],
                  "endpoints": [{"name": e["key"], "entity": "items", "direction": "receive", "method": "GET", **e}
                                for e in endpoints]}
    connector = connector_services.create_connector(company, definition)
    return connector_services.add_instance(connector, "Local", "none", {}, **settings)


def _run(worker, flow, **kwargs) -> Run:
    run_id = services.start_run(flow, **kwargs).id
    worker.work()
    db.session.expire_all()
    return db.session.get(Run, run_id)


def _messages(run: Run, level: str | None = None) -> list[str]:
    rows = db.session.execute(select(RunLog).where(RunLog.run_id == run.id).order_by(RunLog.id)).scalars()
    return [row.message for row in rows if level is None or row.level == level]


def _steps(run: Run) -> dict[str, RunStep]:
    return {s.step_id: s for s in db.session.execute(select(RunStep).where(RunStep.run_id == run.id)).scalars()}


def _map(step_id: str, rules: list[dict]) -> dict:
    return {"id": step_id, "type": "map", "version": 1, "config": {"rules": rules}}


# --- time limit ----------------------------------------------------------------------------------------

def test_a_step_past_the_step_time_limit_fails_the_run_without_retrying(app, ctx, worker, api):
    app.config["STEP_TIMEOUT_SECONDS"] = 0.5
    company = factories.company()
    instance = _instance(company, api.url, [{"key": "slow", "path": "/slow", "query": {"delay": "1.2"}}],
                         timeout_seconds=30, retries=2)
    flow = factories.flow(company, definition={"trigger": TRIGGER, "steps": [
        {"id": "c", "type": "connector", "version": 1, "config": {"instance_id": instance.id, "endpoint": "slow"}},
        _map("m", [{"source": "ok", "target": "done"}])]})

    run = _run(worker, flow)

    assert run.status == "failure"
    assert run.error == "Connector: the step ran past its time limit and was stopped"
    steps = _steps(run)
    assert steps["c"].status == "failure" and steps["c"].attempts == 1  # a step out of time is not tried again
    assert "m" not in steps  # the run ended at the late step
    assert "Connector failed: the step ran past its time limit and was stopped" in _messages(run, "error")


def test_the_default_step_time_limit_is_thirty_minutes(app):
    assert app.config["STEP_TIMEOUT_SECONDS"] == 1800


# --- branch fan-out ------------------------------------------------------------------------------------

def test_branches_run_in_order_and_the_first_failing_branch_stops_the_rest(ctx, worker):
    branch = {"id": "b", "type": "branch", "version": 1, "config": {}, "paths": [
        {"id": "p1", "name": "Warehouse", "steps": [_map("m1", [{"source": "id", "target": "sku"}])]},
        {"id": "p2", "name": "Shop", "steps": [
            {"id": "a2", "type": "assert", "version": 1, "config": {"expected": '{"id": 99}'}}]},
        {"id": "p3", "name": "Accounts", "steps": [_map("m3", [{"source": "id", "target": "ref"}])]}]}
    flow = factories.flow(factories.company(), definition={"trigger": TRIGGER, "steps": [branch]})

    run = _run(worker, flow, payload='{"id": 7}', fmt="json")

    assert run.status == "failure"
    assert run.error.startswith("Assert: the payload does not match the expected payload")
    messages = _messages(run)
    assert "Branch: 'Warehouse' starts with 1 payload." in messages
    assert "Branch: 'Shop' starts with 1 payload." in messages
    assert "Branch: 'Shop' failed; the remaining paths do not start." in messages
    assert not any("'Accounts'" in m for m in messages)
    steps = _steps(run)
    assert steps["m1"].status == "success" and steps["a2"].status == "failure" and "m3" not in steps


# --- step retries --------------------------------------------------------------------------------------

def test_a_connector_that_fails_twice_then_succeeds_is_retried_and_each_retry_is_logged(ctx, worker, api):
    api.reset()
    company = factories.company()
    instance = _instance(company, api.url, [{"key": "flaky", "path": "/flaky", "query": {"key": "r1", "fail": "2"}}])
    flow = factories.flow(company, definition={"trigger": TRIGGER, "steps": [
        {"id": "c", "type": "connector", "version": 1,
         "config": {"instance_id": instance.id, "endpoint": "flaky", "retries": 2}},
        _map("m", [{"source": "attempt", "target": "answered_on_attempt"}])]})

    run = _run(worker, flow)

    assert run.status == "success", run.error
    retries = [m for m in _messages(run, "warning") if "Retrying" in m]
    assert len(retries) == 2 and all("503" in m for m in retries)
    assert api.state["hits"]["flaky:r1"] == 3
    assert run.operations == 3  # every attempt is an operation (spec §1.9)
    assert _steps(run)["c"].operations == 3
    out = db.session.execute(select(RunLog).where(RunLog.run_id == run.id, RunLog.step_id == "m",
                                                  RunLog.payload_ref.is_not(None))).scalar_one()
    assert json.loads(logbook.store().get(run.company_id, out.payload_ref)) == {"answered_on_attempt": 3}


def test_a_connector_out_of_retries_fails_the_run_with_the_last_status(ctx, worker, api):
    api.reset()
    company = factories.company()
    instance = _instance(company, api.url, [{"key": "flaky", "path": "/flaky", "query": {"key": "r2", "fail": "5"}}])
    flow = factories.flow(company, definition={"trigger": TRIGGER, "steps": [
        {"id": "c", "type": "connector", "version": 1,
         "config": {"instance_id": instance.id, "endpoint": "flaky", "retries": 1}}]})

    run = _run(worker, flow)

    assert run.status == "failure" and "HTTP 503" in run.error
    assert len([m for m in _messages(run, "warning") if "Retrying" in m]) == 1
    assert api.state["hits"]["flaky:r2"] == 2 and run.operations == 2


# --- use queued time -----------------------------------------------------------------------------------

NOW_MAP = [{"source": None, "target": "at", "transforms": [{"fn": "custom_dynamic_date", "params": {}}]}]


def _mapped_time(run: Run) -> datetime:
    row = db.session.execute(select(RunLog).where(RunLog.run_id == run.id, RunLog.step_id == "m",
                                                  RunLog.payload_ref.is_not(None))).scalar_one()
    return datetime.fromisoformat(json.loads(logbook.store().get(run.company_id, row.payload_ref))["at"])


@pytest.mark.parametrize("use_queued_time", [True, False])
def test_relative_dates_count_from_the_queue_time_when_the_flow_says_so(ctx, worker, use_queued_time):
    company = factories.company()
    flow = flow_services.new_flow(company, "Orders", None, None)
    assert flow.use_queued_time is True  # the default for new flows (spec §1.3)
    flow.use_queued_time = use_queued_time
    flow.draft.definition = {"trigger": TRIGGER, "steps": [_map("m", NOW_MAP)]}
    db.session.commit()
    run = services.start_run(flow, payload="{}", fmt="json")
    queued_at = datetime.now(UTC) - timedelta(hours=3)
    run.created_at = queued_at.replace(tzinfo=None)  # it waited three hours in the queue
    db.session.commit()
    worker.work()
    db.session.expire_all()
    run = db.session.get(Run, run.id)
    assert run.status == "success", run.error

    expected = queued_at if use_queued_time else datetime.now(UTC)
    assert abs(_mapped_time(run) - expected) < timedelta(seconds=5)
