"""De-dupe: the three behaviours, lists and single records, concurrency (two runs never both pass a value),
and the data pools page (counts, search, CSV import with bad rows, export, clear, delete refused)."""
from __future__ import annotations

import io
import threading

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
    passed = []
    for run_id in run_ids:
        run = db.session.get(Run, run_id)
        assert run.status == "success", run.error
        refs = [r for r in db.session.execute(select(RunLog).where(RunLog.run_id == run_id)).scalars() if r.payload_ref]
        import json

        out = json.loads(logbook.store().get(company.id, refs[-1].payload_ref)) if refs else []
        passed.append({r["id"] for r in (out if isinstance(out, list) else [])})
    assert not (passed[0] & passed[1])
    assert passed[0] | passed[1] == set(range(200))
    assert db.session.execute(select(func.count()).select_from(PoolValue)).scalar_one() == 200


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
