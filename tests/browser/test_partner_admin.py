"""A partner administrator gives a teammate access to a linked company and takes it away again, and changes
the company's tier on its Subscription tab, in real Chromium."""
from __future__ import annotations

from app.companies.models import TeamAccess
from app.extensions import db
from tests import factories
from tests.browser.helpers import sign_in


def test_grant_revoke_and_change_tier_of_a_linked_company(app, live_server, page):
    with app.app_context():
        home = factories.company("Northwind Partners", is_partner=True, tier="professional")
        acme = factories.company("Acme Retail", parent_id=home.id)  # trial: 2 deployed flows
        ada = factories.user(home, role="administrator", email="ada@northwind.example")
        max_ = factories.user(home, role="manager", email="max@northwind.example")
        db.session.add(TeamAccess(user_id=ada.id, company_id=acme.id))
        db.session.commit()
        factories.flow(acme, name="Acme orders")
        acme_id, max_id = acme.id, max_.id
        db.session.remove()

    # Ada gives Max access on the linked company's Access tab; the page confirms it.
    sign_in(page, live_server, "ada@northwind.example")
    page.goto(f"{live_server}/companies/{acme_id}/access")
    assert page.locator(f"#team-access tr[data-user='{max_id}'] [data-access='no']").is_visible()
    page.select_option("#grant-form select[name=user_id]", str(max_id))
    page.click("#grant-form button[type=submit]")
    page.wait_for_selector(f"#team-access tr[data-user='{max_id}'] [data-access='yes']")
    assert "can now switch into Acme Retail" in page.content()

    # Max switches into Acme from the company menu and works there.
    colleague = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    other = colleague.new_page()
    other.set_default_timeout(15_000)
    sign_in(other, live_server, "max@northwind.example")
    other.click("#company-menu-button")
    other.click(f"#switcher-list button[data-company='{acme_id}']")
    other.wait_for_selector("#switched-band")
    assert other.locator("#acting-company").inner_text() == "Acme Retail"
    other.goto(f"{live_server}/flows/")
    assert "Acme orders" in other.content()

    # Ada removes it, after confirming; Max's very next page says his access ended and he is back home.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"#team-access tr[data-user='{max_id}'] button:has-text('Remove access')")
    page.wait_for_selector(f"#team-access tr[data-user='{max_id}'] [data-access='no']")
    assert "can no longer switch into Acme Retail" in page.content()
    other.goto(f"{live_server}/flows/")
    assert "Your access to the company you were working in has ended" in other.content()
    assert other.locator("#acting-company").inner_text() == "Northwind Partners"
    assert other.locator("#switched-band").count() == 0
    assert "Acme orders" not in other.content()
    colleague.close()

    # The Subscription tab moves Acme to professional; its flows page shows the larger allowance.
    page.click("#company-menu-button")
    page.click(f"#switcher-list button[data-company='{acme_id}']")
    page.wait_for_selector("#switched-band")
    page.goto(f"{live_server}/flows/")
    assert page.locator("#allowance-deployed-flows").inner_text().strip() == "1 of 2 deployed process flows"
    page.goto(f"{live_server}/companies/{acme_id}/subscription")
    page.select_option("#subscription-form select[name=tier]", "professional")
    page.click("#save-subscription")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/flows/")
    assert page.locator("#acting-company").inner_text() == "Acme Retail"
    assert page.locator("#allowance-deployed-flows").inner_text().strip() == "1 of 20 deployed process flows"
