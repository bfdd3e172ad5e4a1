"""A manager writes a script in the highlighted editor, tests it in the panel and deploys it; then drags a script
shape onto a flow's canvas, picks the script in the shape's panel, deploys the flow and runs it on the worker, and
the run's output carries what the script did, in real Chromium."""
from __future__ import annotations

import json
import re

from app.extensions import db
from tests import factories
from tests.browser.helpers import changes_canvas, drag, sign_in

CODE = """import json


def handle(data):
    order = json.loads(data["payload"])
    order["total"] = sum(line["qty"] * line["price"] for line in order["lines"])
    data["payload"] = json.dumps(order)
    data["logs"] = ["total " + str(order["total"])]
    return data
"""


def test_write_test_deploy_and_run_a_script(app, live_server, worker_process, page):
    with app.app_context():
        company = factories.company("Acme Retail")
        user = factories.user(company, role="manager")
        email, company_id = user.email, company.id
        db.session.remove()

    sign_in(page, live_server, email)

    page.goto(f"{live_server}/scripts/")
    assert page.locator("#no-scripts").is_visible()
    page.click("#new-script")
    page.fill("input[name=name]", "Order totals")
    page.select_option("select[name=language]", "python")
    page.click("button:has-text('Create script')")
    page.wait_for_url(re.compile(r"/scripts/\d+$"))
    # The starter is highlighted: Prism marked its keywords up in the layer under the textarea.
    page.wait_for_selector(".weft-code pre code .token.keyword")

    page.fill("#script-code", CODE)
    assert page.locator("#script-dirty").is_visible()
    order = '{"id": 5, "lines": [{"qty": 2, "price": 3.5}, {"qty": 1, "price": 10}]}'
    page.fill("#test-form textarea[name=payload]", order)
    page.click("#run-test")
    page.wait_for_selector("#test-ok")
    assert '"total": 17.0' in page.locator("#test-output").inner_text()
    assert "total 17.0" in page.locator("#test-logs").inner_text()
    assert "peak memory" in page.locator("#test-usage").inner_text()

    page.click("#script-save")
    page.wait_for_selector("text=Draft version 1 saved.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#deploy")
    page.wait_for_selector("#deployed-badge:has-text('Deployed · v1')")

    with app.app_context():
        from app.companies.models import Company

        factories.flow(db.session.get(Company, company_id), name="Order totals flow", deploy=False, definition={
            "trigger": {"type": "manual", "config": {}}, "steps": [
                {"id": "m", "type": "manual_payload", "version": 1, "name": "Sample order", "config": {
                    "format": "json", "body": '{"id": 9, "lines": [{"qty": 3, "price": 2}]}'}}]})
        db.session.remove()

    # Use it in a flow: drag a script shape from the tray after the payload, pick the script in its panel, deploy.
    page.goto(f"{live_server}/flows/")
    page.click("text=Order totals flow")
    page.wait_for_selector("#canvas[data-editable='1']")
    shape = page.locator(".weft-tray-item[data-shape-type=script]")
    shape.scroll_into_view_if_needed()
    changes_canvas(page, lambda: drag(page, shape, page.locator("#step-m")))
    node = page.locator("#canvas .weft-flow > .weft-list > .weft-node").last
    assert node.get_attribute("data-step-type") == "script"
    node.locator("[data-step-open]").click()
    drawer = page.locator("#drawer")
    drawer.locator("#step-form").wait_for()
    drawer.locator("select#script_id").select_option(label="Order totals (Python 3)")
    drawer.locator("#step-save").click()
    drawer.locator("#step-saved").wait_for()
    page.wait_for_function("() => [...document.querySelectorAll('#canvas .weft-node[data-step-type=script]')]"
                           ".some(n => n.innerText.includes('Order totals'))")
    page.click("#deploy-button")
    page.click("#confirm-deploy")
    page.wait_for_selector("text=Version 1 is deployed")

    worker_process()
    page.click("#run-now")
    page.wait_for_url(re.compile(r"/runs/\d+$"))
    page.wait_for_selector("#run-status [data-status=success]", timeout=30_000)
    messages = page.locator("#log-rows .weft-message").all_inner_texts()
    assert any("Script: total 6" in m for m in messages), messages
    # The script's output is the payload the run passed on: the order with its total.
    page.reload()
    row = page.locator("#log-rows tr", has_text="Script finished")
    row.wait_for()
    row.locator("summary").click()
    with page.expect_navigation():
        row.locator("text=View payload").click()
    assert json.loads(page.locator("#payload-body").inner_text()) == {"id": 9, "lines": [{"qty": 3, "price": 2}],
                                                                      "total": 6}

    # Deleting is refused while the deployed flow uses the script, naming the flow.
    page.goto(f"{live_server}/scripts/")
    page.click("text=Order totals")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#delete-script")
    page.wait_for_selector("#in-use")
    assert "Order totals flow" in page.locator("#in-use").inner_text()
