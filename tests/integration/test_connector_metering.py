"""Metering per connector instance with a real RQ worker and a real local HTTP API: a flow that receives
from one instance (paginated) and sends to another books each instance's operations under its own
source, the run page shows each step's operations in / out, and the usage page charts each instance."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.companies.models import Company
from app.connectors import services as connector_services
from app.extensions import db
from app.insights import usage
from app.insights.usage import UsageDaily
from app.runs import services
from app.runs.models import Run, RunStep
from app.timeutil import utcnow
from tests import factories
from tests.connectors import api_server

TRIGGER = {"type": "manual", "config": {}}


@pytest.fixture(scope="module")
def api():
    server = api_server.TestApi()
    yield server
    server.close()


def _instance(company, key: str, name: str, base_url: str, endpoint: dict):
    definition = {"key": key, "name": name, "version": "1", "category": "other", "base_url": base_url,
                  "variables": [], "auth_methods": [{"key": "none", "name": "No auth", "type": "none"}],
                  "endpoints": [{"entity": "items", **endpoint}]}
    connector = connector_services.create_connector(company, definition)
    return connector_services.add_instance(connector, name, "none", {})


def _flow_with_two_instances(company, api):
    shop = _instance(company, "shop", "Shop API", api.url, {
        "key": "list", "name": "List items", "direction": "receive", "method": "GET", "path": "/pages/offset",
        "pagination": {"type": "limit_offset", "limit": 10, "total_path": "totalResults", "data_path": "items"}})
    warehouse = _instance(company, "warehouse", "Warehouse API", api.url, {
        "key": "push", "name": "Push items", "direction": "send", "method": "POST", "path": "/echo"})
    flow = factories.flow(company, definition={"trigger": TRIGGER, "steps": [
        {"id": "recv", "type": "connector", "version": 1, "config": {"instance_id": shop.id, "endpoint": "list"}},
        {"id": "send", "type": "connector", "version": 1,
         "config": {"instance_id": warehouse.id, "endpoint": "push"}}]})
    return shop, warehouse, flow


def _requests_to(api, path: str) -> int:
    return sum(1 for r in api.state["requests"] if r["path"] == path)


def _row(html: str, seq: int) -> str:
    match = re.search(rf'<tr id="step-{seq}".*?</tr>', html, re.S)
    assert match, f"no row for step {seq}"
    return match.group(0)


def _ops_cell(row: str) -> str:
    return re.search(r'weft-step-ops">(.*?)</td>', row, re.S).group(1).strip()


def test_operations_are_booked_per_instance_and_shown_in_and_out(app, client, login, worker, api):
    api.reset()
    ids = login("administrator")
    with app.app_context():
        company = db.session.get(Company, ids["company_id"])
        shop, warehouse, flow = _flow_with_two_instances(company, api)
        shop_id, warehouse_id = shop.id, warehouse.id
        run_id = services.start_run(flow).id
        worker.work()
        db.session.expire_all()
        run = db.session.get(Run, run_id)
        assert run.status == "success", run.error
        pages, pushes = _requests_to(api, "/pages/offset"), _requests_to(api, "/echo")
        assert pages >= 3 and pushes == pages  # one payload per page, one send per payload

        steps = {s.step_id: s for s in db.session.execute(select(RunStep).where(RunStep.run_id == run_id)).scalars()}
        assert (steps["recv"].ops_in, steps["recv"].ops_out, steps["recv"].instance_id) == (pages, 0, shop_id)
        assert (steps["send"].ops_in, steps["send"].ops_out, steps["send"].instance_id) == (0, pushes, warehouse_id)

        usage.flush()
        booked = {row.source: row.operations for row in db.session.execute(
            select(UsageDaily).where(UsageDaily.company_id == company.id)).scalars()}
        assert booked[f"instance:{shop_id}"] == pages
        assert booked[f"instance:{warehouse_id}"] == pushes
        assert "connector" not in booked  # no longer lumped under one source

    page = client.get(f"/runs/{run_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Operations in / out" in html
    assert _ops_cell(_row(html, 1)) == f"{pages} / 0"
    assert _ops_cell(_row(html, 2)) == f"0 / {pushes}"

    usage_page = client.get("/insights/usage/")
    assert usage_page.status_code == 200
    body = usage_page.get_data(as_text=True)
    table = re.search(r'<table[^>]*id="usage-table".*?</table>', body, re.S).group(0)
    shop_row = re.search(rf'<tr data-source="instance:{shop_id}".*?</tr>', table, re.S).group(0)
    assert "Shop API" in shop_row and f">{pages}<" in shop_row
    warehouse_row = re.search(rf'<tr data-source="instance:{warehouse_id}".*?</tr>', table, re.S).group(0)
    assert "Warehouse API" in warehouse_row and f">{pushes}<" in warehouse_row

    chart = _chart(client.get(f"/insights/usage/?source=instance:{warehouse_id}").get_data(as_text=True))
    assert list(chart["series"]) == ["Warehouse API"]  # filtered to one instance
    assert sum(chart["series"]["Warehouse API"]) == pushes
    assert set(_chart(body)["series"]) >= {"Shop API", "Warehouse API"}


def test_the_usage_page_shows_only_the_acting_companys_instances(app, client, login, worker, api):
    with app.app_context():
        other = factories.company()
        _, warehouse, flow = _flow_with_two_instances(other, api)
        other_source = f"instance:{warehouse.id}"
        services.start_run(flow)
        worker.work()
    login("read-only")
    body = client.get(f"/insights/usage/?source={other_source}").get_data(as_text=True)
    assert "Warehouse API" not in body
    assert f'data-source="{other_source}"' not in body and f'value="{other_source}"' not in body
    assert "No usage in this period yet." in body


def _chart(html: str) -> dict:
    raw = re.search(r"data-chart='(.*?)'", html, re.S).group(1)
    return json.loads(raw.replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&"))


def test_changing_the_period_offers_that_periods_sources(app, client, login):
    with app.app_context():
        company = factories.company()
        flow = factories.flow(company)
        old_day = utcnow().date() - timedelta(days=60)
        db.session.add_all([
            UsageDaily(company_id=company.id, flow_id=flow.id, day=utcnow().date(), source="webhook", operations=3),
            UsageDaily(company_id=company.id, flow_id=flow.id, day=old_day, source="event", operations=5)])
        db.session.commit()
        company_id = company.id
    login("administrator", company_id=company_id)
    recent = client.get("/insights/usage/?days=7", headers={"HX-Request": "true"}).get_data(as_text=True)
    select = re.search(r'<select[^>]*id="usage-source"[^>]*hx-swap-oob="true".*?</select>', recent, re.S).group(0)
    assert 'value="webhook"' in select and 'value="event"' not in select
    longer = client.get("/insights/usage/?days=90&source=event", headers={"HX-Request": "true"}).get_data(as_text=True)
    select = re.search(r'<select[^>]*id="usage-source"[^>]*hx-swap-oob="true".*?</select>', longer, re.S).group(0)
    assert 'value="webhook"' in select and re.search(r'value="event"\s+selected', select)
    whole = client.get("/insights/usage/?days=7").get_data(as_text=True)
    assert whole.count('id="usage-source"') == 1, "a whole page has the select once, in the form"
