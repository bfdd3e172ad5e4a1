"""Automatic retries skip runs a callback started: the caller already got the error (502), so running the flow
again would answer nobody. The run log says why. The same flow started otherwise is still retried."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db, get_redis
from app.flows.models import Flow
from app.runs import auto_retry, services
from app.runs.models import Run, RunLog
from tests.integration.test_callbacks import CALLBACK, answer_with_worker, make_callback

FAILING = {"trigger": {"type": "manual", "config": {}}, "steps": [
    {"id": "a", "type": "manual_payload", "version": 1, "config": {"format": "text", "body": "hello"}},
    {"id": "b", "type": "map", "version": 1, "retries": 0, "config": {"rules": [{"source": "x", "target": "y"}]}},
    CALLBACK]}
SKIPPED = ("No automatic retry: this run was started by a callback, whose caller already received the error. "
           "Retry it by hand if the flow should run again.")


def _runs(flow_id: int) -> list[Run]:
    db.session.expire_all()
    return list(db.session.execute(select(Run).where(Run.flow_id == flow_id).order_by(Run.id)).scalars())


def _lines(run_id: int) -> list[str]:
    return [r.message for r in db.session.execute(select(RunLog).where(RunLog.run_id == run_id)
                                                   .order_by(RunLog.id)).scalars()]


def test_a_failed_callback_run_is_not_retried_and_its_log_says_why(app, worker):
    app.config["RUN_RETRY_BACKOFF"] = 0  # a retry would start at once, within the same worker burst
    target = make_callback(app, FAILING)
    with app.app_context():
        db.session.get(Flow, target.flow_id).retry_failed_runs = 2
        db.session.commit()

    response, run_id = answer_with_worker(app, worker, target.url, json={})
    worker.work()  # anything a retry would have queued

    assert response.status_code == 502 and "Map needs JSON payloads" in response.json["error"]
    with app.app_context():
        runs = _runs(target.flow_id)
        assert [(r.id, r.trigger, r.status) for r in runs] == [(run_id, "callback", "failure")], "no retry run"
        assert SKIPPED in _lines(run_id)
        assert not any("retried automatically" in line for line in _lines(run_id))
        assert get_redis().zscore(auto_retry.DUE_KEY, str(run_id)) is None


def test_the_same_flow_started_by_its_schedule_is_still_retried(app, worker):
    app.config["RUN_RETRY_BACKOFF"] = 0
    target = make_callback(app, FAILING)
    with app.app_context():
        flow = db.session.get(Flow, target.flow_id)
        flow.retry_failed_runs = 1
        db.session.commit()
        original = services.start_run(flow, trigger="schedule").id
    worker.work()

    with app.app_context():
        runs = _runs(target.flow_id)
        assert [(r.trigger, r.status) for r in runs] == [("schedule", "failure"), ("retry", "failure")]
        assert runs[1].retry_of_id == original
        assert SKIPPED not in _lines(original)
