"""A user opens a map shape, pastes a sample of the source data, auto-maps it onto the next connector's data model,
sees the proposed mappings next to their own, and takes them back with Ctrl+Z, in real Chromium."""
from __future__ import annotations

import json

from app.extensions import db
from app.flows.models import Flow
from tests import factories
from tests.browser.helpers import sign_in
from tests.flows_panels.helpers import SHOP, payload_step

SAMPLE = [{"Reference": "SO-1", "status": "paid", "customer": {"email": "ada@example.com", "name": "Ada"}},
          {"Reference": "SO-2", "status": "pending", "customer": {"email": "alan@example.com", "name": "Alan"}}]


def map_rules(app, flow_id):
    with app.app_context():
        steps = db.session.get(Flow, flow_id).draft.definition["steps"]
        rules = next(s for s in steps if s["id"] == "shape")["config"]["rules"]
        db.session.remove()
        return rules


def test_auto_map_from_a_pasted_sample_and_undo(app, live_server, page):
    from app.connectors import services

    with app.app_context():
        company = factories.company("Acme Retail")
        user = factories.user(company, role="user")
        instance = services.add_instance(services.create_connector(company, SHOP), "Shop live", "none",
                                         {"base": "http://127.0.0.1:9"})
        steps = [payload_step("orders"),
                 {"id": "shape", "type": "map", "version": 1, "name": "Shape orders",
                  "config": {"rules": [{"source": "status", "target": "state"}]}},
                 {"id": "send", "type": "connector", "version": 1,
                  "config": {"instance_id": instance.id, "endpoint": "create_order",
                             "variables": {"order_id": "[[payload.reference]]"}}}]
        flow = factories.flow(company, name="Orders to shop", deploy=False,
                              definition={"trigger": {"type": "manual", "config": {}}, "steps": steps})
        flow_id, email = flow.id, user.email
        db.session.remove()

    sign_in(page, live_server, email)

    page.goto(f"{live_server}/flows/{flow_id}")
    page.click("#step-shape [data-step-open]")
    drawer = page.locator("#drawer")
    fields = drawer.locator("#map-fields")
    fields.wait_for()
    # the targets come from the data model of the connector shape after the map
    target_list = fields.locator("#map-target-list")
    assert "Shop live › Create order" in target_list.inner_text()
    assert target_list.locator("[data-path='buyer.email']").count() == 1

    # choose "Paste a sample" with the keyboard and paste the orders
    fields.locator("#map-source-run").focus()
    page.keyboard.press("ArrowRight")
    assert fields.locator("#map-source-paste").is_checked()
    fields.locator("#map-source-json").fill(json.dumps(SAMPLE))
    source_list = fields.locator("#map-source-list")
    source_list.locator("[data-path='customer.email']").wait_for()
    assert "Fields of the pasted sample." in source_list.inner_text()

    # a mistake in the JSON is explained in the box, not as an error toast
    fields.locator("#map-source-json").fill('{"Reference": "SO-1",')
    error = fields.locator("#map-source-error")
    error.wait_for()
    assert "not valid JSON" in error.inner_text()
    assert page.locator("#toasts .toast").count() == 0
    fields.locator("#map-source-json").fill(json.dumps(SAMPLE))
    source_list.locator("[data-path='customer.email']").wait_for()

    fields.locator("#map-automap").click()
    result = drawer.locator("#map-automap-added")
    result.wait_for()
    assert "Auto-map added 2 mappings" in result.inner_text()
    assert "Reference → reference" in result.inner_text() and "customer.email → buyer.email" in result.inner_text()
    rules = drawer.locator("#map-rules [data-rule]")
    assert rules.count() == 3
    assert rules.nth(0).locator("input[name$='-target']").input_value() == "state"  # the user's rule, untouched
    assert rules.nth(0).locator(".weft-proposed-badge").count() == 0
    assert rules.nth(2).locator(".weft-proposed-badge").count() == 1
    assert rules.nth(2).locator("input[name$='-source']").input_value() == "customer.email"
    assert map_rules(app, flow_id) == [{"source": "status", "target": "state"},
                                       {"source": "Reference", "target": "reference"},
                                       {"source": "customer.email", "target": "buyer.email"}]
    page.wait_for_function("() => document.querySelector('#step-shape')?.innerText.includes('3 rules')")
    undo = page.locator("#undo-button")
    assert "Undo: auto-map Shape orders" in undo.get_attribute("title")

    # Ctrl+Z (the canvas's undo) takes the proposals back; the panel shows the rules as they were
    page.keyboard.press("Control+z")
    page.wait_for_function("() => document.querySelectorAll('#map-rules [data-rule]').length === 1")
    assert drawer.locator("#map-rules input[name$='-target']").first.input_value() == "state"
    assert map_rules(app, flow_id) == [{"source": "status", "target": "state"}]
