"""The run queue: priority then FIFO, within the company's concurrency allowance; nothing dropped."""
from __future__ import annotations

from app.extensions import db, get_redis
from app.runs import queue as run_queue
from app.runs import services
from app.runs.models import Run
from tests import factories


def _flow(company, priority="medium"):
    flow = factories.flow(company)
    flow.priority = priority
    db.session.commit()
    return flow


def test_runs_over_the_allowance_wait_and_all_finish(ctx, worker):
    company = factories.company(tier="trial")  # one run at a time
    flow = _flow(company)
    runs = [services.start_run(flow, trigger="schedule") for _ in range(3)]
    dispatched = [r.id for r in runs if r.dispatched_at is not None]
    assert dispatched == [runs[0].id], "only one slot on the trial tier"
    worker.work()
    db.session.expire_all()
    finished = sorted(db.session.query(Run).all(), key=lambda r: r.started_at)
    assert [r.status for r in finished] == ["success"] * 3
    assert [r.id for r in finished] == [r.id for r in runs], "FIFO within one priority"
    assert get_redis().scard(run_queue.slots_key(company.id)) == 0, "every slot was given back"


def test_higher_priority_flows_go_first_when_a_slot_frees(ctx, worker):
    company = factories.company(tier="trial")
    busy = services.start_run(_flow(company), trigger="schedule")  # holds the only slot
    low = services.start_run(_flow(company, "lowest"), trigger="webhook")
    high = services.start_run(_flow(company, "highest"), trigger="webhook")
    assert low.dispatched_at is None and high.dispatched_at is None
    worker.work()
    db.session.expire_all()
    order = [r.id for r in sorted(db.session.query(Run).all(), key=lambda r: r.started_at)]
    assert order == [busy.id, high.id, low.id]


def test_manual_runs_skip_the_wait_but_take_a_slot(ctx, worker):
    company = factories.company(tier="trial")
    flow = _flow(company)
    waiting_behind = services.start_run(flow, trigger="schedule")
    manual = services.start_run(flow, trigger="manual")
    assert manual.dispatched_at is not None
    assert get_redis().scard(run_queue.slots_key(company.id)) == 2  # over the allowance, by design
    queued = services.start_run(flow, trigger="schedule")
    assert queued.dispatched_at is None, "no free slot while the manual run holds one"
    worker.work()
    db.session.expire_all()
    assert {r.status for r in db.session.query(Run).all()} == {"success"}
    assert waiting_behind.id < queued.id


def test_companies_do_not_share_slots(ctx):
    first, second = factories.company(tier="trial"), factories.company(tier="trial")
    services.start_run(_flow(first), trigger="schedule")
    other = services.start_run(_flow(second), trigger="schedule")
    assert other.dispatched_at is not None


def test_sweep_dispatches_runs_whose_slot_holder_died(ctx):
    company = factories.company(tier="trial")
    flow = _flow(company)
    ghost = services.start_run(flow, trigger="schedule")
    waiting = services.start_run(flow, trigger="schedule")
    ghost.status = "failure"  # its worker died after marking it, without giving the slot back
    db.session.commit()
    assert run_queue.sweep() == 1
    db.session.refresh(waiting)
    assert waiting.dispatched_at is not None


def test_a_run_stopped_while_waiting_never_runs(ctx, worker):
    company = factories.company(tier="trial")
    flow = _flow(company)
    services.start_run(flow, trigger="schedule")
    waiting = services.start_run(flow, trigger="schedule")
    services.request_stop(waiting)
    worker.work()
    db.session.refresh(waiting)
    assert waiting.status == "stopped" and waiting.started_at is None


def test_a_flow_concurrency_limit_holds_its_runs_back_but_not_other_flows(ctx, worker):
    company = factories.company(tier="pro")  # five slots for the company
    limited = _flow(company)
    limited.concurrency_limit = 1
    db.session.commit()
    first, second, third = (services.start_run(limited, trigger="webhook") for _ in range(3))
    other = services.start_run(_flow(company), trigger="webhook")
    assert first.dispatched_at is not None
    assert second.dispatched_at is None and third.dispatched_at is None, "one run of this flow at once"
    assert other.dispatched_at is not None, "other flows use the company's free slots"
    worker.work()
    db.session.expire_all()
    runs = [db.session.get(Run, r.id) for r in (first, second, third)]
    assert [r.status for r in runs] == ["success"] * 3
    assert runs[0].finished_at <= runs[1].started_at and runs[1].finished_at <= runs[2].started_at


def _waiting(company) -> int:
    db.session.expire_all()
    return db.session.query(Run).filter(Run.company_id == company.id, Run.dispatched_at.is_(None)).count()


def test_waiting_runs_are_handed_over_in_a_batch_once_few_are_left_on_the_queue(ctx, app):
    from worker import build_worker

    company = factories.company(tier="standard")  # ten runs at once
    flow = _flow(company)
    runs = [services.start_run(flow, trigger="schedule") for _ in range(14)]
    assert _waiting(company) == 4
    w = build_worker(app, name=f"batch-{company.id}")
    left = 10 - run_queue.HANDOVER_DEPTH
    w.work(burst=True, max_jobs=left, with_scheduler=False, logging_level="WARNING")
    assert _waiting(company) == 4, "while enough of the company's runs wait on the queue, the rest stay put"
    runs.append(services.start_run(flow, trigger="schedule"))
    assert _waiting(company) == 5, "a new run takes no free slot while older runs wait: it queues behind them"
    w.work(burst=True, max_jobs=1, with_scheduler=False, logging_level="WARNING")
    assert _waiting(company) == 0, "then every free slot is filled at once"
    w.work(burst=True, with_scheduler=False, logging_level="WARNING")
    db.session.expire_all()
    finished = sorted(db.session.query(Run).all(), key=lambda r: r.started_at)
    assert [r.status for r in finished] == ["success"] * 15
    assert [r.id for r in finished] == [r.id for r in runs], "still FIFO"
    redis = get_redis()
    assert redis.scard(run_queue.slots_key(company.id)) == 0 and redis.scard(run_queue.running_key(company.id)) == 0


def test_a_dead_workers_run_left_in_the_running_set_is_pruned_and_never_holds_runs_back(ctx, worker):
    company = factories.company(tier="trial")
    flow = _flow(company)
    first, second = services.start_run(flow, trigger="schedule"), services.start_run(flow, trigger="schedule")
    get_redis().sadd(run_queue.running_key(company.id), 999_999)  # a run id no worker holds any more
    worker.work()
    db.session.expire_all()
    assert {db.session.get(Run, first.id).status, db.session.get(Run, second.id).status} == {"success"}
    services.start_run(flow, trigger="schedule")
    services.start_run(flow, trigger="schedule")  # waits: the trial's one slot is taken
    run_queue.sweep()
    assert get_redis().smembers(run_queue.running_key(company.id)) == set()
