"""Saving a shape's settings panel: the draft gets the config the engine then runs; errors, conflicts, roles."""
from __future__ import annotations

import re

from tests.flows_panels.helpers import (
    HX,
    ORDERS,
    draft,
    get_panel,
    html,
    make_flow,
    notification_group,
    payload_step,
    revision_in,
    run_flow,
    save,
    shop_instance,
    step_of,
    step_output,
)

MAP = {"id": "m", "type": "map", "version": 1, "config": {"rules": []}}


def test_saving_a_map_stores_its_rules_and_the_next_run_maps_with_them(app, client, login, worker):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), MAP])
    page = html(get_panel(client, flow_id, "m"))
    response = save(client, flow_id, "m", {
        "name": "Shape the orders", "note": "Built in the panel",
        "rules-0-source": "id", "rules-0-target": "order.number",
        "rules-0-t-0-fn": "prefix", "rules-0-t-0-p-text": "SO-",
        "rules-1-source": "customer.email", "rules-1-target": "email",
        "rules-1-t-3-fn": "replace", "rules-1-t-3-p-search": "@example.com", "rules-1-t-3-p-replace_with": "",
        "rules-1-t-3-p-mode": "plain", "rules-1-t-3-p-case_sensitive": ["false", "true"], "rules-1-t-3-p-count": "0",
        "rules-1-t-1-fn": "suffix", "rules-1-t-1-p-text": "!",  # listed after t-3: runs after it
        "rules-7-source": "", "rules-7-target": "",  # a blank row is dropped, not an error
        "wrap_output": "y", "per_record": "y",
    }, revision=revision_in(page))
    assert response.status_code == 200, html(response)
    assert 'id="step-saved"' in html(response)
    step = step_of(app, flow_id, "m")
    assert step["name"] == "Shape the orders" and step["note"] == "Built in the panel"
    assert step["config"] == {"wrap_output": True, "rules": [
        {"source": "id", "target": "order.number", "transforms": [{"fn": "prefix", "params": {"text": "SO-"}}]},
        {"source": "customer.email", "target": "email", "transforms": [
            {"fn": "replace", "params": {"search": "@example.com", "replace_with": "", "mode": "plain",
                                         "case_sensitive": True, "count": 0}},
            {"fn": "suffix", "params": {"text": "!"}}]}]}
    assert int(revision_in(html(response))) == draft(app, flow_id)[0]  # the form moves on to the new revision

    run_id, status = run_flow(app, client, worker, flow_id)
    assert status == "success"
    assert step_output(app, run_id, "m") == [{"order": {"number": "SO-1"}, "email": "ada!"},
                                              {"order": {"number": "SO-2"}, "email": "alan!"}]


def test_map_problems_come_back_on_their_rows_with_422(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), MAP])
    before = draft(app, flow_id)
    response = save(client, flow_id, "m", {
        "rules-0-source": "id", "rules-0-target": "id",
        "rules-1-source": "total", "rules-1-target": "id",  # two rules write one target
        "rules-2-source": "total", "rules-2-target": "amount", "rules-2-t-0-fn": "pad",
        "rules-2-t-0-p-direction": "sideways", "rules-2-t-0-p-length": "ten"}, app=app)
    assert response.status_code == 422
    page = html(response)
    assert 'id="step-problems"' in page
    second = page.split('name="rules-1-source"')[1].split('data-rule')[0]
    assert "already writes the same target" in second
    third = page.split('name="rules-2-source"')[1]
    assert "Direction must be one of left, right, both" in third and "Length must be a number" in third
    assert draft(app, flow_id) == before


def test_a_filter_saves_its_conditions_and_filters_the_next_run(app, client, login, worker):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "f", "type": "filter", "version": 1, "config": {
        "conditions": [{"field": "id", "type": "number", "operator": "greater_than", "value": "0"}]}}])
    response = save(client, flow_id, "f", {
        "conditions-0-field": "total", "conditions-0-type": "number", "conditions-0-operator": "greater_or_equal",
        "conditions-0-value": "100", "conditions-0-date_format": "",
        "conditions-3-field": "status", "conditions-3-type": "string", "conditions-3-operator": "is_not_empty",
        "conditions-3-value": "ignored",
        "conditions-4-field": "", "conditions-4-type": "string", "conditions-4-operator": "equals",
        "conditions-4-value": "",
        "logic": "and", "keep_matching": "y"}, app=app)
    assert response.status_code == 200, html(response)
    assert step_of(app, flow_id, "f")["config"] == {"logic": "and", "keep_matching": True, "conditions": [
        {"field": "total", "type": "number", "operator": "greater_or_equal", "value": "100", "date_format": None},
        {"field": "status", "type": "string", "operator": "is_not_empty", "value": None, "date_format": None}]}
    run_id, status = run_flow(app, client, worker, flow_id)
    assert status == "success"
    assert [r["id"] for r in step_output(app, run_id, "f")] == [1]


