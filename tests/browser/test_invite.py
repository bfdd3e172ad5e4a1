"""In Chromium: an administrator invites a colleague, who gets the invitation by real SMTP, sets a password from
the emailed link and signs in for the first time onto the dashboard."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from tests import factories
from tests.accounts.conftest import RangeServer

NEW_PASSWORD = "Invited!Person7"


@pytest.fixture
def range_server(app, monkeypatch):
    """A local Pwned Passwords range server; the live server builds its app from the environment, so it goes there."""
    server = RangeServer().start()
    monkeypatch.setenv("WEFT_PWNED_RANGE_URL", server.url)
    app.config["PWNED_RANGE_URL"] = server.url
    yield server
    server.stop()


@pytest.fixture
def live_server(range_server, live_server):
    """The browser conftest's live server, started once the range server is in the environment."""
    return live_server


def test_an_invited_colleague_sets_a_password_from_the_email_and_signs_in(app, smtp, range_server, live_server,
                                                                         worker, page):
    with app.app_context():
        admin = factories.user(factories.company("Initech Supplies"), role="administrator")
        admin_email = admin.email
        db.session.remove()

    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", admin_email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard$"))
    page.click("nav >> text=Settings")
    page.click("#add-user")
    page.fill("#user-form input[name=name]", "Peter Gibbons")
    page.fill("#user-form input[name=email]", "Peter.Gibbons@Initech.example.com")
    page.click("#user-form button[type=submit]")
    page.wait_for_selector("text=Peter Gibbons is added with the User role")

    worker.work()  # the mail queue: delivers to the aiosmtpd server
    assert len(smtp) == 1 and smtp[0]["to"] == ["peter.gibbons@initech.example.com"]
    assert smtp[0]["message"]["Subject"] == "You have been invited to Initech Supplies on Weft"
    link = re.search(r"http://127\.0\.0\.1:\d+/password/[A-Za-z0-9_\-]+", smtp.text()).group(0)
    assert link.startswith(live_server)

    invitee = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        theirs = invitee.new_page()
        theirs.set_default_timeout(15_000)
        theirs.goto(link)
        assert "Welcome to Weft" in theirs.locator("h1").inner_text()
        assert "peter.gibbons@initech.example.com (Initech Supplies)" in theirs.content()
        theirs.fill("#password-form input[name=password]", NEW_PASSWORD)
        theirs.fill("#password-form input[name=confirm]", NEW_PASSWORD)
        theirs.click("#password-form button[type=submit]")
        theirs.wait_for_url(re.compile(r"/login$"))
        assert "Your password is set" in theirs.locator(".alert-success").inner_text()
        assert range_server.requests  # the new password was checked against the (local) breach list

        theirs.fill("input[name=email]", "peter.gibbons@initech.example.com")
        theirs.fill("input[name=password]", NEW_PASSWORD)
        theirs.click("#login-form button[type=submit]")
        theirs.wait_for_url(re.compile(r"/dashboard$"))
        assert theirs.locator("#acting-company").inner_text() == "Initech Supplies"

        # The link was single-use: opening it again explains that instead of offering the form.
        theirs.goto(link)
        assert "already been used" in theirs.locator("#link-problem").inner_text()
    finally:
        invitee.close()
