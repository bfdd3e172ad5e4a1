"""De-dupe: the three behaviours, lists and single records, concurrency (two runs never both pass a value),
and the data pools page (counts, search, CSV import with bad rows, export, clear, delete refused)."""
from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.caches import pools
from app.caches.models import DataPool, PoolValue
from app.extensions import db
from app.flows.context import Payload
from app.flows.engine import Engine, Environment
from app.runs import logbook
from app.runs import services as run_services
from app.runs.models import Run, RunLog
from tests import factories

HX = {"HX-Request": "true"}


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message))


def dedupe(service, bucket, behaviour="filter_track", pool="orders"):
    step = {"id": "d", "type": "dedupe", "version": 1,
            "config": {"pool": pool, "key_field": "id", "behaviour": behaviour}}
    log = Log()
    result = Engine(Environment(log=log, dedupe=service, retry_delay=0)).run({"steps": [step]}, bucket)
    assert result.status == "success", result.error
    return [p.data for p in result.bucket], log


def test_filter_and_track_passes_each_value_once(ctx):
    service = pools.DedupeService(factories.company().id)
    out, log = dedupe(service, [Payload([{"id": 1}, {"id": 2}, {"id": 2}]), Payload({"id": 3}), Payload({"x": 0})])
    assert out == [[{"id": 1}, {"id": 2}], {"id": 3}, {"x": 0}]
    assert any("1 record has no value" in m for _, m in log)
    again, log = dedupe(service, [Payload([{"id": 1}, {"id": 4}]), Payload({"id": 3})])
    assert again == [[{"id": 4}]]
    assert any("3 passed" not in m and "1 passed, 2 duplicates removed" in m for _, m in log)


def test_filter_only_records_nothing_and_track_only_drops_nothing(ctx):
    service = pools.DedupeService(factories.company().id)
    assert dedupe(service, [Payload({"id": "A"})], "filter")[0] == [{"id": "A"}]
    assert dedupe(service, [Payload({"id": "A"})], "filter")[0] == [{"id": "A"}]  # still not tracked
    assert dedupe(service, [Payload({"id": "A"})], "track")[0] == [{"id": "A"}]
    assert dedupe(service, [Payload({"id": "A"})], "track")[0] == [{"id": "A"}]
    assert dedupe(service, [Payload({"id": "A"}), Payload({"id": "B"})], "filter")[0] == [{"id": "B"}]