def test_filter_mistakes_are_shown_inline(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "f", "type": "filter", "version": 1, "config": {
        "conditions": [{"field": "id", "type": "number", "operator": "greater_than", "value": "0"}]}}])
    response = save(client, flow_id, "f", {
        "conditions-0-field": "total", "conditions-0-type": "number", "conditions-0-operator": "greater_than",
        "conditions-0-value": "ten",
        "conditions-1-field": "", "conditions-1-type": "string", "conditions-1-operator": "equals",
        "conditions-1-value": "paid",
        "conditions-2-field": "x", "conditions-2-type": "number", "conditions-2-operator": "contains",
        "conditions-2-value": "1", "logic": "and"}, app=app)
    assert response.status_code == 422
    page = html(response)
    assert "Choose a field, or type its path." in page
    assert "Choose an operator for Number." in page
    # field errors come first; once they are fixed, the filter's own check speaks
    response = save(client, flow_id, "f", {
        "conditions-0-field": "total", "conditions-0-type": "number", "conditions-0-operator": "greater_than",
        "conditions-0-value": "ten", "logic": "and"}, app=app)
    assert response.status_code == 422
    row = html(response).split('name="conditions-0-field"')[1]
    assert "&#39;ten&#39; is not a number" in row or "'ten' is not a number" in row


def test_filter_without_any_condition_is_refused(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "f", "type": "filter", "version": 1, "config": {
        "conditions": [{"field": "id", "type": "number", "operator": "greater_than", "value": "0"}]}}])
    response = save(client, flow_id, "f", {"logic": "and", "keep_matching": "y"}, app=app)
    assert response.status_code == 422 and "Add at least one condition." in html(response)


def test_route_panel_renames_routes_edits_conditions_and_adds_a_route(app, client, login, worker):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {
        "id": "r", "type": "route", "version": 1, "config": {"method": "all"}, "paths": [
            {"id": "a", "name": "Route 1", "config": {"conditions": []}, "steps": [payload_step("in-a", {"a": 1})]},
            {"id": "b", "name": "Route 2", "config": {"conditions": []}, "steps": []}]}])
    response = save(client, flow_id, "r", {
        "method": "first",
        "paths-0-id": "a", "paths-0-name": "Big orders", "paths-0-logic": "and",
        "paths-0-conditions-0-field": "total", "paths-0-conditions-0-type": "number",
        "paths-0-conditions-0-operator": "greater_than", "paths-0-conditions-0-value": "100",
        "paths-1-id": "b", "paths-1-name": "Paid", "paths-1-logic": "or",
        "paths-1-conditions-0-field": "status", "paths-1-conditions-0-type": "string",
        "paths-1-conditions-0-operator": "equals", "paths-1-conditions-0-value": "paid",
        "paths-5-id": "", "paths-5-name": "Everything else", "paths-5-logic": "and"}, app=app)
    assert response.status_code == 200, html(response)
    step = step_of(app, flow_id, "r")
    assert step["config"] == {"method": "first"}
    assert [p["name"] for p in step["paths"]] == ["Big orders", "Paid", "Everything else"]
    assert step["paths"][0]["steps"][0]["id"] == "in-a"  # a route keeps its shapes
    assert step["paths"][1]["config"] == {"logic": "or", "conditions": [
        {"field": "status", "type": "string", "operator": "equals", "value": "paid", "date_format": None}]}
    assert step["paths"][2]["config"] == {"logic": "and", "conditions": []} and step["paths"][2]["id"]
    run_id, status = run_flow(app, client, worker, flow_id)
    assert status == "success"


