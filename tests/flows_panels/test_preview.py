"""Trying one shape inside its panel: pasted JSON or the latest run's payloads in, the real shape's output out."""
from __future__ import annotations

from app.extensions import db
from app.runs.models import Run
from tests.flows_panels.helpers import (
    ORDERS,
    get_panel,
    html,
    make_flow,
    notification_group,
    payload_step,
    preview,
    preview_outputs,
    run_flow,
    shop_instance,
)

MAP_FORM = {"rules-0-source": "customer.name", "rules-0-target": "name",
            "rules-0-t-0-fn": "suffix", "rules-0-t-0-p-text": "!", "per_record": "y"}


def runs(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count(Run.id))).scalar_one()


def test_map_preview_on_pasted_json_uses_the_settings_as_edited(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "m", "type": "map", "version": 1,
                                                                 "config": {"rules": []}}])
    response = preview(client, flow_id, "m", MAP_FORM, paste=ORDERS)
    assert response.status_code == 200
    page = html(response)
    assert "from the pasted JSON" in page
    assert preview_outputs(page) == [[{"name": "Ada!"}, {"name": "Alan!"}]]
    # changing a parameter changes the output; nothing is stored and no run starts
    page = html(preview(client, flow_id, "m", {**MAP_FORM, "rules-0-t-0-p-text": "?"}, paste=ORDERS))
    assert preview_outputs(page) == [[{"name": "Ada?"}, {"name": "Alan?"}]]
    assert runs(app) == 0
    # a map's pickers follow its "Fields to map" choice (test_map_fields_views), not the sample it is tried on
    assert 'id="weft-source-fields"' not in page


def test_map_preview_reports_transform_failures_and_settings_problems(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "m", "type": "map", "version": 1,
                                                                 "config": {"rules": []}}])
    page = html(preview(client, flow_id, "m", {"rules-0-source": "customer", "rules-0-target": "x",
                                               "rules-0-t-0-fn": "first_word", "per_record": "y"}, paste=ORDERS))
    assert 'id="preview-error"' in page and "expected text but got an object" in page
    page = html(preview(client, flow_id, "m", {"rules-0-source": "id"}, paste=ORDERS))
    assert 'id="preview-problems"' in page and "target must be a field path" in page
    page = html(preview(client, flow_id, "m", MAP_FORM, paste="{not json"))
    assert "not valid JSON" in page


def test_preview_uses_the_payloads_the_step_received_in_the_latest_run(app, client, login, worker):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "m", "type": "map", "version": 1, "config": {
        "rules": [{"source": "id", "target": "id"}]}}, {"id": "f", "type": "filter", "version": 1, "config": {
            "conditions": [{"field": "id", "type": "number", "operator": "greater_than", "value": "0"}]}}])
    page = html(get_panel(client, flow_id, "m"))
    assert "No sample input" in page and 'id="sample-paste" value="paste" checked' in page
    run_id, status = run_flow(app, client, worker, flow_id)
    assert status == "success"
    page = html(get_panel(client, flow_id, "m"))
    assert 'id="sample-run" value="run" checked' in page and 'value="customer.email"' in page
    page = html(preview(client, flow_id, "m", MAP_FORM))
    assert f"run #{run_id}" in page and f'/runs/{run_id}"' in page
    assert preview_outputs(page) == [[{"name": "Ada!"}, {"name": "Alan!"}]]
    # the filter after the map receives the map's output
    page = html(preview(client, flow_id, "f", {"conditions-0-field": "id", "conditions-0-type": "number",
                                               "conditions-0-operator": "equals", "conditions-0-value": "2",
                                               "logic": "and", "keep_matching": "y"}))
    assert preview_outputs(page) == [[{"id": 2}]]
    assert "Filter removed 1 record of 2." in page


def test_the_first_step_previews_with_the_runs_input(app, client, login, worker):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [{"id": "s", "type": "split", "version": 1, "config": {
        "level": "customer"}}])
    run_flow(app, client, worker, flow_id, payload=ORDERS[0])
    page = html(preview(client, flow_id, "s", {"level": "lines.*.sku", "wrapper_key": "skus"}))
    assert preview_outputs(page) == [{"skus": ["A1", "B2"]}]
    page = html(preview(client, flow_id, "s", {"level": "customer.phone"}))
    assert "nothing at that path" in page


def test_filter_preview_with_pasted_json(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "f", "type": "filter", "version": 1, "config": {
        "conditions": [{"field": "id", "type": "number", "operator": "greater_than", "value": "0"}]}}])
    form = {"conditions-0-field": "status", "conditions-0-type": "string", "conditions-0-operator": "equals",
            "conditions-0-value": "paid", "logic": "and", "keep_matching": "y"}
    page = html(preview(client, flow_id, "f", form, paste=ORDERS))
    assert [r["id"] for r in preview_outputs(page)[0]] == [1]
    # the field picker follows the sample (swapped out of band)
    assert '<datalist id="weft-source-fields" hx-swap-oob="true">' in page
    assert 'value="lines.*.sku"' in page and 'value="customer.email"' in page
    form.pop("keep_matching")
    page = html(preview(client, flow_id, "f", form, paste=ORDERS))
    assert [r["id"] for r in preview_outputs(page)[0]] == [2]


