"""A partner's team member watches a linked company's run live in real Chromium; their access is revoked
while they watch, and the page replaces the live log with a message instead of streaming on."""
from __future__ import annotations

import re

from sqlalchemy import delete

from app.companies.models import TeamAccess
from app.extensions import db
from app.runs import services as run_services
from tests import factories
from tests.browser.helpers import sign_in
from tests.companies.conftest import member


def test_revoked_access_ends_the_live_log_with_a_message(app, live_server, page):
    with app.app_context():
        home = factories.company("Northwind Partners", is_partner=True, tier="professional")
        acme = factories.company("Acme Retail", parent_id=home.id)
        user = member(home, "manager", "manager@northwind.example")
        db.session.add(TeamAccess(user_id=user.id, company_id=acme.id))
        db.session.commit()
        run_id = run_services.start_run(factories.flow(acme, name="Acme orders")).id  # stays queued: no worker
        user_id, acme_id, email = user.id, acme.id, user.email
        db.session.remove()

    sign_in(page, live_server, email)
    page.add_init_script("document.addEventListener('htmx:sseOpen', () => { window.__sseOpen = true; })")
    page.goto(f"{live_server}/runs/{run_id}?company={acme_id}")  # the company link switches and lands here
    assert page.locator("#acting-company").inner_text() == "Acme Retail"
    assert page.locator("#run-status [data-status]").get_attribute("data-status") == "queued"
    page.wait_for_function("window.__sseOpen === true")  # the live log is connected
    page.evaluate("window.__sameDocument = true")

    with app.app_context():
        db.session.execute(delete(TeamAccess).where(TeamAccess.user_id == user_id, TeamAccess.company_id == acme_id))
        db.session.commit()

    ended = page.wait_for_selector("#stream-ended", timeout=10_000)
    assert "Your access to Acme Retail has ended, so this live log has stopped." in ended.inner_text()
    assert page.locator("[sse-connect]").count() == 0, "the stream is closed, not retried"
    assert page.locator("#log-rows").count() == 0 and page.locator("#run-summary").count() == 0
    assert page.evaluate("window.__sameDocument") is True
    assert page.locator("#toasts .toast").count() == 0
    page.click("#stream-ended a")
    page.wait_for_url(re.compile(r"/dashboard$"))
    assert page.locator("#acting-company").inner_text() == "Northwind Partners"