def test_route_names_must_differ(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {
        "id": "r", "type": "route", "version": 1, "config": {"method": "all"}, "paths": [
            {"id": "a", "name": "A", "config": {}, "steps": []}, {"id": "b", "name": "B", "config": {}, "steps": []}]}])
    response = save(client, flow_id, "r", {"method": "all", "paths-0-id": "a", "paths-0-name": "Same",
                                           "paths-1-id": "b", "paths-1-name": "Same"}, app=app)
    assert response.status_code == 422 and "Two routes are called" in html(response)
    response = save(client, flow_id, "r", {"method": "all", "paths-0-id": "a", "paths-0-name": "Only"}, app=app)
    assert response.status_code == 422 and "at least 2 routes" in html(response)


def test_paths_added_on_the_canvas_meanwhile_are_not_dropped_by_an_older_panel(app, client, login):
    from app.extensions import db
    from app.flows import structure
    from app.flows.models import Flow

    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {
        "id": "b", "type": "branch", "version": 1, "config": {}, "paths": [
            {"id": "b1", "name": "One", "steps": []}, {"id": "b2", "name": "Two", "steps": []}]}])
    page = html(get_panel(client, flow_id, "b"))
    assert 'name="path_ids" value="b1,b2"' in page
    with app.app_context():  # the canvas adds a branch; its editor.js moves the panel to the new revision
        flow = db.session.get(Flow, flow_id)
        structure.add_path(flow, "b", expected_revision=flow.draft.revision, actor=None)
    response = save(client, flow_id, "b", {"path_ids": "b1,b2", "paths-0-id": "b1", "paths-0-name": "Renamed",
                                           "paths-1-id": "b2", "paths-1-name": "Two"}, app=app)
    assert response.status_code == 409 and "paths of this shape changed" in html(response)
    assert 'name="path_ids" value="b1,b2"' in html(response)  # saving again is still refused
    assert len(step_of(app, flow_id, "b")["paths"]) == 3


def test_branch_and_try_catch_paths_are_renamed(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {
        "id": "b", "type": "branch", "version": 1, "config": {}, "paths": [
            {"id": "b1", "name": "Branch 1", "steps": [payload_step("x")]},
            {"id": "b2", "name": "Branch 2", "steps": []}]},
        {"id": "t", "type": "try_catch", "version": 1, "config": {}, "paths": [
            {"id": "try", "name": "Try", "steps": []}, {"id": "catch", "name": "Catch", "steps": []}]}])
    assert save(client, flow_id, "b", {"paths-0-id": "b1", "paths-0-name": "Warehouse",
                                       "paths-1-id": "b2", "paths-1-name": "Shop",
                                       "paths-2-id": "", "paths-2-name": "Mail"}, app=app).status_code == 200
    step = step_of(app, flow_id, "b")
    assert [p["name"] for p in step["paths"]] == ["Warehouse", "Shop", "Mail"] and step["paths"][0]["steps"]
    assert save(client, flow_id, "t", {"on_exception": "fail", "paths-0-id": "try", "paths-0-name": "Attempt",
                                       "paths-1-id": "catch", "paths-1-name": "Rescue"}, app=app).status_code == 200
    step = step_of(app, flow_id, "t")
    assert step["config"] == {"on_exception": "fail"} and [p["name"] for p in step["paths"]] == ["Attempt", "Rescue"]
    response = save(client, flow_id, "t", {"on_exception": "fail", "paths-0-id": "try", "paths-0-name": "Only"},
                    app=app)
    assert response.status_code == 422 and "exactly two paths" in html(response)


def test_skip_name_and_note(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), MAP])
    assert save(client, flow_id, "m", {"skip": "y", "name": "Later", "note": "Waiting for the new fields"},
                app=app).status_code == 200
    step = step_of(app, flow_id, "m")
    assert step["skip"] is True and step["name"] == "Later" and step["note"] == "Waiting for the new fields"
    page = html(get_panel(client, flow_id, "m"))
    assert re.search(r'<input checked[^>]*id="skip"', page) and "Waiting for the new fields" in page
    assert save(client, flow_id, "m", {"name": ""}, app=app).status_code == 200
    step = step_of(app, flow_id, "m")
    assert "skip" not in step and "name" not in step and "note" not in step