def test_route_preview_shows_each_paths_bucket(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {
        "id": "r", "type": "route", "version": 1, "config": {"method": "all"}, "paths": [
            {"id": "a", "name": "A", "config": {}, "steps": []}, {"id": "b", "name": "B", "config": {}, "steps": []}]}])
    form = {"method": "all",
            "paths-0-id": "a", "paths-0-name": "Big", "paths-0-logic": "and",
            "paths-0-conditions-0-field": "total", "paths-0-conditions-0-type": "number",
            "paths-0-conditions-0-operator": "greater_than", "paths-0-conditions-0-value": "100",
            "paths-1-id": "b", "paths-1-name": "Paid", "paths-1-logic": "and",
            "paths-1-conditions-0-field": "status", "paths-1-conditions-0-type": "string",
            "paths-1-conditions-0-operator": "equals", "paths-1-conditions-0-value": "refunded",
            "paths-2-id": "", "paths-2-name": "All", "paths-2-logic": "and"}
    page = html(preview(client, flow_id, "r", form, paste=ORDERS))
    big = page.split('data-path="Big"')[1].split('data-path="Paid"')[0]
    paid = page.split('data-path="Paid"')[1].split('data-path="All"')[0]
    every = page.split('data-path="All"')[1]
    assert "1 record in 1 payload" in big and "&#34;id&#34;: 1" in big and "&#34;id&#34;: 2" not in big
    assert "receives nothing and does not start" in paid
    assert "2 records in 1 payload" in every


def test_flow_control_and_split_previews(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "fc", "type": "flow_control", "version": 1,
                                                                 "config": {"size": 100}},
                                                {"id": "s", "type": "split", "version": 1, "config": {"level": "id"}}])
    page = html(preview(client, flow_id, "fc", {"level": "*", "size": "1", "format": "auto"}, paste=ORDERS))
    assert preview_outputs(page) == [ORDERS[0], ORDERS[1]]  # wrap_single unticked: each record alone
    assert "Output: 2 payloads" in page
    page = html(preview(client, flow_id, "fc", {"level": "*", "size": "1", "format": "auto", "wrap_single": "y"},
                        paste=ORDERS))
    assert preview_outputs(page) == [[ORDERS[0]], [ORDERS[1]]]
    page = html(preview(client, flow_id, "s", {"level": "*.lines.*.sku", "wrapper_key": ""}, paste=ORDERS))
    assert preview_outputs(page) == [["A1", "B2", "C3"]]
    page = html(preview(client, flow_id, "fc", {"level": "*", "size": "x"}, paste=ORDERS))
    assert "Some settings are not valid yet" in page


def test_set_variables_preview_shows_meta_and_flow_variables(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "v", "type": "set_variables", "version": 1,
                                                                 "config": {"meta": [{"key": "a", "value": "b"}]}}],
                        variables=[{"name": "since", "type": "string", "default": "never"}])
    page = html(preview(client, flow_id, "v", {"flow_vars-0-name": "since", "flow_vars-0-value": "[[payload.id]]",
                                               "meta_vars-0-key": "origin", "meta_vars-0-value": "shop-[[payload.id]]"},
                        paste={"id": 7}))
    assert 'id="preview-variables"' in page and "since = 7" in page
    assert "origin" in page and "shop-7" in page


def test_outside_world_shapes_show_what_they_would_send_and_send_nothing(app, client, login):
    me = login("manager")
    instance_id = shop_instance(app, me["company_id"])
    group_id = notification_group(app, me["company_id"])
    child = make_flow(app, me["company_id"], [payload_step()], name="Child")
    flow_id = make_flow(app, me["company_id"], [
        payload_step(),
        {"id": "send", "type": "connector", "version": 1, "config": {"instance_id": instance_id,
                                                                     "endpoint": "list_orders"}},
        {"id": "n", "type": "notify", "version": 1, "config": {"template": "x", "channels": "log"}},
        {"id": "c", "type": "run_process_flow", "version": 1, "config": {"flow_id": child}},
        {"id": "t", "type": "track_data", "version": 1, "config": {"fields": [{"path": "id"}]}},
        {"id": "cb", "type": "callback", "version": 1, "config": {}}])
    outside = "This shape talks to the outside world; its preview shows what it would send."

    send = {"instance_id": str(instance_id), "endpoint": "create_order", "var-order_id": "[[payload.id]]",
            "wrapping": "raw"}
    page = html(preview(client, flow_id, "send", send, paste=ORDERS[0]))
    assert outside in page
    assert "POST http://127.0.0.1:9/orders/1" in page and "order_id = 1" in page and "channel = web" in page
    assert preview_outputs(page) == [ORDERS[0]]  # the payload passes on when the response is not saved
    page = html(preview(client, flow_id, "send", {"instance_id": str(instance_id), "endpoint": "create_order",
                                                  "var-order_id": "[[payload.nope]]"}, paste=ORDERS[0]))
    assert "needs a value for: Order id" in page
    page = html(preview(client, flow_id, "send", {"instance_id": str(instance_id), "endpoint": "list_orders"},
                        paste=ORDERS[0]))
    assert 'id="preview-error"' in page  # a receive fetches its first page (test_receive_preview); none here

    page = html(preview(client, flow_id, "n", {"template": "Order [[payload.id]] is [[payload.status]]",
                                               "level": "warning", "channels": "email_log", "groups": [str(group_id)]},
                        paste=ORDERS[0]))
    assert outside in page and "Warning email to Ops team" in page and "Order 1 is paid" in page

    page = html(preview(client, flow_id, "c", {"flow_id": str(child), "variables-0-name": "who",
                                               "variables-0-value": "[[payload.customer.name]]"}, paste=ORDERS[0]))
    assert outside in page and "Run 1 of &#39;Child&#39;" in page and "who = Ada" in page

    page = html(preview(client, flow_id, "t", {"fields-0-path": "lines.*.sku", "fields-0-label": "SKU"}, paste=ORDERS))
    assert "3 values would be tracked" in page and "SKU: C3" in page and "not available" not in page

    page = html(preview(client, flow_id, "cb", {}, paste=ORDERS[0]))
    assert "The answer to the waiting caller" in page
    assert runs(app) == 0


