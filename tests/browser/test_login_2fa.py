"""In Chromium: enabling 2FA from the key on the page, signing in with a code and with a recovery code; a
banner set by an administrator reaching a colleague; a user enrolled by the services signing in."""
from __future__ import annotations

import re
import time

import pyotp

from app.accounts import account
from app.accounts.models import User
from app.extensions import db
from tests import factories


def _sign_in(page, base, email):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("#login-form button[type=submit]")


def _sign_out(page):
    page.click("#user-menu")
    page.click("button:has-text('Sign out')")
    page.wait_for_url(re.compile(r"/login$"))


def test_enable_2fa_then_sign_in_with_a_code_and_with_a_recovery_code(app, live_server, page):
    with app.app_context():
        user = factories.user(factories.company("Acme Retail"), role="user")
        email = user.email
        db.session.remove()

    _sign_in(page, live_server, email)
    page.wait_for_url(re.compile(r"/dashboard$"))
    page.click("#user-menu")
    page.click("text=Two-factor authentication")
    page.click("#two-factor-start")
    page.wait_for_selector("#totp-qr svg")
    secret = page.locator("#totp-secret").inner_text().strip()
    totp = pyotp.TOTP(secret)
    page.fill("#confirm-form input[name=code]", totp.now())
    page.click("#confirm-form button[type=submit]")
    page.wait_for_selector("#recovery-codes")
    codes = page.locator(".weft-recovery-code").all_inner_texts()
    assert len(codes) == 10
    page.click("#codes-copied")
    page.wait_for_url(re.compile(r"/account$"))
    assert page.locator("#two-factor-status").inner_text().strip() == "On"
    _sign_out(page)

    _sign_in(page, live_server, email)
    page.wait_for_url(re.compile(r"/login/code$"))
    page.fill("#code-form input[name=code]", totp.at(time.time() + 30))  # the next step: a code not used yet
    page.click("#code-form button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard$"))
    assert page.locator("#acting-company").inner_text() == "Acme Retail"
    _sign_out(page)

    _sign_in(page, live_server, email)
    page.wait_for_url(re.compile(r"/login/code$"))
    page.fill("#code-form input[name=code]", "999999")
    page.click("#code-form button[type=submit]")
    page.wait_for_selector("text=That code is not valid")
    page.fill("#code-form input[name=code]", codes[3])
    page.click("#code-form button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard$"))
    assert "9 recovery code(s) left" in page.locator(".alert-warning").first.inner_text()


def test_a_user_enrolled_by_the_services_signs_in_with_a_code(app, live_server, page):
    with app.app_context():
        user = factories.user(role="manager")
        secret = account.start_two_factor(user)
        account.confirm_two_factor(user, pyotp.TOTP(secret).now())
        email = user.email
        assert db.session.get(User, user.id).two_factor_enabled
        db.session.remove()
    _sign_in(page, live_server, email)
    page.wait_for_url(re.compile(r"/login/code$"))
    page.fill("#code-form input[name=code]", pyotp.TOTP(secret).at(time.time() + 30))
    page.click("#code-form button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard$"))


def test_a_banner_set_by_an_administrator_appears_for_a_colleague(app, live_server, page):
    with app.app_context():
        company = factories.company("Globex Wholesale")
        admin = factories.user(company, role="administrator")
        colleague = factories.user(company, role="read-only")
        admin_email, colleague_email = admin.email, colleague.email
        db.session.remove()

    _sign_in(page, live_server, admin_email)
    page.wait_for_url(re.compile(r"/dashboard$"))
    page.click("nav >> text=Settings")
    page.fill("#banner-form textarea[name=banner]", "Warehouse cut-over on Saturday: flows pause 08:00-10:00")
    page.click("#banner-form button[type=submit]")
    page.wait_for_selector("#company-banner")
    assert "Warehouse cut-over on Saturday" in page.locator("#company-banner").inner_text()

    other = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        theirs = other.new_page()
        theirs.set_default_timeout(15_000)
        _sign_in(theirs, live_server, colleague_email)
        theirs.wait_for_url(re.compile(r"/dashboard$"))
        assert "Warehouse cut-over on Saturday" in theirs.locator("#company-banner").inner_text()

        page.fill("#banner-form textarea[name=banner]", "")
        page.click("#banner-form button[type=submit]")
        page.wait_for_selector("text=The banner is cleared.")
        assert page.locator("#company-banner").count() == 0
        theirs.reload()
        assert theirs.locator("#company-banner").count() == 0
    finally:
        other.close()