def test_a_stale_revision_is_refused_with_409_and_nothing_changes(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), MAP])
    opened = revision_in(html(get_panel(client, flow_id, "m")))
    assert save(client, flow_id, "m", {"name": "First window"}, revision=opened).status_code == 200
    before = draft(app, flow_id)
    response = save(client, flow_id, "m", {"name": "Second window", "rules-0-source": "id", "rules-0-target": "x"},
                    revision=opened)
    assert response.status_code == 409
    assert response.headers["Weft-Panel"] == "swap"
    page = html(response)
    assert "not saved" in page and "Reload the settings" in page and 'value="Second window"' in page
    assert draft(app, flow_id) == before and step_of(app, flow_id, "m")["name"] == "First window"


def test_read_only_users_cannot_save(app, client, login):
    me = login("read-only")
    flow_id = make_flow(app, me["company_id"], [payload_step(), MAP])
    before = draft(app, flow_id)
    assert save(client, flow_id, "m", {"name": "Nope"}, app=app).status_code == 403
    assert client.post(f"/flows/{flow_id}/steps/m/panel/map/import", headers=HX).status_code == 403
    assert draft(app, flow_id) == before


def test_manual_payload_assert_and_json_settings_are_checked(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "a", "type": "assert", "version": 1,
                                                                 "config": {"expected": "{}"}}])
    response = save(client, flow_id, "p", {"format": "json", "body": "{oops"}, app=app)
    assert response.status_code == 422 and "Not valid JSON" in html(response)
    response = save(client, flow_id, "p", {"format": "json", "body": ""}, app=app)
    assert response.status_code == 422 and "{} is allowed" in html(response)
    assert save(client, flow_id, "p", {"format": "csv", "body": "id,name\n1,Ada"}, app=app).status_code == 200
    assert step_of(app, flow_id, "p")["config"] == {"format": "csv", "body": "id,name\n1,Ada"}
    assert save(client, flow_id, "a", {"expected": "[1, 2]"}, app=app).status_code == 200
    assert step_of(app, flow_id, "a")["config"] == {"expected": "[1, 2]"}


def test_connector_settings_are_saved_with_names_for_the_canvas(app, client, login):
    me = login("manager")
    instance_id = shop_instance(app, me["company_id"])
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "c", "type": "connector", "version": 1,
                                                                 "config": {"instance_id": instance_id,
                                                                            "endpoint": "list_orders"}}])
    response = save(client, flow_id, "c", {"instance_id": str(instance_id), "endpoint": "create_order",
                                           "var-order_id": "[[payload.id]]", "var-channel": "", "timeout": "45",
                                           "retries": "0", "wrapping": "raw", "save_response_as_payload": "y"}, app=app)
    assert response.status_code == 200, html(response)
    assert step_of(app, flow_id, "c")["config"] == {
        "instance_id": instance_id, "endpoint": "create_order", "variables": {"order_id": "[[payload.id]]"},
        "timeout": 45, "retries": 0, "wrapping": "raw", "allow_unsuccessful_statuses": False,
        "save_response_as_payload": True, "instance_name": "Shop live", "endpoint_name": "Create order"}
    response = save(client, flow_id, "c", {"instance_id": "", "endpoint": "", "timeout": "900"}, app=app)
    page = html(response)
    assert response.status_code == 422
    assert "Choose the connector instance to use." in page and "Between 1 and 600 seconds." in page
    response = save(client, flow_id, "c", {"instance_id": str(instance_id), "endpoint": "create_order",
                                           "var-order_id": "[[paylod.id]]"}, app=app)
    assert response.status_code == 422 and "paylod" in html(response)


def test_notify_needs_a_group_to_email(app, client, login):
    me = login("user")
    group_id = notification_group(app, me["company_id"])
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "n", "type": "notify", "version": 1, "config": {
        "template": "hi", "channels": "log"}}])
    response = save(client, flow_id, "n", {"template": "Order [[payload.id]]", "level": "error",
                                           "channels": "email"}, app=app)
    assert response.status_code == 422 and "Choose at least one group to email" in html(response)
    response = save(client, flow_id, "n", {"template": "Order [[payload.id]]", "level": "error", "channels": "email",
                                           "groups": [str(group_id)]}, app=app)
    assert response.status_code == 200
    assert step_of(app, flow_id, "n")["config"] == {"template": "Order [[payload.id]]", "level": "error",
                                                    "channels": "email", "groups": [group_id]}
    response = save(client, flow_id, "n", {"template": "x", "channels": "email", "groups": ["99999"]}, app=app)
    assert response.status_code == 422 and "from the list" in html(response)


