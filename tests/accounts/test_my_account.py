"""My account: change name and email, change password; every bad input is a 422 that saves nothing."""
from __future__ import annotations

from sqlalchemy import select

from app.accounts import limits
from app.audit import AuditEntry
from app.extensions import db, get_redis
from tests import factories
from tests.accounts.helpers import enrol, get_user


def test_change_name_and_email(app, client, login):
    me = login("user")
    page = client.get("/account").get_data(as_text=True)
    assert me["email"] in page and "Multi-factor authentication" in page
    response = client.post("/account/details", data={"name": "Ada Lovelace", "email": "ADA@example.org"},
                           follow_redirects=True)
    assert "Your details are saved." in response.get_data(as_text=True)
    user = get_user(app, me["user_id"])
    assert (user.name, user.email) == ("Ada Lovelace", "ada@example.org")
    client.post("/logout")
    assert client.post("/login", data={"email": "ada@example.org", "password": factories.PASSWORD}
                       ).status_code == 303
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "user.updated")).scalar_one()
        assert entry.details["changes"]["email"] == [me["email"], "ada@example.org"]


def test_bad_details_are_refused(app, client, login):
    me = login("user")
    with app.app_context():
        taken = factories.user().email
    for data, message in (({"name": "", "email": me["email"]}, "This field is required."),
                          ({"name": "A", "email": "nope"}, "Invalid email address."),
                          ({"name": "A", "email": taken}, "This email address is already in use."),
                          ({"name": "x" * 121, "email": me["email"]}, "Field cannot be longer than 120 characters.")):
        response = client.post("/account/details", data=data, headers={"HX-Request": "true"})
        assert response.status_code == 422 and message in response.get_data(as_text=True), data
        assert 'id="details-form"' in response.get_data(as_text=True)
    assert get_user(app, me["user_id"]).email == me["email"]


def test_change_password_needs_the_current_one_and_follows_the_rules(app, client, login):
    me = login("user")
    before = get_user(app, me["user_id"]).password_hash
    for data, message in (
            ({"current": "Wrong!pass1", "password": "Fresh!pass99", "confirm": "Fresh!pass99"},
             "Your current password is not correct."),
            ({"current": factories.PASSWORD, "password": "Fresh!pass99", "confirm": "Fresh!pass98"},
             "The two passwords do not match."),
            ({"current": factories.PASSWORD, "password": "freshpass", "confirm": "freshpass"},
             "Add an uppercase letter."),
            ({"current": factories.PASSWORD, "password": "Summer2024!", "confirm": "Summer2024!"},
             "appeared in a data breach"),
            ({"current": factories.PASSWORD, "password": factories.PASSWORD, "confirm": factories.PASSWORD},
             "different from your current one")):
        response = client.post("/account/password", data=data)
        assert response.status_code == 422 and message in response.get_data(as_text=True), data
    assert get_user(app, me["user_id"]).password_hash == before
    ok = client.post("/account/password", data={"current": factories.PASSWORD, "password": "Fresh!pass99",
                                                 "confirm": "Fresh!pass99"}, follow_redirects=True)
    assert "Your password is changed." in ok.get_data(as_text=True)
    client.post("/logout")
    assert client.post("/login", data={"email": me["email"], "password": "Fresh!pass99"}).status_code == 303


def test_new_recovery_codes_need_a_valid_code(app, client, login):
    login("user")
    enrol(client)
    response = client.post("/account/two-factor/recovery-codes", data={"code": "000000"})
    assert response.status_code == 422 and "That code is not valid" in response.get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in ("/account", "/account/two-factor", "/settings/", "/settings/audit"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def _audited(app, action) -> list[dict]:
    with app.app_context():
        return [e.details for e in db.session.execute(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).scalars()]


def test_wrong_current_passwords_are_limited_audited_and_pause_sign_in(app, client, login):
    me = login("user")
    before = get_user(app, me["user_id"]).password_hash
    change = {"password": "Fresh!pass99", "confirm": "Fresh!pass99"}
    for _ in range(limits.LIMITS["account"]):
        wrong = client.post("/account/password", data={"current": "Guess!pass1", **change})
        assert wrong.status_code == 422 and "Your current password is not correct." in wrong.get_data(as_text=True)
    # Past the limit even the right password is refused, with a clear message, and nothing changes.
    paused = client.post("/account/password", data={"current": factories.PASSWORD, **change})
    body = paused.get_data(as_text=True)
    assert paused.status_code == 422
    assert "Too many wrong passwords" in body and "try again in 15 minute(s)" in body
    assert get_user(app, me["user_id"]).password_hash == before
    assert _audited(app, "user.password_check_failed") == [{"during": "password change"}] * limits.LIMITS["account"]
    assert len(_audited(app, "login.paused")) == 1
    # The same counter guards sign-in: guessing from a stolen session does not give fresh tries elsewhere.
    other = app.test_client()
    refused = other.post("/login", data={"email": me["email"], "password": factories.PASSWORD})
    assert refused.status_code == 422 and "Too many failed attempts" in refused.get_data(as_text=True)
    with app.app_context():
        get_redis().flushdb()  # the window has passed
    ok = client.post("/account/password", data={"current": factories.PASSWORD, **change})
    assert ok.status_code == 303


def test_a_right_current_password_clears_the_accounts_failures(app, client, login):
    me = login("user")
    for _ in range(limits.LIMITS["account"] - 1):
        client.post("/account/password", data={"current": "Guess!pass1", "password": "Fresh!pass99",
                                               "confirm": "Fresh!pass99"})
    assert client.post("/account/password", data={"current": factories.PASSWORD, "password": "Fresh!pass99",
                                                  "confirm": "Fresh!pass99"}).status_code == 303
    client.post("/logout")
    # A fresh count: one more wrong password does not pause the account.
    assert client.post("/login", data={"email": me["email"], "password": "Guess!pass1"}).status_code == 422
    assert client.post("/login", data={"email": me["email"], "password": "Fresh!pass99"}).status_code == 303
