"""A partner administrator switches into a linked company, adds a native user there, switches back, and a
colleague opens the copied company link, in real Chromium."""
from __future__ import annotations

import re

from app.accounts.models import User
from app.companies.models import TeamAccess
from app.extensions import db
from tests import factories
from tests.browser.helpers import sign_in


def test_switch_in_add_a_native_user_switch_back_and_share_the_company_link(app, live_server, page):
    with app.app_context():
        home = factories.company("Northwind Partners", is_partner=True, tier="professional")
        acme = factories.company("Acme Retail", parent_id=home.id)
        factories.company("Globex Wholesale", parent_id=home.id)
        ada = factories.user(home, role="administrator", email="ada@northwind.example")
        max_ = factories.user(home, role="manager", email="max@northwind.example")
        for user in (ada, max_):
            db.session.add(TeamAccess(user_id=user.id, company_id=acme.id))
        db.session.commit()
        acme_id = acme.id
        db.session.remove()

    sign_in(page, live_server, "ada@northwind.example")
    assert page.locator("#acting-company").inner_text() == "Northwind Partners"
    assert page.locator("#switched-band").count() == 0

    # The company menu lists what Ada may manage; searching narrows it.
    page.click("#company-menu-button")
    page.wait_for_selector(f"#switcher-list [data-company='{acme_id}']")
    assert page.evaluate("document.activeElement.id") == "switcher-search"
    assert "Globex Wholesale" not in page.locator("#switcher-list").inner_text(), "no grant, not listed"
    page.fill("#switcher-search", "acm")
    page.wait_for_selector("#switcher-list:not(:has([data-company]:has-text('Northwind')))")
    page.click(f"#switcher-list button[data-company='{acme_id}']")
    page.wait_for_selector("#switched-band")
    assert page.locator("#acting-company").inner_text() == "Acme Retail"
    assert "Acme Retail" in page.locator("#switched-band").inner_text()
    assert "Northwind Partners" in page.locator("#switched-band").inner_text()

    # Everything now happens in Acme: add a native user through the settings pages.
    page.click("nav >> text=Settings")
    page.click("#add-user")
    page.fill("#user-form input[name=name]", "Nina Native")
    page.fill("#user-form input[name=email]", "nina@acme.example")
    page.click("#user-form button[type=submit]")
    page.wait_for_url(re.compile(r"/settings/$"))
    assert "nina@acme.example" in page.content()
    assert page.locator("#acting-company").inner_text() == "Acme Retail"

    # Copy the company link of this page, then switch back to the original company.
    page.goto(f"{live_server}/flows/")
    page.click("#company-menu-button")
    link = page.locator("#copy-company-link").get_attribute("data-copy")
    assert link == f"{live_server}/flows/?company={acme_id}"
    page.click("#copy-company-link")
    page.wait_for_selector("#copy-company-link:has-text('Copied'), #copy-company-link:has-text('Ctrl+C')")
    page.click("#switch-back")
    page.wait_for_url(re.compile(r"/dashboard$"))
    assert page.locator("#acting-company").inner_text() == "Northwind Partners"
    assert page.locator("#switched-band").count() == 0

    # A colleague with access opens the link: switched in, on the same page.
    colleague = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    other = colleague.new_page()
    sign_in(other, live_server, "max@northwind.example")
    other.goto(link)
    other.wait_for_url(f"{live_server}/flows/")
    assert other.locator("#acting-company").inner_text() == "Acme Retail"
    assert other.locator("#switched-band").is_visible()
    colleague.close()

    with app.app_context():
        nina = db.session.query(User).filter_by(email="nina@acme.example").one()
        assert nina.company_id == acme_id and nina.role == "user"