def test_try_catch_has_no_preview_and_manual_payload_needs_no_input(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "t", "type": "try_catch", "version": 1,
                                                                 "config": {}, "paths": [
        {"id": "a", "name": "Try", "steps": []}, {"id": "b", "name": "Catch", "steps": []}]}])
    page = html(preview(client, flow_id, "t", {"on_exception": "partial", "paths-0-id": "a", "paths-0-name": "Try",
                                               "paths-1-id": "b", "paths-1-name": "Catch"}))
    assert "watches the steps of its try path" in page
    page = html(preview(client, flow_id, "p", {"format": "json", "body": '{"hello": "world"}'}))
    assert preview_outputs(page) == [{"hello": "world"}]


def test_read_only_users_preview_the_saved_settings(app, client, login, worker):
    me = login("read-only")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "m", "type": "map", "version": 1, "config": {
        "rules": [{"source": "id", "target": "n"}]}}])
    page = html(preview(client, flow_id, "m", {"rules-0-source": "status", "rules-0-target": "x"}, paste=ORDERS))
    assert preview_outputs(page) == [[{"n": 1}, {"n": 2}]]


def test_route_and_flow_control_preview_with_the_latest_run_and_a_path_gets_its_share(app, client, login, worker):
    me = login("user")
    inner = {"id": "inside", "type": "map", "version": 1, "config": {"rules": [{"source": "id", "target": "id"}]}}
    flow_id = make_flow(app, me["company_id"], [
        payload_step(),
        {"id": "fc", "type": "flow_control", "version": 1, "config": {"size": 1, "wrap_single": False}},
        {"id": "r", "type": "route", "version": 1, "config": {"method": "all"}, "paths": [
            {"id": "big", "name": "Big", "config": {"conditions": [
                {"field": "total", "type": "number", "operator": "greater_than", "value": "100"}]}, "steps": [inner]},
            {"id": "small", "name": "Small", "config": {"conditions": [
                {"field": "total", "type": "number", "operator": "less_than", "value": "100"}]}, "steps": []}]},
        {"id": "after", "type": "split", "version": 1, "config": {"level": "id"}}])
    run_id, status = run_flow(app, client, worker, flow_id)
    assert status == "success"

    page = html(preview(client, flow_id, "fc", {"level": "*", "size": "2", "format": "auto", "wrap_single": "y"}))
    assert f"run #{run_id}" in page and preview_outputs(page) == [ORDERS]

    form = {"method": "all", "path_ids": "big,small",
            "paths-0-id": "big", "paths-0-name": "Big", "paths-0-logic": "and",
            "paths-0-conditions-0-field": "status", "paths-0-conditions-0-type": "string",
            "paths-0-conditions-0-operator": "equals", "paths-0-conditions-0-value": "pending",
            "paths-1-id": "small", "paths-1-name": "Small", "paths-1-logic": "and"}
    page = html(preview(client, flow_id, "r", form))
    assert "Input: 2 payloads" in page  # the flow control's batches
    big = page.split('data-path="Big"')[1].split('data-path="Small"')[0]
    assert "1 record in 1 payload" in big and "&#34;id&#34;: 2" in big

    page = html(preview(client, flow_id, "inside", {"rules-0-source": "customer.name", "rules-0-target": "who",
                                                    "per_record": "y"}))
    assert "Input: 1 payload" in page and preview_outputs(page) == [{"who": "Ada"}]  # only Big's share

    # after the route: what its paths gave out, an empty path passing its share on
    page = html(preview(client, flow_id, "after", {"level": "id", "wrapper_key": "n"}))
    assert preview_outputs(page) == [{"n": 1}, {"n": 2}]
