"""The map's "Fields to map" box: choosing where source and target fields come from, auto-map and its undo."""
from __future__ import annotations

import json

from tests import factories
from tests.flows_panels.helpers import (
    HX,
    ORDERS,
    draft,
    get_panel,
    html,
    make_flow,
    payload_step,
    run_flow,
    shop_instance,
)

MAP = {"id": "m", "type": "map", "version": 1, "name": "Shape orders", "config": {"rules": [
    {"source": "status", "target": "CustomerEmail"}]}}  # the user's rule, even if it looks odd
TARGET_EXAMPLE = {"OrderId": 0, "CustomerEmail": "", "Status": "", "Customer": {"Name": ""},
                  "Lines": [{"SKU": "", "Qty": 0}], "Warehouse": ""}


def url(flow_id, part, step="m"):
    return f"/flows/{flow_id}/steps/{step}/panel/map/{part}"


def form_of(revision, rules=(("status", "CustomerEmail"),), **extra) -> dict:
    """The map's settings form as the browser posts it, with the fields choice."""
    data = {"expected_revision": str(revision), "name": "Shape orders", "per_record": "y"}
    for n, (source, target) in enumerate(rules):
        data[f"rules-{n}-source"], data[f"rules-{n}-target"] = source, target
    data.update(extra)
    return data


def pasted(source=ORDERS, target=TARGET_EXAMPLE) -> dict:
    return {"source_kind": "paste", "source_json": json.dumps(source),
            "target_kind": "paste", "target_json": json.dumps(target)}


def rules_of(app, flow_id):
    return next(s for s in draft(app, flow_id)[1]["steps"] if s["id"] == "m")["config"]["rules"]


def test_a_pasted_sample_lists_its_nested_fields_for_the_pickers(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), MAP])
    panel = html(get_panel(client, flow_id, "m"))
    assert 'id="map-fields"' in panel and 'id="map-automap"' in panel
    assert "None of the latest runs reached this shape yet" in panel

    response = client.post(url(flow_id, "fields"), headers=HX, data=pasted())
    page = html(response)
    assert response.status_code == 200
    for path in ("customer.email", "lines.*.sku", "Customer.Name", "Lines.*.SKU"):
        assert f'data-path="{path}"' in page
    assert 'id="map-source-count">9<' in page  # id, status, total, customer and its 2 fields, lines and 2 of theirs
    assert '<datalist id="weft-source-fields" hx-swap-oob="true">' in page  # the pickers offer them
    assert '<option value="customer.email"' in page
    # the target list includes the targets of the rules in the form as well
    assert 'id="map-target-list" data-side="target" hx-swap-oob="true"' in page and 'data-path="CustomerEmail"' in page


def test_the_latest_run_gives_what_the_shape_received(app, client, login, worker):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), MAP])
    run_id, status = run_flow(app, client, worker, flow_id)
    assert status == "success"
    page = html(client.post(url(flow_id, "fields"), headers=HX, data={"source_kind": "run"}))
    assert f"What this shape received in run #{run_id}" in page and 'data-path="lines.*.qty"' in page


def test_invalid_json_is_a_422_with_the_reason_in_the_box(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), MAP])
    response = client.post(url(flow_id, "fields"), headers=HX, data={"source_kind": "paste",
                                                                      "source_json": '{"id": 1,}'})
    assert response.status_code == 422
    assert "The pasted sample is not valid JSON" in html(response) and "line 1" in html(response)
    response = client.post(url(flow_id, "fields"), headers=HX, data={"target_kind": "paste", "target_json": "[{"})
    assert response.status_code == 422 and "The pasted example output is not valid JSON" in html(response)

    before = draft(app, flow_id)
    response = client.post(url(flow_id, "automap"), headers=HX,
                           data=form_of(before[0], source_kind="paste", source_json="{oops"))
    assert response.status_code == 422
    assert "Nothing was auto-mapped." in html(response) and "not valid JSON" in html(response)
    assert draft(app, flow_id) == before


def test_auto_map_adds_rules_for_similar_names_and_keeps_the_users(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), MAP])
    revision = draft(app, flow_id)[0]
    # an unsaved rule typed in the form counts as the user's too
    body = form_of(revision, rules=(("status", "CustomerEmail"), ("id", "Warehouse")), **pasted())
    response = client.post(url(flow_id, "automap"), headers=HX, data=body)
    page = html(response)
    assert response.status_code == 200, page
    assert rules_of(app, flow_id) == [
        {"source": "status", "target": "CustomerEmail"}, {"source": "id", "target": "Warehouse"},
        {"source": "status", "target": "Status"}, {"source": "customer.name", "target": "Customer.Name"},
        {"source": "lines.*.sku", "target": "Lines.*.SKU"}, {"source": "lines.*.qty", "target": "Lines.*.Qty"}]
    assert "Auto-map added 4 mappings" in page and "2 target fields already had your mappings" in page
    assert page.count("weft-proposed-badge") == 4 and 'id="map-automap-undo"' in page
    assert "OrderId" not in page.split('id="map-automap-list"')[1].split("</ul>")[0]  # no source field called so

    # nothing more to add the second time
    again = client.post(url(flow_id, "automap"), headers=HX,
                        data={**form_of(draft(app, flow_id)[0], rules=[(r["source"], r["target"])
                                                                       for r in rules_of(app, flow_id)]), **pasted()})
    assert again.status_code == 200 and "Auto-map found no new mappings" in html(again)
    assert len(rules_of(app, flow_id)) == 6


