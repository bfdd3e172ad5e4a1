"""Caches on real Redis: every level (run, flow, company), static and dynamic keys, append, pages, expiry, the
company allowance, the map's cache lookup, a run through the worker, and the maintenance page."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app.caches import services
from app.caches.models import CacheDefinition
from app.caches.services import CacheStore
from app.extensions import db, get_redis
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


def run_steps(store, steps, bucket):
    log = Log()
    result = Engine(Environment(log=log, caches=store, retry_delay=0)).run({"steps": steps}, bucket)
    return result, log


def add(cache, key, level="flow", **more):
    config = {"cache": cache, "key": key, "level": level, **more}
    return {"id": "add", "type": "cache_add", "version": 1, "config": config}


def load(cache, key, **more):
    return {"id": "load", "type": "cache_load", "version": 1, "config": {"cache": cache, "key": key, **more}}


@pytest.fixture
def company(ctx):
    return factories.company()


def store(company, flow_id=None, run_id=1, allowance=None):
    return CacheStore(get_redis(), company.id, flow_id=flow_id, run_id=run_id, allowance=allowance)


def test_flow_level_cache_is_seen_by_later_runs_of_the_flow_only(company):
    flow, other = factories.flow(company), factories.flow(company)
    result, _ = run_steps(store(company, flow.id, 1), [add("customers", "all")], [Payload([{"id": 1}])])
    assert result.status == "success"
    later, _ = run_steps(store(company, flow.id, 2), [load("customers", "all")], [])
    assert [p.data for p in later.bucket] == [[{"id": 1}]]
    elsewhere, _ = run_steps(store(company, other.id, 3), [load("customers", "all")], [])
    assert elsewhere.status == "failure" and "Nothing is cached under 'all'" in elsewhere.error


def test_run_level_keys_belong_to_one_run(company):
    flow = factories.flow(company)
    same, _ = run_steps(store(company, flow.id, 10), [add("scratch", "k", "run"), load("scratch", "k")],
                        [Payload({"a": 1})])
    assert [p.data for p in same.bucket] == [{"a": 1}]
    next_run, _ = run_steps(store(company, flow.id, 11), [load("scratch", "k", fail_on_miss=False)], [])
    assert next_run.status == "success" and next_run.bucket == []
    definition = db.session.execute(select(CacheDefinition).where(CacheDefinition.name == "scratch")).scalar_one()
    info = store(company).data.entries(definition.id)[0]
    assert info.key == "k#run-10" and info.expires and info.expires - time.time() > 23 * 3600


def test_company_cache_is_shared_between_flows(company):
    writer, reader = factories.flow(company), factories.flow(company)
    run_steps(store(company, writer.id), [add("rates", "gbp", "company")], [Payload({"usd": 1.27})])
    result, _ = run_steps(store(company, reader.id), [load("rates", "gbp")], [])
    assert [p.data for p in result.bucket] == [{"usd": 1.27}]
    stranger = factories.company()
    result, _ = run_steps(store(stranger, None), [load("rates", "gbp")], [])
    assert result.status == "failure"


def test_dynamic_keys_one_per_record_and_loading_many(company):
    flow = factories.flow(company)
    records = [Payload({"id": n, "name": f"c{n}"}) for n in (1, 2, 3)]
    run_steps(store(company, flow.id), [add("customers", "customer-[[payload.id]]")], records)
    single, _ = run_steps(store(company, flow.id), [load("customers", "customer-[[payload.id]]")],
                          [Payload({"id": 2})])
    assert [p.data for p in single.bucket] == [{"id": 2, "name": "c2"}]
    many, log = run_steps(store(company, flow.id), [load("customers", "customer-[[payload.*.id]]",
                                                          fail_on_miss=False)],
                          [Payload([{"id": 3}, {"id": 1}, {"id": 9}])])
    assert [p.data for p in many.bucket] == [[{"id": 3, "name": "c3"}, {"id": 1, "name": "c1"}]]
    assert any("Nothing is cached under 'customer-9'" in m for _, m in log)


def test_append_adds_to_the_data_and_overwrite_replaces_it(company):
    flow = factories.flow(company)
    s = store(company, flow.id)
    run_steps(s, [add("log", "events", append=True)], [Payload([{"n": 1}])])
    run_steps(s, [add("log", "events", append=True)], [Payload([{"n": 2}]), Payload({"n": 3})])
    result, _ = run_steps(s, [load("log", "events")], [])
    assert result.bucket[0].data == [{"n": 1}, {"n": 2}, {"n": 3}]
    _, log = run_steps(s, [add("log", "events")], [Payload({"n": 4}), Payload({"n": 5})])
    assert any("only the last was kept" in m for _, m in log)
    assert run_steps(s, [load("log", "events")], [])[0].bucket[0].data == {"n": 5}


def test_save_all_pages_and_load_all_pages(company):
    flow = factories.flow(company)
    s = store(company, flow.id)
    pages = [Payload([{"p": 1}]), Payload([{"p": 2}]), Payload([{"p": 3}])]
    run_steps(s, [add("orders", "all", save_all_pages=True)], pages)
    result, _ = run_steps(s, [load("orders", "all", load_all_pages=True)], [])
    assert [p.data for p in result.bucket] == [[{"p": 1}], [{"p": 2}], [{"p": 3}]]
    assert [p.meta["page"] for p in result.bucket] == [1, 2, 3]
    first, log = run_steps(s, [load("orders", "all")], [])
    assert [p.data for p in first.bucket] == [[{"p": 1}]] and any("3 pages" in m for _, m in log)


def test_expiry_removes_the_entry(company):
    flow = factories.flow(company)
    s = store(company, flow.id)
    definition, _ = s.put("short", "flow", "k", [{"a": 1}], ttl=0.05)
    time.sleep(0.2)
    assert s.get("short", "k") is None
    assert s.used() == 0  # the expired entry's bytes were given back


def test_going_over_the_company_allowance_fails_the_step_clearly(company):
    flow = factories.flow(company)
    s = store(company, flow.id, allowance=2000)
    ok, _ = run_steps(s, [add("big", "a")], [Payload({"x": "y" * 1000})])
    assert ok.status == "success"
    result, _ = run_steps(s, [add("big", "b")], [Payload({"x": "y" * 1500})])
    assert result.status == "failure"
    assert "past its cache memory allowance" in result.error
    assert s.used() < 2000
    services.clear_key(get_redis(), company, s.definition("big"), "a")
    assert run_steps(s, [add("big", "b")], [Payload({"x": "y" * 1500})])[0].status == "success"


def test_non_json_payloads_are_refused(company):
    result, _ = run_steps(store(company, factories.flow(company).id), [add("c", "k")], [Payload("a,b", format="csv")])
    assert result.status == "failure" and "JSON payloads only" in result.error


def test_the_map_cache_lookup_and_a_run_through_the_worker(company, worker):
    writer = factories.flow(company, definition={"trigger": {"type": "manual", "config": {}}, "steps": [
        {"id": "f", "type": "flow_control", "version": 1, "config": {"size": 1}},
        add("customers", "customer-[[payload.0.id]]", "company")]})
    reader = factories.flow(company, definition={"trigger": {"type": "manual", "config": {}}, "steps": [
        {"id": "m", "type": "map", "version": 1, "config": {"rules": [
            {"source": "customer", "target": "customer_name", "transforms": [
                {"fn": "cache_lookup", "params": {"cache": "customers", "key": "customer-[[payload.customer]]",
                                                  "path": "0.name", "default": "unknown"}}]}]}}]})
    first = run_services.start_run(writer, payload='[{"id": "C1", "name": "Ada"}, {"id": "C2", "name": "Alan"}]').id
    worker.work()
    assert db.session.get(Run, first).status == "success", db.session.get(Run, first).error
    second = run_services.start_run(reader, payload='[{"customer": "C2"}, {"customer": "C9"}]').id
    worker.work()
    run = db.session.get(Run, second)
    assert run.status == "success", run.error
    body = _last_output(company, second)
    assert b'"customer_name":"Alan"' in body and b'"customer_name":"unknown"' in body


def test_the_maintenance_page_lists_inspects_and_clears(app, client, login):
    ids = login("manager")
    with app.app_context():
        from app.companies.models import Company

        company = db.session.get(Company, ids["company_id"])
        flow = factories.flow(company, name="Shop sync")
        s = store(company, flow.id)
        s.put("customers", "flow", "customer-1", [{"name": "Ada"}])
        s.put("customers", "flow", "customer-2", [{"name": "Alan"}])
        cache_id = s.definition("customers").id
    page = client.get("/caches/").get_data(as_text=True)
    assert "customers" in page and "Shop sync" in page and "Cache memory used" in page and "50.0 MB" in page
    detail = client.get(f"/caches/{cache_id}").get_data(as_text=True)
    assert "customer-1" in detail and "customer-2" in detail and "never" in detail
    value = client.get(f"/caches/{cache_id}/value?key=customer-1").get_data(as_text=True)
    assert "Ada" in value
    assert client.post(f"/caches/{cache_id}/clear-key", data={"key": "customer-1", "inline": "1"},
                       headers=HX).get_data(as_text=True) == ""
    assert "customer-1" not in client.get(f"/caches/{cache_id}").get_data(as_text=True)
    client.post(f"/caches/{cache_id}/clear", headers=HX)
    assert "This cache is empty" in client.get(f"/caches/{cache_id}").get_data(as_text=True)
    created = client.post("/caches/new", data={"name": "rates", "level": "company"}, headers=HX)
    assert created.status_code == 204
    missing_flow = client.post("/caches/new", data={"name": "x", "level": "flow"}, headers=HX)
    assert missing_flow.status_code == 422 and "Choose the flow" in missing_flow.get_data(as_text=True)


def test_read_only_users_cannot_clear(app, client, login):
    ids = login("read-only")
    with app.app_context():
        from app.companies.models import Company

        company = db.session.get(Company, ids["company_id"])
        s = store(company, factories.flow(company).id)
        s.put("c", "flow", "k", [1])
        cache_id = s.definition("c").id
    assert client.get(f"/caches/{cache_id}").status_code == 200
    assert client.post(f"/caches/{cache_id}/clear").status_code == 403


def _flow(company, name, steps, deploy=True):
    return factories.flow(company, name=name, deploy=deploy,
                          definition={"trigger": {"type": "manual", "config": {}}, "steps": steps})


def test_deleting_a_cache_a_deployed_flow_uses_is_refused_naming_the_flows(app, client, login):
    ids = login("manager")
    with app.app_context():
        from app.companies.models import Company

        company = db.session.get(Company, ids["company_id"])
        rates = services.create(company, "rates", "company", None, None)
        lookup = {"fn": "cache_lookup", "params": {"cache": "rates"}}
        _flow(company, "Quote builder", [{"id": "m", "type": "map", "version": 1, "config": {"rules": [
            {"source": "sku", "target": "rate", "transforms": [lookup]}]}}])
        own = _flow(company, "Price sync", [add("rates", "eur", level="flow"), load("rates", "eur")])
        own_rates = services.ensure(db.session, company.id, "rates", "flow", own.id)  # as its shape creates it
        _flow(company, "Rate loader draft", [load("rates", "eur")], deploy=False)
        unused = services.create(company, "old rates", "company", None, None)
        rates_id, own_rates_id, unused_id = rates.id, own_rates.id, unused.id

    refused = client.post(f"/caches/{rates_id}/delete", headers=HX)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "cannot be deleted" in text
    assert "Quote builder" in text and "cache lookup transform" in text
    assert "Price sync" not in text and "Rate loader draft" not in text  # its own cache; a draft

    refused = client.post(f"/caches/{own_rates_id}/delete", headers=HX)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Price sync" in text and "Quote builder" not in text
    assert "add-to-cache shape" in text and "load-from-cache shape" in text

    assert client.post(f"/caches/{unused_id}/delete", headers=HX).status_code == 204
    with app.app_context():
        assert db.session.get(CacheDefinition, rates_id) is not None
        assert db.session.get(CacheDefinition, own_rates_id) is not None
        assert db.session.get(CacheDefinition, unused_id) is None


def _last_output(company, run_id):
    rows = db.session.execute(select(RunLog).where(RunLog.run_id == run_id).order_by(RunLog.id)).scalars()
    last = [r for r in rows if r.payload_ref][-1]
    return logbook.store().get(company.id, last.payload_ref).replace(b" ", b"").replace(b"\n", b"")


def test_keys_built_from_flow_variables_and_meta_in_runs_through_the_worker(company, worker):
    key = "orders-[[flow.variables.region]]-[[meta.source]]"
    variables = [{"name": "region", "type": "string", "default": "EU"}]
    writer = factories.flow(company, definition={"trigger": {"type": "manual", "config": {}}, "variables": variables,
                                                 "steps": [add("orders", key, "company")]})
    reader = factories.flow(company, definition={"trigger": {"type": "manual", "config": {}}, "variables": variables,
                                                 "steps": [load("orders", key)]})
    # The run's own value of the variable (not the default) and the input's meta make the key.
    first = run_services.start_run(writer, payload='{"order": 1}', variables={"region": "NA"},
                                   meta={"source": "shop"}).id
    worker.work()
    assert db.session.get(Run, first).status == "success", db.session.get(Run, first).error
    definition = db.session.execute(select(CacheDefinition).where(CacheDefinition.name == "orders")).scalar_one()
    assert [e.key for e in store(company).data.entries(definition.id)] == ["orders-NA-shop"]

    hit = run_services.start_run(reader, payload='{"ask": true}', variables={"region": "NA"},
                                 meta={"source": "shop"}).id
    worker.work()
    assert db.session.get(Run, hit).status == "success", db.session.get(Run, hit).error
    assert b'{"order":1}' in _last_output(company, hit)

    # The default region and another source name other keys, which hold nothing.
    miss = run_services.start_run(reader, payload='{"ask": true}', meta={"source": "shop"}).id
    worker.work()
    run = db.session.get(Run, miss)
    assert run.status == "failure" and "Nothing is cached under 'orders-EU-shop'" in run.error
    other = run_services.start_run(reader, payload='{"ask": true}', variables={"region": "NA"},
                                   meta={"source": "pos"}).id
    worker.work()
    assert "Nothing is cached under 'orders-NA-pos'" in db.session.get(Run, other).error

    # A key of flow variables alone is loaded once, even with no input payload.
    static = factories.flow(company, definition={"trigger": {"type": "manual", "config": {}}, "variables": variables,
                                                 "steps": [load("orders", "orders-[[flow.variables.region]]-shop")]})
    alone = run_services.start_run(static, variables={"region": "NA"}).id
    worker.work()
    assert db.session.get(Run, alone).status == "success", db.session.get(Run, alone).error
    assert b'{"order":1}' in _last_output(company, alone)


def test_the_add_to_cache_shapes_expiry_removes_the_entry_after_it(company):
    flow = factories.flow(company)
    s = store(company, flow.id)
    short = add("short", "k", expiry_number="0.04", expiry_unit="minutes")  # 2.4 seconds
    kept = add("kept", "k", expiry_number=2, expiry_unit="days")
    started = time.time()
    written, _ = run_steps(s, [short, kept], [Payload({"a": 1})])
    assert written.status == "success", written.error
    entries = s.data.entries(s.definition("kept").id)
    assert 2 * 86400 - 60 < entries[0].expires - time.time() <= 2 * 86400
    assert run_steps(s, [load("short", "k")], [])[0].bucket[0].data == {"a": 1}
    time.sleep(max(0.0, started + 2.8 - time.time()))
    gone, _ = run_steps(s, [load("short", "k")], [])
    assert gone.status == "failure" and "Nothing is cached under 'k' in 'short'" in gone.error
    assert run_steps(s, [load("kept", "k")], [])[0].bucket[0].data == {"a": 1}
