"""A user opens a map shape from the canvas, builds two mappings with the field pickers and a transform, watches the
preview follow, saves, runs the flow and finds the mapped output in the run's payload, in real Chromium."""
from __future__ import annotations

import json
import re

from app.extensions import db
from app.flows.models import Flow
from app.runs import services as run_services
from tests import factories
from tests.browser.helpers import sign_in
from tests.flows_panels.helpers import ORDERS, payload_step

STEPS = [payload_step("orders"), {"id": "shape", "type": "map", "version": 1, "name": "Shape orders",
                                  "config": {"rules": []}}]


def test_building_a_map_in_its_panel(app, live_server, worker, worker_process, page):
    with app.app_context():
        company = factories.company("Acme Retail")
        user = factories.user(company, role="user")
        flow = factories.flow(company, name="Orders to warehouse",
                              definition={"trigger": {"type": "manual", "config": {}}, "steps": STEPS}, deploy=False)
        flow_id, email = flow.id, user.email
        run_services.start_run(flow)  # one earlier run, so the pickers know the orders' fields
        db.session.remove()
    worker.work()

    sign_in(page, live_server, email)

    page.goto(f"{live_server}/flows/{flow_id}")
    page.click("#step-shape [data-step-open]")
    drawer = page.locator("#drawer")
    drawer.locator("#step-form").wait_for()
    assert "Input: 1 payload that reached this shape in run #" in drawer.locator("#preview-input").inner_text()
    assert "No mappings yet" in drawer.locator("#map-rules").inner_text()

    # first mapping: customer.name → name, through a Suffix function
    drawer.locator("#map-rules [data-add-row]").last.click()
    rule = drawer.locator("[data-rule]").nth(0)
    rule.locator("[data-pick]").first.click()
    picker = page.locator(".weft-picker")
    picker.locator("input[type=search]").fill("customer.n")
    picker.locator("[data-path='customer.name']").click()
    assert rule.locator("input[name$='-source']").input_value() == "customer.name"
    rule.locator("input[name$='-target']").fill("name")
    rule.locator("[data-add-row]").click()
    rule.locator("select[data-transform-fn]").select_option("suffix")
    text = rule.locator("input[name$='-p-text']")
    text.wait_for()
    text.fill(" (VIP)")
    output = drawer.locator("#preview-output")
    page.wait_for_function("() => (document.querySelector('#preview-output') || {}).innerText?.includes('Ada (VIP)')")
    assert '"name": "Alan (VIP)"' in output.inner_text()

    # second mapping: id → order_id, picked from the list with the keyboard
    drawer.locator("#map-rules > [data-add-row]").click()
    second = drawer.locator("[data-rule]").nth(1)
    second.locator("[data-pick]").first.click()
    picker.locator("input[type=search]").fill("id")
    picker.locator("input[type=search]").press("Enter")
    assert second.locator("input[name$='-source']").input_value() == "id"
    second.locator("input[name$='-target']").fill("order_id")
    page.wait_for_function("() => (document.querySelector('#preview-output') || {}).innerText?.includes('order_id')")
    assert json.loads(drawer.locator("#preview-output pre").first.inner_text()) == [
        {"name": "Ada (VIP)", "order_id": 1}, {"name": "Alan (VIP)", "order_id": 2}]
    assert drawer.locator("#map-rule-count").inner_text() == "2"

    drawer.locator("#step-save").click()
    drawer.locator("#step-saved").wait_for()
    with app.app_context():
        config = db.session.get(Flow, flow_id).draft.definition["steps"][1]["config"]
    assert config == {"rules": [
        {"source": "customer.name", "target": "name", "transforms": [{"fn": "suffix", "params": {"text": " (VIP)"}}]},
        {"source": "id", "target": "order_id"}]}
    page.wait_for_function("() => document.querySelector('#step-shape')?.innerText.includes('2 rules')")

    worker_process()
    page.click("#run-now")
    page.wait_for_url(re.compile(r"/runs/\d+$"))
    page.wait_for_selector("#run-status [data-status=success]", timeout=30_000)
    page.reload()  # the finished run's stored rows, rendered by the server
    row = page.locator("#log-rows tr", has_text="Shape orders finished")
    row.wait_for()
    row.locator("summary").click()
    with page.expect_navigation():
        row.locator("text=View payload").click()
    body = page.locator("#payload-body").inner_text()
    assert json.loads(body) == [{"name": "Ada (VIP)", "order_id": 1}, {"name": "Alan (VIP)", "order_id": 2}]
    assert ORDERS[0]["customer"]["name"] == "Ada"


def test_condition_types_reload_operators_and_a_stale_panel_offers_to_reload(app, live_server, page):
    from app.flows import drafts

    filter_step = {"id": "keep", "type": "filter", "version": 1, "config": {"conditions": [
        {"field": "total", "type": "number", "operator": "greater_than", "value": "10"}]}}
    with app.app_context():
        company = factories.company("Acme Retail")
        user = factories.user(company, role="user")
        flow = factories.flow(company, name="Paid orders", deploy=False, definition={
            "trigger": {"type": "manual", "config": {}}, "steps": [STEPS[0], filter_step]})
        flow_id, email = flow.id, user.email
        db.session.remove()

    sign_in(page, live_server, email)
    page.goto(f"{live_server}/flows/{flow_id}")
    page.click("#step-keep [data-step-open]")
    drawer = page.locator("#drawer")
    drawer.locator("#step-form").wait_for()

    drawer.locator("select[name='conditions-0-type']").select_option("dynamic_date")
    page.wait_for_selector("#drawer select[name='conditions-0-operator'] option[value='within_last']", state="attached")
    drawer.locator("input[name='conditions-0-date_format']").wait_for()
    drawer.locator("input[name='conditions-0-value']").fill("7 days")
    drawer.locator("[data-add-row]").first.click()
    assert drawer.locator(".weft-condition").count() == 2
    drawer.locator(".weft-condition").nth(1).locator("[data-remove-row]").click()
    assert drawer.locator(".weft-condition").count() == 1

    with app.app_context():  # someone else saves this shape meanwhile
        fresh = db.session.get(Flow, flow_id)
        drafts.update_step(fresh, "keep", name="Changed elsewhere", expected_revision=fresh.draft.revision, actor=None)
        db.session.remove()
    drawer.locator("#step-save").click()
    stale = drawer.locator("#step-stale")
    stale.wait_for()
    assert "not saved" in stale.inner_text()
    assert page.locator("#toasts .toast").count() == 0  # shown in the panel, not as an error toast
    stale.locator("button").click()
    page.wait_for_function("() => document.querySelector('#drawer input[name=name]')?.value === 'Changed elsewhere'")
    assert drawer.locator("select[name='conditions-0-type']").input_value() == "number"
