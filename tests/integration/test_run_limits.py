"""The flow settings "run timeout" and "retry failed runs", enforced on a real worker."""
from __future__ import annotations

import time

from app.companies.models import Company
from app.extensions import db, get_redis
from app.flows.engine import run_timeout_message
from app.runs import auto_retry, services
from app.runs import queue as run_queue
from app.runs.models import Run, RunLog
from tests.runs_pages.conftest import (
    FAILING,
    ORDERS,
    flow_of,
    make_flow,
    manual,
    push_step,
    reload,
    shop_instance,
    slow_step,
)
from tests.runs_pages.shop import ShopApi
from tests.servers import local_server

shop_server, shop = local_server(ShopApi, "shop", scope="module")


def _lines(run_id: int) -> list[str]:
    db.session.expire_all()
    return list(db.session.execute(db.select(RunLog.message).where(RunLog.run_id == run_id)
                                   .order_by(RunLog.id)).scalars())


def _retries_of(run_id: int) -> list[Run]:
    db.session.expire_all()
    return list(db.session.execute(db.select(Run).where(Run.retry_of_id == run_id)).scalars())


def test_the_time_limit_messages_read_in_minutes():
    assert run_timeout_message(1800) == "Run stopped: it ran longer than the flow's time limit of 30 minutes."
    assert run_timeout_message(60) == "Run stopped: it ran longer than the flow's time limit of 1 minute."
    assert run_timeout_message(90) == "Run stopped: it ran longer than the flow's time limit of 90 seconds."


def test_a_run_past_the_flows_time_limit_is_stopped_and_fails(ctx, worker, shop):
    company = Company(name="Slow Ltd", tier="professional")
    db.session.add(company)
    db.session.commit()
    instance = shop_instance(company, shop.url)
    flow = make_flow(company, flow_of(slow_step(instance.id, 0.7, "first"), slow_step(instance.id, 0.7, "second"),
                                      slow_step(instance.id, 0.7, "third"), push_step(instance.id)))
    flow.run_timeout_seconds = 1
    db.session.commit()
    run = services.start_run(flow, trigger="manual")
    worker.work()
    run = reload(run)
    assert run.status == "failure"
    assert run.error == "Run stopped: it ran longer than the flow's time limit of 1 second."
    lines = _lines(run.id)
    assert run.error in lines, "the run log says why it stopped"
    assert not any(line.startswith("Third started") for line in lines), "no step starts after the limit"
    assert shop.received == [], "the steps after the limit never ran"
    assert get_redis().scard(run_queue.slots_key(company.id)) == 0, "the stopped run gave its slot back"
    # Without a limit the same flow runs to the end.
    flow.run_timeout_seconds = None
    db.session.commit()
    run = services.start_run(flow, trigger="manual")
    worker.work()
    assert reload(run).status == "success" and len(shop.received) == 1


def test_a_failed_run_is_retried_up_to_the_flows_number_of_times(app, ctx, worker):
    app.config["RUN_RETRY_BACKOFF"] = 0  # retry at once, so one burst of the worker sees the whole chain
    company = Company(name="Flaky Ltd", tier="professional")
    db.session.add(company)
    db.session.commit()
    flow = make_flow(company, FAILING)
    flow.retry_failed_runs = 2
    db.session.commit()
    original = services.start_run(flow, trigger="schedule")
    worker.work()
    db.session.expire_all()
    runs = list(db.session.execute(db.select(Run).where(Run.flow_id == flow.id).order_by(Run.id)).scalars())
    assert [r.status for r in runs] == ["failure"] * 3, "the run and its two retries"
    assert [r.retry_of_id for r in runs] == [None, runs[0].id, runs[1].id], "each retry points at the run it retries"
    assert all(r.trigger == "retry" and r.version_id == original.version_id for r in runs[1:])
    first = _lines(original.id)
    assert "Run failed: it will be retried automatically now (retry 1 of 2)." in first
    assert f"Retried automatically as run #{runs[1].id}." in first
    assert "Run failed: it will be retried automatically now (retry 2 of 2)." in _lines(runs[1].id)
    assert ("No automatic retry: the flow retries a failed run 2 times, and this was the last retry."
            in _lines(runs[2].id))
    assert get_redis().zcard(auto_retry.DUE_KEY) == 0


def test_a_retry_waits_out_its_backoff_and_can_succeed(app, ctx, worker, shop, client, login):
    app.config["RUN_RETRY_BACKOFF"] = 30
    me = login("user")
    company = db.session.get(Company, me["company_id"])
    instance = shop_instance(company, shop.url)
    flow = make_flow(company, flow_of(manual(ORDERS), push_step(instance.id)))
    flow.retry_failed_runs = 3
    db.session.commit()
    shop.down = True  # the shop answers 503: the run fails
    original = services.start_run(flow, trigger="webhook")
    worker.work()
    assert reload(original).status == "failure"
    assert "Run failed: it will be retried automatically in 30 seconds (retry 1 of 3)." in _lines(original.id)
    assert run_queue.sweep() == 0 and _retries_of(original.id) == [], "nothing starts before the backoff"

    shop.down = False
    assert len(auto_retry.start_due(now=time.time() + 31)) == 1, "the scheduler's sweep starts it once due"
    assert auto_retry.start_due(now=time.time() + 31) == [], "and only once"
    worker.work()
    (retried,) = _retries_of(original.id)
    assert reload(retried).status == "success"
    assert shop.received == [[{"sku": "RED-1", "qty": 2}, {"sku": "BLUE-9", "qty": 1}]], "the retry sent the same input"
    assert reload(retried).trigger == "retry"
    logs = client.get(f"/runs/{original.id}/logs", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f"Retried automatically as run #{retried.id}." in logs, "the failed run's log says where it went"


def test_the_backoff_doubles_for_each_further_retry(app, ctx):
    app.config["RUN_RETRY_BACKOFF"] = 60
    assert [auto_retry.backoff_seconds(n) for n in (1, 2, 3)] == [60, 120, 240]


def test_flows_without_the_setting_are_not_retried(ctx, worker):
    company = Company(name="Once Ltd", tier="professional")
    db.session.add(company)
    db.session.commit()
    run = services.start_run(make_flow(company, FAILING), trigger="schedule")
    worker.work()
    assert reload(run).status == "failure" and _retries_of(run.id) == []
    assert not any("retried automatically" in line for line in _lines(run.id))
