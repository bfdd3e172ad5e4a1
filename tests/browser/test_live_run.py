"""A user signs in, runs the demo flow and watches its log rows arrive live, in real Chromium."""
from __future__ import annotations

import re

from app import demo
from app.extensions import db
from tests import factories
from tests.browser.helpers import sign_in


def test_run_now_streams_log_rows_live_until_success(app, live_server, worker_process, page):
    with app.app_context():
        company = factories.company("Acme Retail")
        user = factories.user(company, role="user")
        factories.flow(company, name=demo.DEMO_FLOW, definition=demo.DEMO_DEFINITION)
        email = user.email
        db.session.remove()

    sign_in(page, live_server, email)
    assert page.locator("#acting-company").inner_text() == "Acme Retail"

    page.click("text=Process flows")
    page.click(f"text={demo.DEMO_FLOW}")
    page.click("#run-now")
    page.wait_for_url(re.compile(r"/runs/\d+$"))
    assert page.locator("#run-status [data-status]").get_attribute("data-status") == "queued"
    assert page.locator("#log-rows tr").count() == 0
    page.evaluate("window.__sameDocument = true")  # gone if anything reloads the page

    worker_process()  # the worker starts only now, so every row has to arrive over the stream

    page.wait_for_selector("#run-status [data-status=success]", timeout=30_000)
    assert page.evaluate("window.__sameDocument") is True
    messages = page.locator("#log-rows .weft-message").all_inner_texts()
    assert messages[0].startswith("Run ") and "started" in messages[0]
    assert any("Rename fields finished" in m for m in messages)
    assert messages[-1] == "Run finished: success."
    ids = page.locator("#log-rows tr").evaluate_all("rows => rows.map(r => r.id)")
    assert len(ids) == len(set(ids)), "no row arrives twice"

    page.locator("#log-rows details").last.locator("summary").click()
    with page.expect_navigation():
        page.locator("#log-rows details").last.locator("text=View payload").click()
    body = page.locator("#payload-body").inner_text()
    assert '"customer_id": 1001' in body and '"country_code": "US"' in body

    page.goto(page.url.split("/logs/")[0])  # reloading a finished run shows the stored rows, no stream
    assert page.locator("#log-rows tr").count() == len(ids)
    assert page.locator("[sse-connect]").count() == 0