def test_two_runs_at_once_never_both_pass_a_value(app, ctx):
    company = factories.company()
    pool = pools.DedupeService(company.id).pool("orders")
    values = [str(n) for n in range(300)]
    barrier = threading.Barrier(2)
    passed: list[set[str]] = []

    def worker(offset: int):
        with app.app_context():
            service = pools.DedupeService(company.id)
            mine = values[offset:] + values[:offset]  # same values, different order
            barrier.wait()
            passed.append(service.claim(db.session.merge(pool), mine))
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(n * 150,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first, second = passed
    assert not (first & second)
    assert first | second == set(values)


def passed_ids(run_id: int) -> set:
    """The record ids a finished, successful run let through: its last stored output."""
    run = db.session.get(Run, run_id)
    assert run.status == "success", run.error
    refs = [r for r in db.session.execute(select(RunLog).where(RunLog.run_id == run_id).order_by(RunLog.id))
            .scalars() if r.payload_ref]
    out = json.loads(logbook.store().get(run.company_id, refs[-1].payload_ref)) if refs else []
    return {r["id"] for r in (out if isinstance(out, list) else [])}


def test_two_concurrent_workers_running_the_same_flow(app, ctx):
    from app.runs.jobs import execute_run

    company = factories.company(tier="unlimited")
    flow = factories.flow(company, definition={"trigger": {"type": "manual", "config": {}}, "steps": [
        {"id": "d", "type": "dedupe", "version": 1, "config": {"pool": "orders", "key_field": "id"}}]})
    body = "[" + ",".join(f'{{"id": {n}}}' for n in range(200)) + "]"
    run_ids = [run_services.start_run(flow, payload=body).id for _ in range(2)]
    barrier = threading.Barrier(2)

    def work(run_id):
        with app.app_context():
            barrier.wait()
            execute_run(run_id)
            db.session.remove()

    threads = [threading.Thread(target=work, args=(r,)) for r in run_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.expire_all()
    passed = [passed_ids(run_id) for run_id in run_ids]
    assert not (passed[0] & passed[1])
    assert passed[0] | passed[1] == set(range(200))
    assert db.session.execute(select(func.count()).select_from(PoolValue)).scalar_one() == 200


POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def postgres_url():
    """A fresh, empty database on the machine's PostgreSQL (dropped afterwards), or a skip saying why not."""
    try:
        import psycopg

        admin = psycopg.connect(POSTGRES_ADMIN, connect_timeout=3, autocommit=True)
    except Exception as exc:  # any failure means "no usable PostgreSQL here"
        reason = f"PostgreSQL does not answer on 127.0.0.1:5432 ({exc.__class__.__name__}: {exc})"
        print(f"\n[weft] skipped: {reason}")
        pytest.skip(reason)
    name = f"weft_dedupe_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _wait_for_idle_workers(redis, procs, count: int, timeout: float = 90) -> None:
    from rq import Worker

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                pytest.fail(f"a worker exited early: {proc.stderr.read().decode()[-2000:]}")
        workers = Worker.all(connection=redis)
        if len(workers) >= count and all(w.get_state() == "idle" for w in workers):
            return
        time.sleep(0.2)
    pytest.fail(f"{count} workers did not become idle within {timeout} s")


def test_two_worker_processes_on_postgresql_pass_each_value_exactly_once(postgres_url, redis_server, tmp_path):
    """Two real worker processes (worker.py, as the Procfile starts it) each take one of two runs of the same flow,
    at once, on PostgreSQL: the runs offer the same 6,000 values in different orders, and every value passes in
    exactly one of them (and neither run fails: claiming in different orders once deadlocked)."""
    from app import create_app
    from app.extensions import get_redis

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": postgres_url, "REDIS_URL": redis_server,
                      "INSTANCE_PATH": str(tmp_path)})
    values = list(range(6000))
    shuffled = random.Random(7).sample(values, len(values))
    env = dict(os.environ, DATABASE_URL=postgres_url, REDIS_URL=redis_server, WEFT_INSTANCE_PATH=str(tmp_path))
    procs = []
    try:
        with app.app_context():
            db.create_all()
            get_redis().flushdb()
            company = factories.company(tier="unlimited")
            flow = factories.flow(company, definition={"trigger": {"type": "manual", "config": {}}, "steps": [
                {"id": "d", "type": "dedupe", "version": 1, "config": {"pool": "orders", "key_field": "id"}}]})
            procs = [subprocess.Popen([sys.executable, str(ROOT / "worker.py")], cwd=ROOT, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
            # Both workers wait on the queue before the runs are queued, so each takes one of them.
            _wait_for_idle_workers(get_redis(), procs, 2)
            bodies = [json.dumps([{"id": n} for n in order]) for order in (values, shuffled)]
            run_ids = [run_services.start_run(flow, payload=body).id for body in bodies]

            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                db.session.expire_all()
                if all(db.session.get(Run, r).is_final for r in run_ids):
                    break
                time.sleep(0.2)
            runs = [db.session.get(Run, r) for r in run_ids]
            assert all(run.is_final for run in runs), [run.status for run in runs]
            first, second = (passed_ids(r) for r in run_ids)
            assert not (first & second), f"{len(first & second)} values passed in both runs"
            assert first | second == set(values)
            assert db.session.execute(select(func.count()).select_from(PoolValue)).scalar_one() == len(values)
            # They really ran at the same time, in the two processes.
            assert runs[0].started_at < runs[1].finished_at and runs[1].started_at < runs[0].finished_at, \
                [(run.started_at, run.finished_at) for run in runs]
            print(f"\n[weft] PostgreSQL de-dupe: run 1 passed {len(first)}, run 2 passed {len(second)}")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=15)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _claim_at_once(app, company_id: int, pool_id: int, orders: list[list[str]]) -> tuple[list[set], list[str]]:
    """Each order claimed by its own thread and connection, released together; (what each claimed, failures)."""
    barrier = threading.Barrier(len(orders))
    passed: list[set[str]] = []
    failures: list[str] = []

    def claim(order):
        with app.app_context():
            pool = db.session.get(DataPool, pool_id)
            barrier.wait()
            try:
                passed.append(pools.DedupeService(company_id).claim(pool, order))
            except Exception as exc:  # the failure is what the test reports
                failures.append(str(exc).splitlines()[0])
            db.session.remove()

    threads = [threading.Thread(target=claim, args=(order,)) for order in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return passed, failures


def test_claims_in_different_orders_never_deadlock_on_postgresql(postgres_url, redis_server, tmp_path):
    """Two claims of the same 10,000 values in different orders, at once, in separate connections (three times):
    each value is new to exactly one of them, and neither fails. Unsorted claims deadlocked on PostgreSQL here in
    about half the attempts, failing a run after part of its values were recorded."""
    from app import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": postgres_url, "REDIS_URL": redis_server,
                      "INSTANCE_PATH": str(tmp_path)})
    values = [str(n) for n in range(10_000)]
    try:
        with app.app_context():
            db.create_all()
            company_id = factories.company().id
        for attempt in range(3):
            with app.app_context():
                pool_id = pools.DedupeService(company_id).pool(f"orders-{attempt}").id
            orders = [random.Random(attempt * 2 + n).sample(values, len(values)) for n in range(2)]
            passed, failures = _claim_at_once(app, company_id, pool_id, orders)
            assert failures == []
            assert not (passed[0] & passed[1]) and passed[0] | passed[1] == set(values)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_pools_page_counts_search_import_export_clear(app, client, login):
    ids = login("manager")
    created = client.post("/data-pools/new", data={"name": "Orders"}, headers=HX)
    url = created.headers["HX-Redirect"]
    pool_id = int(url.rsplit("/", 1)[-1])
    bad = client.post(f"{url}/import", headers=HX, content_type="multipart/form-data", data={
        "file": (io.BytesIO(b"value,entity_type_id\nA1,3\n,3\n" + b"x" * 300 + b",3\n"), "p.csv")})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Nothing was imported" in text and "Line 3 has no value" in text
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(PoolValue)).scalar_one() == 0
    good = client.post(f"{url}/import", headers=HX, content_type="multipart/form-data", data={
        "file": (io.BytesIO(b"value,entity_type_id\nA1,3\nA2,3\nB7,\n"), "p.csv")})
    assert good.status_code == 204
    again = client.post(f"{url}/import", headers=HX, content_type="multipart/form-data", data={
        "file": (io.BytesIO(b"value,entity_type_id\nA1,3\nA3,3\n"), "p.csv")})
    assert again.status_code == 204
    listing = client.get("/data-pools/").get_data(as_text=True)
    assert "Orders" in listing and ">4<" in listing.replace(" ", "")
    search = client.get(f"{url}?q=a", headers=HX).get_data(as_text=True)
    assert "A1" in search and "B7" not in search and "3 values match" in search
    export = client.get(f"{url}/export.csv").get_data(as_text=True)
    assert export.splitlines()[0] == "value,entity_type_id" and "B7," in export
    client.post(f"{url}/clear", headers=HX)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(PoolValue)
                                  .where(PoolValue.pool_id == pool_id)).scalar_one() == 0
        from app.companies.models import Company

        factories.flow(db.session.get(Company, ids["company_id"]), name="Order import", definition={
            "trigger": {"type": "manual", "config": {}}, "steps": [
                {"id": "d", "type": "dedupe", "version": 1, "config": {"pool": "Orders", "key_field": "id"}}]})
    refused = client.post(f"{url}/delete", headers=HX)
    assert refused.status_code == 422 and "Order import" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(DataPool, pool_id) is not None


