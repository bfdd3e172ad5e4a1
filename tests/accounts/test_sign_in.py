"""Sign-in through the real pages: remember-me, logout, rate limits, forgotten passwords, reset links."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts import limits
from app.accounts.models import PasswordToken, User
from app.audit import AuditEntry
from app.extensions import db
from app.timeutil import utcnow
from tests import factories
from tests.accounts.helpers import get_user, link_in


def _user(app, **kwargs):
    with app.app_context():
        user = factories.user(**kwargs)
        return {"id": user.id, "email": user.email, "company_id": user.company_id}


def _actions(app, company_id):
    with app.app_context():
        return [(e.action, e.details) for e in db.session.execute(
            select(AuditEntry).where(AuditEntry.company_id == company_id).order_by(AuditEntry.id)).scalars()]


def test_sign_in_records_the_login_and_sign_out_ends_the_session(app, client):
    me = _user(app)
    page = client.get("/login").get_data(as_text=True)
    assert "Forgot your password?" in page and "Keep me signed in" in page
    response = client.post("/login", data={"email": me["email"].upper(), "password": factories.PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    assert client.post("/logout").status_code == 303
    assert client.get("/dashboard").status_code == 302
    actions = [a for a, _ in _actions(app, me["company_id"])]
    assert actions == ["login.succeeded", "logout"]


def test_remember_me_sets_a_lasting_cookie_only_when_asked(app, client):
    me = _user(app)
    client.post("/login", data={"email": me["email"], "password": factories.PASSWORD})
    assert client.get_cookie("remember_token") is None
    client.post("/logout")
    client.post("/login", data={"email": me["email"], "password": factories.PASSWORD, "remember": "y"})
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.expires is not None
    # A new browser session with only the remember cookie is still signed in.
    client.delete_cookie("session")
    assert client.get("/dashboard").status_code == 200


def test_bad_input_on_the_login_form_is_a_422_with_messages(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)


def test_failed_logins_are_recorded_and_paused_per_account(app, client):
    me = _user(app)
    for _ in range(limits.LIMITS["account"]):
        response = client.post("/login", data={"email": me["email"], "password": "Wrong!pass1"})
        assert response.status_code == 422
        assert "do not match an active account" in response.get_data(as_text=True)
    # Now even the right password is refused, with a clear message, until the window passes.
    response = client.post("/login", data={"email": me["email"], "password": factories.PASSWORD})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Too many failed attempts" in body and "try again in 15 minute(s)" in body
    assert client.get("/dashboard").status_code == 302
    actions = [a for a, _ in _actions(app, me["company_id"])]
    assert actions.count("login.failed") == limits.LIMITS["account"] and "login.paused" in actions
    with app.app_context():
        from app.extensions import get_redis

        get_redis().flushdb()  # the window has passed
    response = client.post("/login", data={"email": me["email"], "password": factories.PASSWORD})
    assert response.status_code == 303


def test_failed_logins_are_paused_per_ip_address_across_accounts(app, client):
    me = _user(app)
    for n in range(limits.LIMITS["ip"]):
        client.post("/login", data={"email": f"nobody{n}@example.com", "password": "Wrong!pass1"},
                    environ_base={"REMOTE_ADDR": "203.0.113.9"})
    refused = client.post("/login", data={"email": me["email"], "password": factories.PASSWORD},
                          environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert refused.status_code == 422 and "Too many failed attempts" in refused.get_data(as_text=True)
    other_ip = client.post("/login", data={"email": me["email"], "password": factories.PASSWORD},
                           environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other_ip.status_code == 303


def test_deleted_and_passwordless_accounts_cannot_sign_in(app, client):
    me = _user(app)
    with app.app_context():
        user = db.session.get(User, me["id"])
        user.deleted_at = utcnow()
        user.active = False
        db.session.commit()
    response = client.post("/login", data={"email": me["email"], "password": factories.PASSWORD})
    assert response.status_code == 422
    assert ("login.failed", {"reason": "account deleted"}) in _actions(app, me["company_id"])


def test_forgot_password_mails_a_link_that_works_once(app, client, smtp, worker):
    me = _user(app)
    response = client.post("/forgot-password", data={"email": me["email"]})
    assert response.status_code == 303
    worker.work()
    assert smtp[-1]["to"] == [me["email"]]
    assert smtp[-1]["message"]["Subject"] == "Reset your Weft password"
    path = link_in(smtp.text())
    assert "Set a new password" in client.get(path).get_data(as_text=True)
    response = client.post(path, data={"password": "N3w!passwordX", "confirm": "N3w!passwordX"})
    assert response.status_code == 303
    assert client.post("/login", data={"email": me["email"], "password": factories.PASSWORD}).status_code == 422
    assert client.post("/login", data={"email": me["email"], "password": "N3w!passwordX"}).status_code == 303
    client.post("/logout")
    reused = client.get(path)
    assert reused.status_code == 410 and "already been used" in reused.get_data(as_text=True)
    again = client.post(path, data={"password": "An0ther!passX", "confirm": "An0ther!passX"})
    assert again.status_code == 410
    assert client.post("/login", data={"email": me["email"], "password": "N3w!passwordX"}).status_code == 303


def test_forgot_password_says_the_same_for_unknown_emails_and_sends_nothing(app, client, smtp, worker):
    response = client.post("/forgot-password", data={"email": "stranger@example.com"}, follow_redirects=True)
    assert "If an account uses stranger@example.com" in response.get_data(as_text=True)
    worker.work()
    assert len(smtp) == 0


def test_forgot_password_form_rejects_a_malformed_email(client):
    response = client.post("/forgot-password", data={"email": "not-an-email"})
    assert response.status_code == 422
    assert "Invalid email address." in response.get_data(as_text=True)


def test_an_expired_reset_link_is_refused_with_a_way_forward(app, client, smtp, worker):
    me = _user(app)
    client.post("/forgot-password", data={"email": me["email"]})
    worker.work()
    path = link_in(smtp.text())
    with app.app_context():
        token = db.session.execute(select(PasswordToken).where(PasswordToken.user_id == me["id"])).scalar_one()
        token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 410 and "expired" in body and "/forgot-password" in body
    assert client.post(path, data={"password": "N3w!passwordX", "confirm": "N3w!passwordX"}).status_code == 410


def test_a_new_link_replaces_the_older_one(app, client, smtp, worker):
    me = _user(app)
    client.post("/forgot-password", data={"email": me["email"]})
    client.post("/forgot-password", data={"email": me["email"]})
    worker.work()
    first, second = link_in(smtp.text(0)), link_in(smtp.text(1))
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_unknown_links_are_refused(client):
    response = client.get("/password/not-a-real-token")
    assert response.status_code == 410 and "not valid" in response.get_data(as_text=True)


def test_set_password_form_enforces_the_rules_and_saves_nothing(app, client, smtp, worker):
    me = _user(app)
    client.post("/forgot-password", data={"email": me["email"]})
    worker.work()
    path = link_in(smtp.text())
    before = get_user(app, me["id"]).password_hash
    for password, confirm, message in (
            ("short1!A", "short1!B", "The two passwords do not match."),
            ("alllowercase1!", "alllowercase1!", "Add an uppercase letter."),
            ("NoDigits!here", "NoDigits!here", "Add a digit."),
            ("NoSpecial1here", "NoSpecial1here", "Add one of these characters: ! $ # %"),
            ("Sh0rt!", "Sh0rt!", "Use at least 8 characters."),
            ("Password1!", "Password1!", "appeared in a data breach")):
        response = client.post(path, data={"password": password, "confirm": confirm})
        assert response.status_code == 422, password
        assert message in response.get_data(as_text=True), password
    assert get_user(app, me["id"]).password_hash == before
    assert client.get(path).status_code == 200  # still usable after refusals


def test_password_change_signs_out_other_sessions(app):
    me = _user(app)
    laptop, phone = app.test_client(), app.test_client()
    for c in (laptop, phone):
        assert c.post("/login", data={"email": me["email"], "password": factories.PASSWORD}).status_code == 303
    response = laptop.post("/account/password", data={"current": factories.PASSWORD, "password": "Fresh!pass99",
                                                      "confirm": "Fresh!pass99"})
    assert response.status_code == 303
    assert laptop.get("/dashboard").status_code == 200
    assert phone.get("/dashboard").status_code == 302
