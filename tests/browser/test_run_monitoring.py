"""Support staff watch runs in real Chromium: a long run streams its lines and is stopped from its page; the
run list updates running rows in place; a failed run is retried and the new run links to the old one."""
from __future__ import annotations

import re
import time

import pytest

from app.extensions import db
from app.runs import services
from tests import factories
from tests.browser.helpers import sign_in
from tests.runs_pages.conftest import FAILING, flow_of, make_flow, manual, shop_instance, slow_step
from tests.runs_pages.shop import ShopApi


def _until(check, timeout: float = 30.0) -> None:
    """Poll from Python: the page's CSP forbids the eval that wait_for_function with a string needs."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.fixture
def shop():
    server = ShopApi()
    yield server
    server.close()


def _sign_in(page, live_server, email):
    sign_in(page, live_server, email)
    page.on("dialog", lambda dialog: dialog.accept())  # htmx confirmations: the user clicks OK


def test_a_long_run_streams_its_lines_and_stops_from_its_page(app, live_server, worker_process, page, shop):
    with app.app_context():
        company = factories.company("Acme Retail")
        email = factories.user(company, role="user").email
        instance = shop_instance(company, shop.url)
        steps = [manual('[{"sku": "RED-1"}]')] + [slow_step(instance.id, 0.8, f"slow{i}") for i in range(8)]
        flow = make_flow(company, flow_of(*steps), name="Slow stock sync")
        flow_id = flow.id
        db.session.remove()
    _sign_in(page, live_server, email)
    page.goto(f"{live_server}/flows/{flow_id}")
    page.click("#run-now")
    page.wait_for_url(re.compile(r"/runs/\d+$"))
    page.evaluate("window.__sameDocument = true")
    worker_process()

    page.wait_for_selector("#run-status [data-status=running]", timeout=30_000)
    _until(lambda: any(m.startswith("GET ") and "/slow" in m  # requests appear as they happen
                       for m in page.locator("#log-rows .weft-message").all_inner_texts()))
    _until(lambda: page.locator("#log-rows tr").count() >= 6)  # the writer thread sends rows in small batches
    assert page.evaluate("window.__sameDocument") is True, "the lines came over the stream, not a reload"

    # Each step's row arrives as the step finishes, while the run is still running.
    page.wait_for_selector("#step-rows #step-2.weft-step-row", timeout=30_000)
    assert page.locator("#run-status [data-status=running]").count() == 1
    assert page.locator("#steps-empty").count() == 0
    assert "into the run" in page.locator("#step-2").inner_text()
    # A stream that reconnects sends the finished steps again: the page replaces the row it has.
    page.evaluate("""html => document.getElementById('run-live')['htmx-internal-data'].sseEventSource
                     .dispatchEvent(new MessageEvent('step', {data: html}))""",
                  page.locator("#step-1").evaluate("row => row.outerHTML").replace("<tr ", '<tr data-resent="1" ', 1))
    ids = page.locator("#step-rows .weft-step-row").evaluate_all("rows => rows.map(row => row.id)")
    assert ids[0] == "step-1" and len(ids) == len(set(ids)), ids
    assert page.locator("#step-1[data-resent]").count() == 1, "the resent row took the old one's place"

    page.locator("#run-actions button:has-text('Stop')").click()
    page.wait_for_selector("#run-status [data-status=stopped]", timeout=30_000)
    page.wait_for_selector("#step-table .weft-step-row")
    steps_ran = page.locator("#step-table .weft-step-row").count()
    assert 1 <= steps_ran < 9, "it ended at a step boundary"
    assert page.locator("#log-rows .weft-message", has_text="Run stopped on request.").count() == 1
    assert page.locator("#run-actions #retry-run").count() == 1, "a stopped run can be retried"

    page.click("#tab-requests")
    page.wait_for_selector("#request-table")
    assert "/slow" in page.locator("#request-table").inner_text()
    assert page.url.endswith("/requests")


def test_the_list_updates_in_place_and_a_retry_links_back(app, live_server, worker_process, page, shop):
    with app.app_context():
        company = factories.company("Globex")
        email = factories.user(company, role="user").email
        instance = shop_instance(company, shop.url)
        slow = make_flow(company, flow_of(manual("[]"), slow_step(instance.id, 4, "s1")), name="Slow one")
        failing = make_flow(company, FAILING, name="Broken mapping")
        running = services.start_run(slow, trigger="schedule")
        running_id = running.id
        failing_id = failing.id
        db.session.remove()
    _sign_in(page, live_server, email)
    page.goto(f"{live_server}/runs/")
    row = page.locator(f"#run-{running_id}")
    assert row.get_attribute("data-run-status") == "queued"
    page.evaluate("window.__sameDocument = true")
    worker_process()
    page.wait_for_selector(f"#run-{running_id}[data-run-status=running]", timeout=30_000)
    page.wait_for_selector(f"#run-{running_id}[data-run-status=success]", timeout=30_000)
    assert page.evaluate("window.__sameDocument") is True, "the row changed in place"
    _until(lambda: page.locator("#run-rows[hx-trigger]").count() == 0)  # polling stopped with nothing going

    page.goto(f"{live_server}/flows/{failing_id}")
    page.click("#run-now")
    page.wait_for_url(re.compile(r"/runs/\d+$"))
    old_url = page.url
    old_id = old_url.rsplit("/", 1)[-1]
    page.wait_for_selector("#run-status [data-status=failure]", timeout=30_000)
    page.click("#run-actions #retry-run")
    page.wait_for_url(lambda url: url != old_url and re.search(r"/runs/\d+$", url) is not None)
    assert f"Run #{old_id} is being retried" in page.locator(".alert-success").inner_text()
    assert page.locator("#retry-of-link").inner_text() == f"run #{old_id}"
    page.wait_for_selector("#run-status [data-status=failure]", timeout=30_000)
    new_id = page.url.rsplit("/", 1)[-1]
    page.click("#retry-of-link")
    page.wait_for_url(old_url)
    assert page.locator(".retried-as-link").inner_text() == f"run #{new_id}"

    page.goto(f"{live_server}/runs/?trigger=retry")
    assert page.locator(f"#run-{new_id}").count() == 1
    page.click("#retry-many-button")
    page.wait_for_selector("#retry-confirm-box")
    assert "1 failed run" in page.locator("#retry-confirm-box").inner_text()