def test_undo_takes_back_only_the_auto_mapped_rules(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), MAP, {"id": "f", "type": "filter", "version": 1,
                                                                      "config": {"conditions": [
        {"field": "id", "type": "number", "operator": "greater_than", "value": "0"}]}}])
    revision = draft(app, flow_id)[0]
    client.post(url(flow_id, "automap"), headers=HX,
                data=form_of(revision, rules=(("status", "CustomerEmail"), ("id", "Warehouse")), **pasted()))
    assert len(rules_of(app, flow_id)) == 6
    revision = draft(app, flow_id)[0]
    response = client.post(url(flow_id, "automap/undo"), headers=HX, data={"revision": str(revision)})
    assert response.status_code == 200 and "Auto-map undone" in html(response)
    # the rule typed before auto-map was saved with it, and stays
    assert rules_of(app, flow_id) == [{"source": "status", "target": "CustomerEmail"},
                                      {"source": "id", "target": "Warehouse"}]

    # the canvas's Undo (Ctrl+Z) does the same, and keeps settings saved meanwhile on other shapes
    rules = (("status", "CustomerEmail"), ("id", "Warehouse"))
    client.post(url(flow_id, "automap"), headers=HX, data=form_of(draft(app, flow_id)[0], rules=rules, **pasted()))
    assert len(rules_of(app, flow_id)) == 6
    saved = client.post(f"/flows/{flow_id}/steps/f/panel", headers=HX, data={
        "expected_revision": str(draft(app, flow_id)[0]), "logic": "and", "conditions-0-field": "total",
        "conditions-0-type": "number", "conditions-0-operator": "greater_than", "conditions-0-value": "10"})
    assert saved.status_code == 200, html(saved)
    response = client.post(f"/flows/{flow_id}/undo", headers=HX, data={"revision": str(draft(app, flow_id)[0])})
    assert response.status_code == 200, html(response)
    steps = {s["id"]: s for s in draft(app, flow_id)[1]["steps"]}
    assert steps["m"]["config"]["rules"] == [{"source": "status", "target": "CustomerEmail"},
                                             {"source": "id", "target": "Warehouse"}]
    assert steps["f"]["config"]["conditions"][0]["field"] == "total"

    # after a later change to the flow's shapes, the panel's button leaves undoing to the canvas
    client.post(url(flow_id, "automap"), headers=HX, data=form_of(draft(app, flow_id)[0], rules=rules, **pasted()))
    added = client.post(f"/flows/{flow_id}/steps", headers=HX, data={
        "type": "filter", "path_id": "root", "index": "9", "revision": str(draft(app, flow_id)[0])})
    assert added.status_code == 200, html(added)
    refused = client.post(url(flow_id, "automap/undo"), headers=HX, data={"revision": str(draft(app, flow_id)[0])})
    assert refused.status_code == 409 and "Use Undo on the canvas (Ctrl+Z)" in html(refused)
    assert len(rules_of(app, flow_id)) == 6

def test_a_stale_panel_auto_maps_nothing(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), MAP])
    before = draft(app, flow_id)
    response = client.post(url(flow_id, "automap"), headers=HX, data=form_of(before[0] - 1, **pasted()))
    assert response.status_code == 409 and 'id="step-stale"' in html(response)
    assert draft(app, flow_id) == before


def test_a_connector_data_model_feeds_the_lists_and_other_companies_are_not_offered(app, client, login):
    me = login("user")
    instance_id = shop_instance(app, me["company_id"])
    send = {"id": "c", "type": "connector", "version": 1, "config": {"instance_id": instance_id,
                                                                     "endpoint": "create_order"}}
    flow_id = make_flow(app, me["company_id"], [payload_step(), MAP, send])
    panel = html(get_panel(client, flow_id, "m"))
    assert f'value="{instance_id}:list_orders"' in panel  # endpoints with a data model are offered
    assert 'data-path="buyer.email"' in panel  # the next connector's data model is the default target
    page = html(client.post(url(flow_id, "fields"), headers=HX, data={
        "source_kind": "model", "source_model": f"{instance_id}:list_orders"}))
    assert 'data-path="orders.*.email"' in page and "Data model of Shop live › List orders" in page

    with app.app_context():
        other_company = factories.company("Elsewhere").id
    theirs = shop_instance(app, other_company)
    response = client.post(url(flow_id, "fields"), headers=HX, data={
        "source_kind": "model", "source_model": f"{theirs}:list_orders"})
    assert response.status_code == 422 and "orders.*.email" not in html(response)
    assert "Choose a connector endpoint that has a data model" in html(response)


def test_read_only_users_cannot_auto_map(app, client, login):
    me = login("read-only")
    flow_id = make_flow(app, me["company_id"], [payload_step(), MAP])
    before = draft(app, flow_id)
    assert client.post(url(flow_id, "automap"), headers=HX, data=form_of(before[0], **pasted())).status_code == 403
    assert client.post(url(flow_id, "fields"), headers=HX, data=pasted()).status_code == 200
    assert draft(app, flow_id) == before
