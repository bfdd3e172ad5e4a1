"""The usage page in real Chromium: changing the period refreshes the chart and offers that period's sources."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.insights.usage import UsageDaily
from app.timeutil import utcnow
from tests import factories
from tests.browser.helpers import sign_in

OFFERS_EVENTS = "() => [...document.querySelectorAll('#usage-source option')].some(o => o.value === 'event')"


def _sources(page) -> list[str]:
    return page.locator("#usage-source option").evaluate_all("options => options.map(o => o.value)")


def test_a_longer_period_offers_the_sources_only_it_has(app, live_server, page):
    with app.app_context():
        company = factories.company("Northwind Traders")
        factories.user(company, role="administrator", email="ada@northwind.example")
        flow = factories.flow(company)
        db.session.add_all([
            UsageDaily(company_id=company.id, flow_id=flow.id, day=utcnow().date(), source="webhook", operations=3),
            UsageDaily(company_id=company.id, flow_id=flow.id, day=utcnow().date() - timedelta(days=60),
                       source="event", operations=5)])
        db.session.commit()
        db.session.remove()

    sign_in(page, live_server, "ada@northwind.example")
    page.goto(f"{live_server}/insights/usage/?days=7")
    assert "event" not in _sources(page) and "webhook" in _sources(page)
    page.select_option("#usage-days", "90")
    page.wait_for_function(OFFERS_EVENTS)
    assert "Event listeners" in page.locator("#usage-body").inner_text(), "the table follows the period too"
    page.select_option("#usage-source", "event")
    page.wait_for_function("() => location.search.includes('source=event')")
    page.select_option("#usage-days", "7")
    page.wait_for_function(f"() => !({OFFERS_EVENTS})()")
    assert page.locator("#usage-source").input_value() == "", "a source the period lacks falls back to everything"