def test_run_process_flow_chooses_another_flow_and_version(app, client, login):
    me = login("user")
    child = make_flow(app, me["company_id"], [payload_step()], name="Child")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "c", "type": "run_process_flow", "version": 1,
                                                                 "config": {"flow_id": child}}], name="Parent")
    page = html(get_panel(client, flow_id, "c"))
    assert f'<option value="{flow_id}"' not in page  # a flow cannot run itself
    response = save(client, flow_id, "c", {"flow_id": str(child), "version": "1", "variables-0-name": "customer",
                                           "variables-0-value": "[[payload.id]]", "variables-1-name": "",
                                           "variables-1-value": "", "payload": ""}, app=app)
    assert response.status_code == 200, html(response)
    assert step_of(app, flow_id, "c")["config"] == {"flow_id": child, "version": 1,
                                                    "variables": {"customer": "[[payload.id]]"}, "payload": None}
    response = save(client, flow_id, "c", {"flow_id": str(flow_id)}, app=app)
    assert response.status_code == 422 and "cannot run itself" in html(response)
    response = save(client, flow_id, "c", {"flow_id": str(child), "version": "7"}, app=app)
    assert response.status_code == 422 and "no such version" in html(response)


def test_the_smaller_shapes_save_what_the_engine_reads(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [
        payload_step(),
        {"id": "v", "type": "set_variables", "version": 1, "config": {"meta": [{"key": "k", "value": "v"}]}},
        {"id": "t", "type": "track_data", "version": 1, "config": {"fields": [{"path": "id"}]}},
        {"id": "fc", "type": "flow_control", "version": 1, "config": {"size": 100}},
        {"id": "s", "type": "split", "version": 1, "config": {"level": "customer"}},
        {"id": "cb", "type": "callback", "version": 1, "config": {}}])
    assert save(client, flow_id, "v", {"flow_vars-0-name": "since", "flow_vars-0-value": "[[payload.id]]",
                                       "meta_vars-0-key": "origin", "meta_vars-0-value": "shop",
                                       "meta_vars-1-key": "", "meta_vars-1-value": ""}, app=app).status_code == 200
    assert step_of(app, flow_id, "v")["config"] == {"flow": [{"name": "since", "value": "[[payload.id]]"}],
                                                    "meta": [{"key": "origin", "value": "shop"}]}
    assert save(client, flow_id, "t", {"fields-0-path": "customer.email", "fields-0-label": "Email",
                                       "fields-1-path": "id", "fields-1-label": ""}, app=app).status_code == 200
    assert step_of(app, flow_id, "t")["config"] == {"fields": [{"path": "customer.email", "label": "Email"},
                                                               {"path": "id"}]}
    with app.app_context():  # the canvas's default config for a new flow control says "path"; the panel saves "level"
        from app.extensions import db
        from app.flows.models import Flow

        version = db.session.get(Flow, flow_id).draft
        definition = dict(version.definition)
        definition["steps"] = [dict(s, config={"path": "*", "size": 100}) if s["id"] == "fc" else s
                               for s in definition["steps"]]
        version.definition = definition
        db.session.commit()
    page = html(get_panel(client, flow_id, "fc"))
    assert 'name="level"' in page and 'value="*"' in page
    assert save(client, flow_id, "fc", {"level": "lines", "size": "2", "format": "auto"}, app=app).status_code == 200
    assert step_of(app, flow_id, "fc")["config"] == {"level": "lines", "size": 2, "format": "auto",
                                                     "wrap_single": False}
    response = save(client, flow_id, "fc", {"level": "*", "size": "0"}, app=app)
    assert response.status_code == 422 and "At least 1 record per batch." in html(response)
    assert save(client, flow_id, "s", {"level": "lines", "wrapper_key": "items"}, app=app).status_code == 200
    assert step_of(app, flow_id, "s")["config"] == {"level": "lines", "wrapper_key": "items"}
    response = save(client, flow_id, "s", {"level": ""}, app=app)
    assert response.status_code == 422 and "Choose the path to keep" in html(response)
    assert save(client, flow_id, "cb", {"name": "Answer the shop"}, app=app).status_code == 200
    assert step_of(app, flow_id, "cb") == {"id": "cb", "type": "callback", "version": 1, "config": {},
                                           "name": "Answer the shop"}


def test_the_orders_sample_is_what_the_tests_assume():
    assert ORDERS[0]["customer"]["email"] == "ada@example.com"
