"""Opening a shape's settings panel: every option of every shape, read-only rendering and other companies."""
from __future__ import annotations

import re

import pytest

from app.flows import shapes
from tests.flows_panels.helpers import (
    HX,
    get_panel,
    html,
    make_flow,
    notification_group,
    payload_step,
    shop_instance,
)


@pytest.fixture
def every_shape(app, login):
    """A signed-in manager and a flow holding one step of every shape, configured."""
    me = login("manager")
    company_id = me["company_id"]
    other = make_flow(app, company_id, [payload_step()], name="Child flow")
    instance_id = shop_instance(app, company_id)
    group_id = notification_group(app, company_id)
    steps = [
        payload_step("p"),
        {"id": "map", "type": "map", "version": 1, "config": {"wrap_output": True, "rules": [
            {"source": "customer.email", "target": "email", "transforms": [
                {"fn": "replace", "params": {"search": "@", "replace_with": " at "}}]}]}},
        {"id": "filter", "type": "filter", "version": 1, "config": {"logic": "or", "keep_matching": False,
                                                                    "conditions": [
            {"field": "total", "type": "number", "operator": "greater_than", "value": "100", "date_format": None},
            {"field": "created", "type": "specific_date", "operator": "before", "value": "2025-01-01",
             "date_format": "Y-m-d"}]}},
        {"id": "fc", "type": "flow_control", "version": 1, "config": {"level": "*", "size": 1, "format": "json",
                                                                       "wrap_single": False}},
        {"id": "split", "type": "split", "version": 1, "config": {"level": "customer", "wrapper_key": "buyer"}},
        {"id": "vars", "type": "set_variables", "version": 1, "config": {
            "flow": [{"name": "since", "value": "[[payload.id]]"}], "meta": [{"key": "origin", "value": "shop"}]}},
        {"id": "assert", "type": "assert", "version": 1, "config": {"expected": "{\"id\": 1}"}},
        {"id": "notify", "type": "notify", "version": 1, "config": {
            "template": "Order [[payload.id]]", "level": "warning", "channels": "email_log", "groups": [group_id]}},
        {"id": "track", "type": "track_data", "version": 1, "config": {"fields": [{"path": "id", "label": "Order"}]}},
        {"id": "child", "type": "run_process_flow", "version": 1, "config": {
            "flow_id": other, "version": None, "variables": {"customer": "[[payload.id]]"}, "payload": None}},
        {"id": "cb", "type": "callback", "version": 1, "config": {}},
        {"id": "send", "type": "connector", "version": 1, "config": {
            "instance_id": instance_id, "endpoint": "create_order", "variables": {"order_id": "[[payload.id]]"},
            "timeout": 20, "retries": 1, "wrapping": "first", "save_response_as_payload": True,
            "allow_unsuccessful_statuses": True}},
        {"id": "route", "type": "route", "version": 1, "config": {"method": "first"}, "paths": [
            {"id": "eu", "name": "Europe", "config": {"logic": "and", "conditions": [
                {"field": "country", "type": "string", "operator": "one_of", "value": "FR,DE"}]}, "steps": []},
            {"id": "rest", "name": "Everything else", "config": {"conditions": []}, "steps": []}]},
        {"id": "branch", "type": "branch", "version": 1, "config": {}, "paths": [
            {"id": "b1", "name": "Warehouse", "steps": [payload_step("inner")]},
            {"id": "b2", "name": "Shop", "steps": []}]},
        {"id": "tc", "type": "try_catch", "version": 1, "config": {"on_exception": "fail"}, "paths": [
            {"id": "try", "name": "Try", "steps": []}, {"id": "catch", "name": "Catch", "steps": []}]},
    ]
    flow_id = make_flow(app, company_id, steps, variables=[{"name": "since", "type": "string", "default": ""}])
    return {"flow_id": flow_id, "instance_id": instance_id, "group_id": group_id, "child_id": other, **me}