def test_another_companys_pool_is_a_404(app, client, login):
    login("manager")
    with app.app_context():
        pool_id = pools.create_pool(factories.company(), "Secret").id
    assert client.get(f"/data-pools/{pool_id}").status_code == 404
    assert client.get(f"/data-pools/{pool_id}/export.csv").status_code == 404
    assert "Secret" not in client.get("/data-pools/").get_data(as_text=True)


def test_the_daily_purge_drops_only_values_older_than_90_days(ctx, worker):
    from datetime import timedelta

    from app.extensions import get_redis
    from app.timeutil import utcnow

    companies = [factories.company(), factories.company()]
    for company in companies:
        dedupe(pools.DedupeService(company.id), [Payload([{"id": "old"}, {"id": "recent"}, {"id": "new"}])], "track")
    now = utcnow()
    for value, age in (("old", 91), ("recent", 89)):
        for row in db.session.execute(select(PoolValue).where(PoolValue.value == value)).scalars():
            row.created_at = now - timedelta(days=age)
    db.session.commit()
    get_redis().delete(pools.purge_key(now.date()))
    assert pools.tick(now) is True
    assert pools.tick(now) is False, "once a day, however many scheduler ticks"
    worker.work()
    db.session.expire_all()
    for company in companies:
        kept = db.session.execute(select(PoolValue.value).where(PoolValue.company_id == company.id)).scalars().all()
        assert sorted(kept) == ["new", "recent"]
    # the purged value is new again to a de-dupe shape
    out, _ = dedupe(pools.DedupeService(companies[0].id), [Payload([{"id": "old"}, {"id": "recent"}])], "filter")
    assert out == [[{"id": "old"}]]
