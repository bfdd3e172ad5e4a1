"""Crash recovery on real processes: a worker killed mid-run, and a job lost between the queue and a worker."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from app import jobs
from app.companies.models import Company
from app.extensions import db, get_redis
from app.runs import queue as run_queue
from app.runs import recovery, services
from app.runs.models import Run, RunLog
from tests import factories
from tests.runs_pages.conftest import flow_of, make_flow, push_step, reload, shop_instance, slow_step
from tests.runs_pages.shop import ShopApi

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shop():
    server = ShopApi()
    yield server
    server.close()


def _wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds} s for {what}")


def _worker_process(app) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": app.config["REDIS_URL"],
           "WEFT_INSTANCE_PATH": app.config["INSTANCE_PATH"], "WEFT_RETRY_DELAY_SECONDS": "0",
           "WEFT_WORKER_ALIVE_SECONDS": "2"}
    return subprocess.Popen([sys.executable, str(ROOT / "worker.py")], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_run_whose_worker_is_killed_fails_and_gives_its_slot_back(app, ctx, shop):
    company = Company(name="Crashy Ltd", tier="professional")
    db.session.add(company)
    db.session.commit()
    instance = shop_instance(company, shop.url)
    flow = make_flow(company, flow_of(slow_step(instance.id, 20, "slow"), push_step(instance.id)))
    run = services.start_run(flow, trigger="schedule")
    waiting = [services.start_run(flow, trigger="schedule") for _ in range(2)]
    process = _worker_process(app)
    try:
        _wait(lambda: db.session.get(Run, run.id).status == "running", 60, "the worker to start the run")
        process.kill()  # no goodbye: the run stays "running" and its worker's liveness key runs out
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert reload(run).status == "running"
    _wait(lambda: not get_redis().exists(recovery.alive_key(get_redis().hget(recovery.HELD_KEY, str(run.id))
                                                          .decode())), 10, "the dead worker's key to expire")
    run_queue.sweep()
    run = reload(run)
    assert run.status == "failure" and run.error == recovery.WORKER_DIED and run.finished_at is not None
    lines = [row.message for row in db.session.query(RunLog).filter_by(run_id=run.id)]
    assert recovery.WORKER_DIED in lines, "the run log says what happened"
    assert str(run.id).encode() not in get_redis().smembers(run_queue.slots_key(company.id)), "its slot is free"
    assert not get_redis().hexists(recovery.HELD_KEY, str(run.id))
    assert run_queue.sweep() == 0 and reload(run).status == "failure", "recovered once"
    assert all(reload(w).status == "queued" for w in waiting), "the other runs still wait their turn"


def test_a_job_lost_between_the_queue_and_a_worker_is_enqueued_again(ctx, worker):
    company = factories.company(tier="professional")
    run = services.start_run(factories.flow(company), trigger="schedule")
    queue = jobs.queue(run_queue.queue_name(run))
    assert get_redis().lpop(queue.key) == f"run-{run.id}".encode()  # taken by a worker that died at once
    run.dispatched_at -= timedelta(minutes=5)
    db.session.commit()
    assert run_queue.is_waiting_on_queue(run) is False
    run_queue.sweep()
    assert run_queue.is_waiting_on_queue(run), "back on its queue"
    worker.work()
    assert reload(run).status == "success"


def test_a_handed_run_still_on_its_queue_is_left_alone(ctx):
    company = factories.company(tier="professional")
    run = services.start_run(factories.flow(company), trigger="schedule")
    run.dispatched_at -= timedelta(minutes=5)  # a long backlog: old, but still waiting on its queue
    db.session.commit()
    run_queue.sweep()
    queue = jobs.queue(run_queue.queue_name(run))
    assert queue.job_ids.count(f"run-{run.id}") == 1, "not enqueued twice"


def test_a_run_job_that_crashes_the_worker_path_is_kept_whole_in_rqs_failed_registry(ctx, worker, monkeypatch):
    from rq.job import Job
    from rq.registry import FailedJobRegistry
    from rq.serializers import JSONSerializer

    import app.runs.jobs

    def broken(run_id):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(app.runs.jobs, "execute_run", broken)
    run = services.start_run(factories.flow(factories.company()), trigger="manual")
    worker.work()
    queue_name = run_queue.queue_name(run)
    failed = FailedJobRegistry(queue_name, connection=get_redis(), serializer=JSONSerializer)
    assert f"run-{run.id}" in failed.get_job_ids()
    job = Job.fetch(f"run-{run.id}", connection=get_redis(), serializer=JSONSerializer)
    assert job.func_name == "app.runs.jobs.execute_run" and job.args == [run.id], "the job's data survived"
    assert get_redis().hget(recovery.HELD_KEY, str(run.id)) == b"-", "left for the sweep to fail"
