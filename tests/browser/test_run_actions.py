"""The run actions support staff confirm in real Chromium: cancelling a queued run from the self-refreshing
run queue, retrying every failed run of a filtered list at once, and retrying a run from its failed step."""
from __future__ import annotations

import re

from app.extensions import db
from app.runs import services
from app.runs.models import Run
from tests import factories
from tests.browser.test_run_monitoring import _sign_in, _until
from tests.runs_pages.conftest import FAILING, flow_of, make_flow, manual


def _status(app, run_id: int) -> str:
    with app.app_context():
        status = db.session.get(Run, run_id).status
        db.session.remove()
        return status


def test_the_queue_refreshes_to_show_a_new_run_and_cancels_it_after_confirming(app, live_server, page):
    with app.app_context():
        company = factories.company("Acme Retail")
        email = factories.user(company, role="user").email
        flow = make_flow(company, flow_of(manual("[]")), name="Nightly export")
        db.session.remove()
    _sign_in(page, live_server, email)  # accepts the confirmation
    page.goto(f"{live_server}/runs/queue/")
    page.wait_for_selector("#queue-empty")
    page.evaluate("window.__sameDocument = true")

    with app.app_context():  # no worker runs, so the run waits in the queue
        run_id = services.start_run(db.session.merge(flow), trigger="schedule").id
        db.session.remove()
    row = page.locator(f"#queued-{run_id}")
    row.wait_for(timeout=10_000)  # the page's own refresh, every 3 s
    assert page.evaluate("window.__sameDocument") is True, "it arrived without a reload"
    assert "Nightly export" in page.locator("#queue-table").inner_text()

    row.locator("button:has-text('Cancel')").click()
    page.wait_for_selector(".alert-success")
    assert f"Run #{run_id} was taken out of the queue" in page.locator(".alert-success").inner_text()
    assert page.locator(f"#queued-{run_id}").count() == 0
    assert _status(app, run_id) == "stopped"


def test_bulk_retry_and_retry_from_the_failed_step(app, live_server, worker_process, page):
    with app.app_context():
        company = factories.company("Globex")
        email = factories.user(company, role="user").email
        flow = make_flow(company, FAILING, name="Broken mapping")
        flow_id = flow.id
        failed = [services.start_run(flow, trigger="schedule").id for _ in range(2)]
        db.session.remove()
    worker_process()
    _sign_in(page, live_server, email)
    _until(lambda: all(_status(app, run_id) == "failure" for run_id in failed))

    page.goto(f"{live_server}/runs/?flow={flow_id}")
    page.click("#retry-many-button")
    page.wait_for_selector("#retry-confirm-box")
    assert "2 failed runs" in page.locator("#retry-confirm-box").inner_text()
    page.click("#confirm-retry-many")
    page.wait_for_url(re.compile(r"trigger=retry"))
    assert "2 failed runs queued for a retry" in page.locator(".alert-success").inner_text()
    retried = page.locator("#run-rows tr[data-run-status]")
    assert retried.count() == 2
    # They run on the live list, in place, and end (failing again, as nothing was fixed).
    _until(lambda: retried.evaluate_all("rows => rows.map(r => r.dataset.runStatus)") == ["failure", "failure"])

    page.goto(f"{live_server}/runs/{failed[0]}")
    button = page.locator("#run-actions #retry-from-step")
    assert "Retry from" in button.inner_text()
    old_url = page.url
    button.click()
    page.wait_for_url(lambda url: url != old_url and re.search(r"/runs/\d+$", url) is not None)
    assert "started at a failed step" in page.locator("#retry-links").inner_text()
    assert page.locator("#retry-of-link").inner_text() == f"run #{failed[0]}"
    page.wait_for_selector("#run-status [data-status=failure]", timeout=30_000)
    page.wait_for_selector("#step-table .weft-step-row")
    assert page.locator("#step-table .weft-step-row").count() == 1, "the step before the failed one did not run again"
