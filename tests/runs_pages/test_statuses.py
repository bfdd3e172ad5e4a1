"""Every status a run can reach, on a real worker: queued → running → success | failure | partial | stopped,
and queued → stopped. Each change is published to the run's live channel, and the slot is given back."""
from __future__ import annotations

import json
import threading
import time

from app.extensions import db, get_redis
from app.runs import logbook, services
from app.runs import queue as run_queue
from app.runs.models import Run, RunFailedPayload, RunLog, RunStep
from tests import factories
from tests.runs_pages.conftest import FAILING, PARTIAL, flow_of, make_flow, reload, shop_instance, slow_step


def _statuses(pubsub) -> list[str]:
    found = []
    while (message := pubsub.get_message(timeout=0.2)) is not None:
        if message["type"] == "message":
            fact = json.loads(message["data"])
            if "status" in fact:
                found.append(fact["status"])
    return found


def _watch(run):
    pubsub = get_redis().pubsub()
    pubsub.subscribe(logbook.channel(run.id))
    pubsub.get_message(timeout=1)  # the subscribe confirmation
    return pubsub


def test_queued_then_running_then_success(ctx, worker):
    company = factories.company()
    run = services.start_run(make_flow(company, factories.SIMPLE_FLOW))
    assert run.status == "queued" and run.started_at is None
    pubsub = _watch(run)
    worker.work()
    run = reload(run)
    assert run.status == "success" and run.error is None
    assert run.started_at <= run.finished_at
    assert _statuses(pubsub) == ["running", "success"]
    steps = db.session.query(RunStep).filter_by(run_id=run.id).order_by(RunStep.started_at).all()
    assert [s.status for s in steps] == ["success", "success"]
    assert get_redis().scard(run_queue.slots_key(company.id)) == 0


def test_a_failing_step_fails_the_run_and_keeps_what_that_step_received(ctx, worker):
    company = factories.company()
    run = services.start_run(make_flow(company, FAILING))
    pubsub = _watch(run)
    worker.work()
    run = reload(run)
    assert run.status == "failure" and "Map" in run.error
    assert _statuses(pubsub) == ["running", "failure"]
    saved = db.session.query(RunFailedPayload).filter_by(run_id=run.id).one()
    assert saved.kind == "step_input" and saved.step_id == "map" and saved.payload_count == 1
    assert saved.payload_preview == "plain text"
    assert logbook.store().exists(company.id, saved.payload_ref)


def test_payloads_caught_by_try_catch_end_in_partial_success_and_are_kept(ctx, worker):
    company = factories.company()
    run = services.start_run(make_flow(company, PARTIAL))
    worker.work()
    run = reload(run)
    assert run.status == "partial", run.error
    caught = db.session.query(RunFailedPayload).filter_by(run_id=run.id).all()
    assert [(c.kind, c.step_label) for c in caught] == [("caught", "Map")]
    assert "Map needs JSON" in caught[0].error


def test_a_run_stopped_while_running_ends_at_the_next_step_and_frees_its_slot(app, ctx, worker, shop):
    company = factories.company(tier="trial")
    instance = shop_instance(company, shop.url)
    flow = make_flow(company, flow_of(*(slow_step(instance.id, 0.6, f"slow{i}") for i in range(4))))
    run = services.start_run(flow, trigger="schedule")
    waiting = services.start_run(flow, trigger="schedule")  # waits for the only slot
    run_id, stopped_at = run.id, {}

    def stop_when_running():
        with app.app_context():
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:  # stop once the first step is done, mid-run
                done = db.session.query(RunLog).filter(RunLog.run_id == run_id,
                                                       RunLog.message.like("Connector finished%")).first()
                if done is not None:
                    services.request_stop(db.session.get(Run, run_id))
                    stopped_at["t"] = time.monotonic()
                    return
                db.session.rollback()
                time.sleep(0.05)

    stopper = threading.Thread(target=stop_when_running)
    stopper.start()
    worker.work()  # the first run until it is stopped, then the one that waited for its slot
    stopper.join()
    run, waiting = reload(run), reload(waiting)
    assert run.status == "stopped"
    ran = [s.step_id for s in db.session.query(RunStep).filter_by(run_id=run.id)]
    assert 1 <= len(ran) < 4, "it ended at a step boundary, before the last step"
    assert stopped_at, "the stop was requested while the run was going"
    assert waiting.status == "success", "the freed slot let the waiting run in"
    assert get_redis().scard(run_queue.slots_key(company.id)) == 0


def test_a_run_stopped_while_queued_never_starts(ctx, worker):
    company = factories.company(tier="trial")
    flow = make_flow(company, factories.SIMPLE_FLOW)
    services.start_run(flow, trigger="schedule")
    waiting = services.start_run(flow, trigger="schedule")
    pubsub = _watch(waiting)
    services.request_stop(waiting)
    worker.work()
    waiting = reload(waiting)
    assert waiting.status == "stopped" and waiting.started_at is None and waiting.error == "Stopped before it started."
    assert _statuses(pubsub) == ["stopped"]


def test_stopping_a_run_handed_to_rq_takes_its_job_off_the_queue(ctx):
    company = factories.company(tier="pro")
    run = services.start_run(make_flow(company, factories.SIMPLE_FLOW), trigger="schedule")
    queue = run_queue.queue_name(run)
    from app import jobs

    assert f"run-{run.id}" in jobs.queue(queue).job_ids
    services.request_stop(run)
    assert f"run-{run.id}" not in jobs.queue(queue).job_ids
    assert reload(run).status == "stopped"
