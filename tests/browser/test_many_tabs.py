"""One person watching many runs in real Chromium: over HTTP/1.1 Chromium opens at most 6 connections per
host, so eight run pages each holding its live stream would stall the 7th page and every later request. A
hidden run page closes its stream and reopens it when shown again (static/js/app.js).

Headless Chromium reports every page as visible whatever is in front, so `_bring_to_front` also does what a
windowed browser does to the other tabs: it marks them hidden and fires `visibilitychange`."""
from __future__ import annotations

import re

from app.extensions import db
from app.runs import services
from tests import factories
from tests.browser.test_run_monitoring import _sign_in, _until, shop  # noqa: F401 (shop is a fixture)
from tests.runs_pages.conftest import flow_of, make_flow, manual, shop_instance, slow_step

COUNT_OPENS = """
window.__streamOpens = 0;
document.addEventListener('htmx:sseOpen', () => { window.__streamOpens += 1; });
"""
SET_HIDDEN = """hidden => {
  if (document.hidden === hidden) return;
  Object.defineProperty(document, 'hidden', {configurable: true, get: () => hidden});
  Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => hidden ? 'hidden' : 'visible'});
  document.dispatchEvent(new Event('visibilitychange'));
}"""
STREAM_STATE = "() => document.getElementById('run-live')['htmx-internal-data'].sseEventSource.readyState"
OPEN, CLOSED = 1, 2


def _bring_to_front(pages, front) -> None:
    front.bring_to_front()
    for tab in pages:
        if tab is not front:
            tab.evaluate(SET_HIDDEN, True)
    front.evaluate(SET_HIDDEN, False)


def _log_rows(tab) -> int:
    return tab.locator("#log-rows tr").count()


def test_eight_live_run_pages_in_one_browser_all_load_and_the_front_one_streams(
        app, live_server, worker_process, page, shop):  # noqa: F811
    with app.app_context():
        company = factories.company("Acme Retail")
        email = factories.user(company, role="user").email
        instance = shop_instance(company, shop.url)
        steps = [manual('[{"sku": "RED-1"}]')] + [slow_step(instance.id, 0.6, f"slow{i}") for i in range(25)]
        flow = make_flow(company, flow_of(*steps), name="Slow stock sync")
        # The worker takes the oldest first: that one runs, the other seven wait, all with a live page.
        run_ids = [services.start_run(flow, trigger="schedule").id for _ in range(8)]
        db.session.remove()
    _sign_in(page, live_server, email)
    page.context.add_init_script(COUNT_OPENS)
    worker_process()

    pages = []
    for run_id in reversed(run_ids):  # the running run is opened last
        tab = page if not pages else page.context.new_page()
        if pages:
            pages[-1].evaluate(SET_HIDDEN, True)  # a tab opened in front hides the one that was
        tab.set_default_timeout(15_000)
        tab.goto(f"{live_server}/runs/{run_id}")  # the 7th and 8th stall here if the hidden pages kept streaming
        tab.wait_for_selector(f"h1:has-text('Run #{run_id}')")
        _until(lambda tab=tab: tab.evaluate("window.__streamOpens") >= 1, timeout=15)
        pages.append(tab)
    for tab in pages[:-1]:
        assert tab.evaluate(STREAM_STATE) == CLOSED, "a hidden run page holds no connection"

    # Each in turn comes to the front: its stream opens again and the page still answers.
    for tab in pages:
        opens = tab.evaluate("window.__streamOpens")
        _bring_to_front(pages, tab)
        _until(lambda tab=tab, opens=opens: tab.evaluate("window.__streamOpens") > opens
               and tab.evaluate(STREAM_STATE) == OPEN, timeout=15)
        tab.click("#tab-metadata")
        tab.wait_for_url(re.compile(r"/metadata$"))
        tab.click("#tab-logs")
        tab.wait_for_selector("#log-rows", state="attached")
        assert sum(other.evaluate(STREAM_STATE) == OPEN for other in pages) == 1

    # The last-opened page (the running run) is in front: new lines arrive over its reopened stream.
    last = pages[-1]
    last.wait_for_selector("#run-status [data-status=running]", timeout=30_000)
    last.evaluate("window.__sameDocument = true")
    before = _log_rows(last)
    _until(lambda: _log_rows(last) > before)
    ids = last.locator("#log-rows tr").evaluate_all("rows => rows.map(row => row.id)")
    assert len(ids) == len(set(ids)), "a reopened stream repeats no line"
    assert last.evaluate("window.__sameDocument") is True, "the lines came over the stream, not a reload"
