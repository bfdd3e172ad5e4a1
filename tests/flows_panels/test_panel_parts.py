"""The panel's live parts: operators per condition type, transform parameters, endpoint and version reloads,
and the map's import and export."""
from __future__ import annotations

import io
import json

from app.flows import mapping
from tests.flows_panels.helpers import (
    HX,
    draft,
    get_panel,
    html,
    make_flow,
    payload_step,
    revision_in,
    save,
    shop_instance,
    step_of,
)

MAP = {"id": "m", "type": "map", "version": 1, "config": {"wrap_input": True, "rules": [
    {"source": "id", "target": "order_id", "note": "kept by the panel",
     "transforms": [{"fn": "prefix", "params": {"text": "#"}}]}]}}


def panel_url(flow_id, step="m", part=""):
    return f"/flows/{flow_id}/steps/{step}/panel{part}"


def test_changing_a_condition_type_offers_that_types_operators(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "f", "type": "filter", "version": 1, "config": {
        "conditions": [{"field": "id", "type": "number", "operator": "greater_than", "value": "0"}]}}])
    page = html(client.get(panel_url(flow_id, "f", "/operators"), headers=HX, query_string={
        "prefix": "conditions-0", "conditions-0-type": "dynamic_date", "conditions-0-operator": "greater_than"}))
    assert 'name="conditions-0-operator"' in page and "is within the last" in page and "&gt;=" not in page
    assert 'name="conditions-0-date_format"' in page  # date types ask how to read the record's dates
    page = html(client.get(panel_url(flow_id, "f", "/operators"), headers=HX, query_string={
        "prefix": "paths-2-conditions-4", "paths-2-conditions-4-type": "number",
        "paths-2-conditions-4-operator": "between"}))
    assert '<option value="between" selected>between</option>' in page and "date_format" not in page
    assert client.get(panel_url(flow_id, "f", "/operators"), query_string={"prefix": "x\"><script>"}).status_code == 400


def test_choosing_a_transform_function_shows_its_parameters(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), MAP])
    page = html(client.get(panel_url(flow_id, part="/transform"), headers=HX,
                           query_string={"prefix": "rules-3-t-1", "rules-3-t-1-fn": "pad"}))
    assert 'name="rules-3-t-1-p-direction"' in page and '<option value="left" selected>left</option>' in page
    assert 'name="rules-3-t-1-p-length"' in page and 'name="rules-3-t-1-p-character"' in page
    page = html(client.get(panel_url(flow_id, part="/transform"), headers=HX,
                           query_string={"prefix": "rules-0-t-0", "rules-0-t-0-fn": "concatenate"}))
    assert 'type="hidden" name="rules-0-t-0-p-skip_empty" value="false"' in page  # an unticked box still says false
    assert 'data-multi' in page  # extra fields are picked one after another
    page = html(client.get(panel_url(flow_id, part="/transform"), headers=HX,
                           query_string={"prefix": "rules-0-t-0", "rules-0-t-0-fn": "custom_string"}))
    assert "needs no source field" in page


def test_choosing_an_instance_then_an_endpoint_reloads_the_endpoint_settings(app, client, login):
    me = login("manager")
    instance_id = shop_instance(app, me["company_id"])
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "c", "type": "connector", "version": 1,
                                                                 "config": {"instance_id": instance_id,
                                                                            "endpoint": "list_orders"}}])
    page = html(client.get(panel_url(flow_id, "c", "/connector"), headers=HX, query_string={"instance_id": ""}))
    assert page.strip().startswith('<div id="connector-endpoint">') and "Choose an endpoint" not in page
    page = html(client.get(panel_url(flow_id, "c", "/connector"), headers=HX,
                           query_string={"instance_id": str(instance_id)}))
    assert '<optgroup label="Orders">' in page and "Create order (send)" in page and "var-order_id" not in page
    page = html(client.get(panel_url(flow_id, "c", "/connector"), headers=HX,
                           query_string={"instance_id": str(instance_id), "endpoint": "create_order",
                                         "var-order_id": "[[payload.id]]"}))
    assert 'name="var-order_id"' in page and 'value="[[payload.id]]"' in page and "(required)" in page
    assert 'name="save_response_as_payload"' in page and 'list="var-options-channel"' in page


def test_other_companies_instances_are_not_offered(app, client, login):
    other = login("manager")
    foreign = shop_instance(app, other["company_id"])
    client.post("/logout")
    me = login("manager")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "c", "type": "connector", "version": 1,
                                                                 "config": {"instance_id": 1, "endpoint": "x"}}])
    page = html(get_panel(client, flow_id, "c"))
    assert "Shop live" not in page and 'id="no-instances"' in page
    page = html(client.get(panel_url(flow_id, "c", "/connector"), headers=HX, query_string={"instance_id": foreign}))
    assert "Create order" not in page
    response = save(client, flow_id, "c", {"instance_id": str(foreign), "endpoint": "create_order"}, app=app)
    assert response.status_code == 422 and "no longer there" in html(response)


