"""Shared helpers for the settings panel tests: flows with given steps, panel requests, the stored draft."""
from __future__ import annotations

import json
import re

from app.companies.models import Company
from app.extensions import db
from app.flows.models import Flow
from tests import factories

HX = {"HX-Request": "true"}
ORDERS = [{"id": 1, "status": "paid", "total": 120, "customer": {"name": "Ada", "email": "ada@example.com"},
           "lines": [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 1}]},
          {"id": 2, "status": "pending", "total": 15, "customer": {"name": "Alan", "email": "alan@example.com"},
           "lines": [{"sku": "C3", "qty": 5}]}]


def payload_step(step_id: str = "p", data=ORDERS) -> dict:
    return {"id": step_id, "type": "manual_payload", "version": 1,
            "config": {"format": "json", "body": json.dumps(data)}}


def make_flow(app, company_id: int, steps: list[dict], variables: list[dict] | None = None, name: str | None = None,
              deploy: bool = False) -> int:
    definition = {"trigger": {"type": "manual", "config": {}}, "steps": steps}
    if variables:
        definition["variables"] = variables
    with app.app_context():
        return factories.flow(db.session.get(Company, company_id), name=name, definition=definition, deploy=deploy).id


def draft(app, flow_id: int):
    """(revision, definition) of the flow's draft."""
    with app.app_context():
        version = db.session.get(Flow, flow_id).draft
        return version.revision, version.definition


def step_of(app, flow_id: int, step_id: str) -> dict:
    from app.flows.drafts import find_step

    return find_step(draft(app, flow_id)[1], step_id)[0]


def html(response) -> str:
    return response.get_data(as_text=True)


def get_panel(client, flow_id: int, step_id: str, **query):
    return client.get(f"/flows/{flow_id}/steps/{step_id}/panel", headers=HX, query_string=query)


def revision_in(page: str) -> str:
    return re.search(r'name="expected_revision"[^>]*value="(\d+)"', page).group(1)


def save(client, flow_id: int, step_id: str, data: dict, *, revision=None, app=None, **kwargs):
    """POST the panel form; the revision defaults to the draft's current one."""
    if revision is None:
        revision = draft(app, flow_id)[0]
    body = {"expected_revision": str(revision), **data}
    return client.post(f"/flows/{flow_id}/steps/{step_id}/panel", data=body, headers=HX, **kwargs)


def preview(client, flow_id: int, step_id: str, data: dict, *, paste=None):
    body = dict(data)
    if paste is not None:
        body.update({"sample_source": "paste", "sample_json": paste if isinstance(paste, str) else json.dumps(paste)})
    return client.post(f"/flows/{flow_id}/steps/{step_id}/panel/preview", data=body, headers=HX)


def preview_outputs(page: str) -> list:
    """The output payloads shown by a preview, parsed back from their <pre> blocks."""
    import html as html_lib

    blocks = re.findall(r'<pre class="bg-body-tertiary border rounded p-2 mb-1"><code>(.*?)</code></pre>', page, re.S)
    return [json.loads(html_lib.unescape(b)) for b in blocks]


def run_flow(app, client, worker, flow_id: int, payload=None):
    """Start a manual run through the page, work it, and return the run row's id and status."""
    from app.runs.models import Run

    data = {"format": "json", "payload": json.dumps(payload) if payload is not None else ""}
    response = client.post(f"/flows/{flow_id}/run", data=data)
    assert response.status_code in (302, 303), html(response)[:500]
    worker.work()
    with app.app_context():
        run = db.session.execute(db.select(Run).where(Run.flow_id == flow_id).order_by(Run.id.desc())).scalars().first()
        return run.id, run.status


SHOP = {
    "key": "test-shop", "name": "Test shop", "version": "1", "category": "ecommerce", "base_url": "{{base}}",
    "variables": [{"key": "base", "label": "Base URL", "required": True}],
    "auth_methods": [{"key": "none", "name": "No authentication", "type": "none"}],
    "endpoints": [
        {"key": "list_orders", "name": "List orders", "entity": "orders", "direction": "receive", "method": "GET",
         "path": "/orders", "data_type": "json",
         "schema": {"type": "object", "properties": {"orders": {"type": "array", "items": {
             "type": "object", "properties": {"id": {"type": "integer"}, "email": {"type": "string"}}}}}}},
        {"key": "create_order", "name": "Create order", "entity": "orders", "direction": "send", "method": "POST",
         "path": "/orders/{{order_id}}", "data_type": "json",
         "variables": [{"key": "order_id", "label": "Order id", "required": True},
                       {"key": "channel", "label": "Sales channel", "default": "web", "options": ["web", "pos"]}],
         "schema": {"type": "object", "properties": {"reference": {"type": "string"},
                                                     "buyer": {"type": "object", "properties": {
                                                         "email": {"type": "string"}}}}}},
    ],
}


def shop_instance(app, company_id: int, base: str = "http://127.0.0.1:9") -> int:
    from app.connectors import services

    with app.app_context():
        company = db.session.get(Company, company_id)
        connector = services.create_connector(company, SHOP)
        return services.add_instance(connector, "Shop live", "none", {"base": base}).id


def notification_group(app, company_id: int, name: str = "Ops team") -> int:
    from app.insights.models import NotificationGroup

    with app.app_context():
        group = NotificationGroup(company_id=company_id, name=name, emails=["ops@example.com"])
        db.session.add(group)
        db.session.commit()
        return group.id


def step_output(app, run_id: int, step_id: str):
    """The data a step emitted in a run, read from the payload store as the run page shows it."""
    from app.runs import logbook
    from app.runs.models import RunLog

    with app.app_context():
        row = db.session.execute(db.select(RunLog).where(RunLog.run_id == run_id, RunLog.step_id == step_id,
                                                         RunLog.payload_ref.is_not(None))
                                 .order_by(RunLog.id.desc())).scalars().first()
        assert row is not None, f"step {step_id} logged no payload"
        return json.loads(logbook.store().get(row.company_id, row.payload_ref))