def test_every_registered_shape_has_panel_tests(every_shape):
    # The fixture proves each panel renders; a shape added to the registry needs it here or its own test module
    # (script: test_script_panel.py; cache_add, cache_load, dedupe: test_cache_panels.py).
    covered = {"manual_payload", "map", "filter", "flow_control", "split", "set_variables", "assert", "notify",
               "track_data", "run_process_flow", "callback", "connector", "route", "branch", "try_catch",
               "script", "cache_add", "cache_load", "dedupe"}
    assert set(shapes.SHAPES) <= covered, sorted(set(shapes.SHAPES) - covered)


@pytest.mark.parametrize("step_id, expected", [
    ("p", ['name="format"', '<option selected value="json">', 'name="body"', "100,000 characters"]),
    ("map", ['name="rules-0-source"', 'value="customer.email"', 'name="rules-0-target"', 'name="rules-0-t-0-fn"',
             '<option value="replace" selected>Replace</option>', 'name="rules-0-t-0-p-search"',
             'name="rules-0-t-0-p-mode"', 'name="wrap_input"',
             '<input checked class="form-check-input" id="wrap_output"',
             'name="per_record"', 'id="map-export"', 'name="map_file"', '<optgroup label="Date">']),
    ("filter", ['name="conditions-0-field"', 'value="total"', 'name="conditions-0-type"',
                '<option value="greater_than" selected>&gt;</option>', 'name="conditions-1-date_format"',
                'value="Y-m-d"',
                '<option selected value="or">', 'name="keep_matching"', "/panel/operators"]),
    ("fc", ['name="level"', 'name="size"', 'value="1"', 'name="format"', 'name="wrap_single"']),
    ("split", ['name="level"', 'value="customer"', 'name="wrapper_key"', 'value="buyer"']),
    ("vars", ['name="flow_vars-0-name"', 'value="since"', 'name="meta_vars-0-key"', 'value="origin"',
              'list="weft-flow-variables"',
              '<option value="since">']),
    ("assert", ['name="expected"', "{{&#34;id&#34;: 1}}"]),
    ("notify", ['name="template"', '<option selected value="warning">', '<option selected value="email_log">',
                'name="groups" value="{group_id}"', "checked", "Ops team"]),
    ("track", ['name="fields-0-path"', 'value="id"', 'name="fields-0-label"', 'value="Order"']),
    ("child", ['name="flow_id"', 'value="{child_id}" selected', 'name="version"', "Deployed version",
               'name="variables-0-name"', 'value="customer"', 'name="payload"']),
    ("cb", ["callback trigger", "waiting caller"]),
    ("send", ['name="instance_id"', 'value="{instance_id}" selected', "Shop live", 'name="endpoint"',
              '<option value="create_order" selected>', 'name="var-order_id"', 'value="[[payload.id]]"',
              'name="var-channel"', 'placeholder="web"', 'name="timeout"', 'value="20"', 'name="retries"',
              'name="save_response_as_payload"', 'name="allow_unsuccessful_statuses"',
              '<option selected value="first">', "POST /orders/{{{{order_id}}}}"]),
    ("route", ['name="method"', '<option selected value="first">', 'name="paths-0-name"', 'value="Europe"',
               'name="paths-0-conditions-0-field"', 'value="country"', 'name="paths-1-name"', 'value="Everything else"',
               'name="paths-0-logic"', "Add route"]),
    ("branch", ['name="paths-0-name"', 'value="Warehouse"', 'name="paths-1-name"', "Add branch",
                "This branch holds 1 shape(s)"]),
    ("tc", ['name="on_exception"', '<option selected value="fail">', 'name="paths-0-name"', 'value="Catch"']),
])
def test_each_panel_shows_every_option_with_the_stored_settings(client, every_shape, step_id, expected):
    response = get_panel(client, every_shape["flow_id"], step_id)
    assert response.status_code == 200
    page = html(response)
    assert 'id="step-form"' in page and 'name="expected_revision"' in page
    assert 'name="skip"' in page and 'name="name"' in page and 'name="note"' in page
    assert "<html" not in page  # htmx gets the panel, not a page
    for text in expected:
        assert text.format(**every_shape) in page, text
    assert "disabled" not in page.split('<fieldset')[1].split(">")[0]