def test_choosing_a_child_flow_lists_its_versions_and_variables(app, client, login):
    me = login("user")
    child = make_flow(app, me["company_id"], [payload_step()], name="Child",
                      variables=[{"name": "customer", "type": "string", "default": ""}])
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "c", "type": "run_process_flow", "version": 1,
                                                                 "config": {"flow_id": child}}])
    page = html(client.get(panel_url(flow_id, "c", "/versions"), headers=HX, query_string={"flow_id": str(child)}))
    assert "Version 1 (draft)" in page and '<option value="customer">' in page
    page = html(client.get(panel_url(flow_id, "c", "/versions"), headers=HX, query_string={"flow_id": ""}))
    assert "Version 1" not in page and "Deployed version" in page


def test_export_gives_the_saved_map_or_the_map_as_edited(app, client, login):
    me = login("read-only")
    flow_id = make_flow(app, me["company_id"], [payload_step(), MAP])
    response = client.get(panel_url(flow_id, part="/map/export"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="map-')
    doc = json.loads(response.get_data(as_text=True))
    assert doc == {"weft_map": 1, "wrap_input": True, "rules": MAP["config"]["rules"]}
    assert mapping.import_map(response.get_data()) == {"wrap_input": True, "rules": MAP["config"]["rules"]}
    client.post("/logout")
    login("user", company_id=me["company_id"])
    response = client.post(panel_url(flow_id, part="/map/export"), data={
        "rules-0-source": "status", "rules-0-target": "state", "per_record": "y"})
    assert json.loads(response.get_data(as_text=True)) == {"weft_map": 1, "rules": [{"source": "status",
                                                                                      "target": "state"}]}
    assert client.get(panel_url(flow_id, "p", "/map/export")).status_code == 404


def test_import_fills_the_editor_and_saving_stores_it(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), MAP])
    rev = revision_in(html(get_panel(client, flow_id, "m")))
    exported = mapping.export_map({"wrap_output": True, "rules": [
        {"sources": ["customer.name", "customer.email"], "target": "contact",
         "transforms": [{"fn": "concatenate", "params": {"separator": " / "}}]},
        {"source": "lines.*.sku", "target": "items.*.code", "label": "SKUs"}]})
    response = client.post(panel_url(flow_id, part="/map/import"), headers=HX, data={
        "expected_revision": rev, "rules-0-source": "id", "rules-0-target": "order_id",
        "map_file": (io.BytesIO(exported.encode()), "orders.weft-map.json")}, content_type="multipart/form-data")
    assert response.status_code == 200
    page = html(response)
    assert "Imported 2 rules from orders.weft-map.json" in page
    assert 'value="customer.name, customer.email"' in page and 'name="rules-0-multi" value="1"' in page
    assert 'value="items.*.code"' in page and "SKUs" in page and 'value="order_id"' not in page
    assert draft(app, flow_id)[0] == int(rev)  # nothing saved yet
    form = {"expected_revision": rev, "wrap_output": "y", "per_record": "y",
            "rules-0-source": "customer.name, customer.email", "rules-0-multi": "1", "rules-0-target": "contact",
            "rules-0-t-0-fn": "concatenate", "rules-0-t-0-p-separator": " / ", "rules-0-t-0-p-fields": "",
            "rules-0-t-0-p-skip_empty": ["false", "true"],
            "rules-1-source": "lines.*.sku", "rules-1-target": "items.*.code", "rules-1-keep": '{"label": "SKUs"}'}
    assert client.post(panel_url(flow_id), data=form, headers=HX).status_code == 200
    assert step_of(app, flow_id, "m")["config"] == {"wrap_output": True, "rules": [
        {"sources": ["customer.name", "customer.email"], "target": "contact",
         "transforms": [{"fn": "concatenate", "params": {"separator": " / ", "skip_empty": True}}]},
        {"label": "SKUs", "source": "lines.*.sku", "target": "items.*.code"}]}


def test_a_bad_map_file_changes_nothing_and_says_why(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), MAP])
    before = draft(app, flow_id)

    def upload(body: bytes, name="map.json"):
        return client.post(panel_url(flow_id, part="/map/import"), headers=HX, content_type="multipart/form-data",
                           data={"expected_revision": str(before[0]), "rules-0-source": "id",
                                 "rules-0-target": "order_id", "map_file": (io.BytesIO(body), name)})

    for body, reason in [(b"{oops", "not valid JSON"), (b'{"rules": []}', "not a Weft map export"),
                         (b'{"weft_map": 9, "rules": []}', "newer Weft"),
                         (b'{"weft_map": 1, "rules": [{"source": "a"}]}', "target must be a field path"),
                         (b"\xff\xfe", "not UTF-8")]:
        response = upload(body)
        assert response.status_code == 422, body
        page = html(response)
        assert "Nothing was imported" in page and reason in page, body
        assert 'value="order_id"' in page  # the rules in the form stay as they were
    response = client.post(panel_url(flow_id, part="/map/import"), headers=HX, data={"expected_revision": "1"})
    assert response.status_code == 422 and "Choose a map file" in html(response)
    assert draft(app, flow_id) == before
