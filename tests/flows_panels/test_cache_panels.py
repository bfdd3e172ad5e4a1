"""Add to cache, load from cache and de-dupe panels: options, saving, and previews that store nothing."""
from __future__ import annotations

from app.caches.models import DataPool, PoolValue
from app.companies.models import Company
from app.extensions import db
from tests.flows_panels.helpers import (
    ORDERS,
    get_panel,
    html,
    make_flow,
    payload_step,
    preview,
    preview_outputs,
    save,
    step_of,
)

ADD = {"id": "add", "type": "cache_add", "version": 1, "config": {"cache": "orders", "key": "o-[[payload.id]]"}}
LOAD = {"id": "load", "type": "cache_load", "version": 1, "config": {"cache": "orders", "key": "o-1"}}
DEDUPE = {"id": "dd", "type": "dedupe", "version": 1, "config": {"pool": "seen", "key_field": "id"}}


def pool_values(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count(PoolValue.id))).scalar_one()


def test_cache_and_dedupe_panels_show_and_save_every_option(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), ADD, LOAD, DEDUPE])
    page = html(get_panel(client, flow_id, "add"))
    for text in ('name="cache"', 'value="orders"', 'name="level"', 'name="key"', 'value="o-[[payload.id]]"',
                 'name="append"', 'name="save_all_pages"', 'name="expiry_number"', 'name="expiry_unit"'):
        assert text in page, text
    assert save(client, flow_id, "add", {"cache": "orders", "level": "company", "key": "o-[[payload.id]]",
                                         "append": "y", "expiry_number": "2", "expiry_unit": "days"},
                app=app).status_code == 200
    assert step_of(app, flow_id, "add")["config"] == {"cache": "orders", "level": "company", "key": "o-[[payload.id]]",
                                                      "append": True, "save_all_pages": False, "expiry_number": 2,
                                                      "expiry_unit": "days"}
    response = save(client, flow_id, "add", {"cache": "orders", "level": "flow", "key": "x", "expiry_number": "-1"},
                    app=app)
    assert response.status_code == 422 and "A positive number" in html(response)

    assert 'name="fail_on_miss"' in html(get_panel(client, flow_id, "load"))
    assert save(client, flow_id, "load", {"cache": "orders", "key": "o-[[payload.*.id]]", "load_all_pages": "y"},
                app=app).status_code == 200
    assert step_of(app, flow_id, "load")["config"] == {"cache": "orders", "key": "o-[[payload.*.id]]",
                                                       "fail_on_miss": False, "load_all_pages": True}

    page = html(get_panel(client, flow_id, "dd"))
    assert 'name="pool"' in page and 'name="key_field"' in page and 'name="behaviour"' in page
    assert save(client, flow_id, "dd", {"pool": "seen", "key_field": "customer.email", "behaviour": "filter",
                                        "entity_type": "Customer"}, app=app).status_code == 200
    assert step_of(app, flow_id, "dd")["config"] == {"pool": "seen", "key_field": "customer.email",
                                                     "behaviour": "filter", "entity_type": "Customer"}
    response = save(client, flow_id, "dd", {"pool": "seen", "key_field": "lines.*.sku"}, app=app)
    assert response.status_code == 422 and "cannot hold *" in html(response)


def test_cache_previews_show_what_would_be_stored_and_read_what_is_cached(app, client, login):
    from app.caches.services import CacheStore
    from app.extensions import get_redis

    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), ADD, LOAD])
    page = html(preview(client, flow_id, "add", {"cache": "orders", "level": "flow", "key": "o-[[payload.id]]"},
                        paste=ORDERS[0]))
    assert "its preview shows what it would store, and stores nothing" in page
    assert "Key &#39;o-1&#39; in &#39;orders&#39; (flow level)" in page
    assert preview_outputs(page)[-1] == ORDERS[0]
    with app.app_context():
        assert CacheStore(get_redis(), me["company_id"], flow_id=flow_id).get("orders", "o-1") is None
        CacheStore(get_redis(), me["company_id"], flow_id=flow_id).put("orders", "flow", "o-1", [{"cached": True}])
    page = html(preview(client, flow_id, "load", {"cache": "orders", "key": "o-[[payload.id]]", "fail_on_miss": "y"},
                        paste={"id": 1}))
    assert preview_outputs(page) == [{"cached": True}]
    page = html(preview(client, flow_id, "load", {"cache": "orders", "key": "o-9", "fail_on_miss": "y"},
                        paste={"id": 1}))
    assert "Nothing is cached under &#39;o-9&#39;" in page


def test_dedupe_preview_reads_the_pool_and_records_nothing(app, client, login):
    from app.caches.pools import DedupeService, create_pool

    me = login("user")
    with app.app_context():
        pool = create_pool(db.session.get(Company, me["company_id"]), "seen")
        DedupeService(me["company_id"]).claim(pool, ["1"])
    flow_id = make_flow(app, me["company_id"], [payload_step(), DEDUPE])
    before = pool_values(app)
    page = html(preview(client, flow_id, "dd", {"pool": "seen", "key_field": "id", "behaviour": "filter_track"},
                        paste=ORDERS + [ORDERS[1]]))
    assert [r["id"] for r in preview_outputs(page)[-1]] == [2]
    assert "1 new value would be recorded in &#39;seen&#39;" in page
    page = html(preview(client, flow_id, "dd", {"pool": "brand new", "key_field": "id", "behaviour": "filter"},
                        paste=ORDERS))
    assert [r["id"] for r in preview_outputs(page)[-1]] == [1, 2]
    assert pool_values(app) == before
    with app.app_context():
        assert db.session.execute(db.select(DataPool).where(DataPool.name == "brand new")).scalar() is None