def test_a_direct_visit_gets_the_whole_page_with_the_panel(client, every_shape):
    page = html(client.get(f"/flows/{every_shape['flow_id']}/steps/map/panel"))
    assert "<html" in page and 'id="step-panel"' in page and "Process flows" in page
    assert "/static/js/panel.js" in page and "/static/js/mapping.js" in page
    assert client.get("/static/js/panel.js").status_code == 200
    assert client.get("/static/js/mapping.js").status_code == 200


def test_field_pickers_offer_the_previous_connector_schema(app, client, login):
    me = login("user")
    instance_id = shop_instance(app, me["company_id"])
    flow_id = make_flow(app, me["company_id"], [
        {"id": "get", "type": "connector", "version": 1,
         "config": {"instance_id": instance_id, "endpoint": "list_orders"}},
        {"id": "m", "type": "map", "version": 1, "config": {"rules": []}},
        {"id": "send", "type": "connector", "version": 1, "config": {
            "instance_id": instance_id, "endpoint": "create_order", "variables": {"order_id": "1"}}}])
    page = html(get_panel(client, flow_id, "m"))
    source_list = page.split('<datalist id="weft-source-fields"')[1].split("</datalist>")[0]
    target_list = page.split('<datalist id="weft-target-fields"')[1].split("</datalist>")[0]
    assert 'value="orders.*.email"' in source_list and 'value="orders.*.id"' in source_list
    assert 'value="buyer.email"' in target_list and 'value="reference"' in target_list
    assert "No mappings yet" in page


def test_read_only_users_see_disabled_fields_and_no_save(app, client, login, every_shape):
    client.post("/logout")
    login("read-only", company_id=every_shape["company_id"])
    page = html(get_panel(client, every_shape["flow_id"], "filter"))
    assert re.search(r"<fieldset\s+disabled>", page)
    assert 'id="step-save"' not in page
    assert "your role cannot change them" in page
    assert 'id="preview-result"' in page  # trying the shape is still allowed


def test_an_older_version_opens_read_only(app, client, login):
    from app.extensions import db
    from app.flows.models import Flow
    from app.flows.versions import deploy

    me = login("manager")
    flow_id = make_flow(app, me["company_id"], [payload_step()])
    with app.app_context():
        flow = db.session.get(Flow, flow_id)
        deploy(flow, expected_revision=flow.draft.revision, actor=None)
    page = html(get_panel(client, flow_id, "p", version=1))
    assert re.search(r"<fieldset\s+disabled>", page) and "cannot change" in page
    assert 'name="panel_version" value="1"' in page
    assert "version 2 · draft" in html(get_panel(client, flow_id, "p"))


def test_another_companys_flow_is_not_found(app, client, login, every_shape):
    client.post("/logout")
    login("administrator")  # a different company
    assert client.get(f"/flows/{every_shape['flow_id']}/steps/map/panel", headers=HX).status_code == 404
    assert client.post(f"/flows/{every_shape['flow_id']}/steps/map/panel", data={}, headers=HX).status_code == 404
    url = f"/flows/{every_shape['flow_id']}/steps/map/panel/preview"
    assert client.post(url, data={}, headers=HX).status_code == 404


def test_a_shape_that_is_gone_answers_with_a_readable_404(client, every_shape):
    response = get_panel(client, every_shape["flow_id"], "nope")
    assert response.status_code == 404
    assert "no longer in the flow" in html(response) and response.headers["Weft-Panel"] == "swap"
    assert get_panel(client, every_shape["flow_id"], "p", version=99).status_code == 404


def test_the_trigger_opens_the_triggers_panel(client, every_shape):
    page = html(get_panel(client, every_shape["flow_id"], "trigger"))
    assert 'id="trigger-panel"' in page and "Schedules" in page


def test_sign_in_is_required(app, client, every_shape):
    client.post("/logout")
    response = client.get(f"/flows/{every_shape['flow_id']}/steps/map/panel")
    assert response.status_code in (302, 401)
