"""Two-factor authentication through the pages: enrol, sign in with a code or a recovery code, disable."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts import limits
from app.accounts.models import RecoveryCode, User
from app.audit import AuditEntry
from app.companies.models import Company
from app.extensions import db
from tests import factories
from tests.accounts.helpers import enrol, get_user, totp_code


def _password_step(client, email, **extra):
    response = client.post("/login", data={"email": email, "password": factories.PASSWORD, **extra})
    assert response.status_code == 303 and response.headers["Location"] == "/login/code"
    return response


def test_enrol_then_sign_in_with_a_code_and_then_with_a_recovery_code(app, client, login):
    me = login("user")
    secret, codes = enrol(client)
    with app.app_context():
        user = db.session.get(User, me["user_id"])
        assert secret not in user.totp_secret  # encrypted at rest
        stored = db.session.execute(select(RecoveryCode.code_hash)).scalars().all()
        assert len(stored) == 10 and not set(codes) & set(stored)  # hashed at rest
    client.post("/logout")

    _password_step(client, me["email"])
    assert client.get("/dashboard").status_code == 302  # the password alone does not sign in
    page = client.get("/login/code").get_data(as_text=True)
    assert "Enter the 6-digit code" in page
    wrong = client.post("/login/code", data={"code": "000000"})
    assert wrong.status_code == 422 and "That code is not valid" in wrong.get_data(as_text=True)
    ok = client.post("/login/code", data={"code": totp_code(secret, 30)})
    assert ok.status_code == 303 and ok.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    client.post("/logout")

    _password_step(client, me["email"])
    ok = client.post("/login/code", data={"code": codes[0].upper()}, follow_redirects=True)
    assert "You signed in with a recovery code. 9 recovery code(s) left" in ok.get_data(as_text=True)
    client.post("/logout")

    _password_step(client, me["email"])
    reused = client.post("/login/code", data={"code": codes[0]})
    assert reused.status_code == 422
    with app.app_context():
        actions = [e.action for e in db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    assert "user.2fa_enabled" in actions and "user.recovery_code_used" in actions
    assert actions.count("login.succeeded") == 3


def test_a_code_is_accepted_only_once(app, client, login):
    me = login("user")
    secret, _codes = enrol(client)
    client.post("/logout")
    code = totp_code(secret, 30)
    _password_step(client, me["email"])
    assert client.post("/login/code", data={"code": code}).status_code == 303
    client.post("/logout")
    _password_step(client, me["email"])
    assert client.post("/login/code", data={"code": code}).status_code == 422


def test_wrong_codes_are_rate_limited(app, client, login):
    me = login("user")
    secret, _codes = enrol(client)
    client.post("/logout")
    _password_step(client, me["email"])
    for _ in range(limits.LIMITS["code"]):
        assert client.post("/login/code", data={"code": "123456"}).status_code == 422
    paused = client.post("/login/code", data={"code": totp_code(secret, 30)})
    assert paused.status_code == 422 and "Too many failed attempts" in paused.get_data(as_text=True)


def test_the_code_step_needs_the_password_step_first(client):
    response = client.get("/login/code")
    assert response.status_code == 303 and response.headers["Location"] == "/login"


def test_confirming_with_a_wrong_code_keeps_2fa_off(app, client, login):
    me = login("user")
    client.post("/account/two-factor/start")
    response = client.post("/account/two-factor/confirm", data={"code": "999999"})
    assert response.status_code == 422 and "That code is not valid" in response.get_data(as_text=True)
    empty = client.post("/account/two-factor/confirm", data={"code": ""})
    assert empty.status_code == 422 and "This field is required." in empty.get_data(as_text=True)
    assert not get_user(app, me["user_id"]).two_factor_enabled


def test_disabling_needs_the_password_and_a_current_code(app, client, login):
    me = login("user")
    secret, _codes = enrol(client)
    wrong_password = client.post("/account/two-factor/disable", data={"password": "Nope!nope1",
                                                                      "code": totp_code(secret, 30)})
    assert wrong_password.status_code == 422 and "Your password is not correct." in wrong_password.get_data(
        as_text=True)
    wrong_code = client.post("/account/two-factor/disable", data={"password": factories.PASSWORD, "code": "111111"})
    assert wrong_code.status_code == 422
    assert get_user(app, me["user_id"]).two_factor_enabled
    ok = client.post("/account/two-factor/disable",
                     data={"password": factories.PASSWORD, "code": totp_code(secret, 30)})
    assert ok.status_code == 303
    user = get_user(app, me["user_id"])
    assert not user.two_factor_enabled and user.totp_secret is None
    client.post("/logout")
    assert client.post("/login", data={"email": me["email"], "password": factories.PASSWORD}).headers[
        "Location"] == "/dashboard"


def test_new_recovery_codes_replace_the_old_ones(app, client, login):
    me = login("user")
    secret, old = enrol(client)
    response = client.post("/account/two-factor/recovery-codes", data={"code": totp_code(secret, 30)})
    assert response.status_code == 200
    new = re.findall(r'class="weft-recovery-code">([a-z0-9-]+)<', response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/logout")
    _password_step(client, me["email"])
    assert client.post("/login/code", data={"code": old[1]}).status_code == 422
    assert client.post("/login/code", data={"code": new[1]}).status_code == 303


def test_a_company_can_require_2fa(app, client, login):
    me = login("user")
    with app.app_context():
        db.session.get(Company, me["company_id"]).require_2fa = True
        db.session.commit()
    response = client.get("/settings/")
    assert response.status_code == 303 and response.headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "requires two-factor authentication" in page
    secret, _codes = enrol(client)
    assert client.get("/settings/").status_code == 200
    refused = client.post("/account/two-factor/disable", data={"password": factories.PASSWORD,
                                                               "code": totp_code(secret, 30)})
    assert get_user(app, me["user_id"]).two_factor_enabled
    assert refused.status_code == 422 and "cannot be turned off" in refused.get_data(as_text=True)


def _audited(app, action) -> list[dict]:
    with app.app_context():
        return [e.details for e in db.session.execute(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).scalars()]


def test_wrong_passwords_when_disabling_are_limited_and_audited(app, client, login):
    me = login("user")
    secret, _codes = enrol(client)
    for _ in range(limits.LIMITS["account"]):
        wrong = client.post("/account/two-factor/disable", data={"password": "Guess!pass1", "code": "123456"})
        assert wrong.status_code == 422 and "Your password is not correct." in wrong.get_data(as_text=True)
    paused = client.post("/account/two-factor/disable",
                         data={"password": factories.PASSWORD, "code": totp_code(secret, 30)})
    assert paused.status_code == 422 and "Too many wrong passwords" in paused.get_data(as_text=True)
    assert get_user(app, me["user_id"]).two_factor_enabled
    assert _audited(app, "user.password_check_failed") == [{"during": "2FA disable"}] * limits.LIMITS["account"]


def test_wrong_codes_on_my_account_are_limited_and_audited(app, client, login):
    login("user")
    secret, _codes = enrol(client)
    for _ in range(limits.LIMITS["code"]):
        wrong = client.post("/account/two-factor/recovery-codes", data={"code": "123456"})
        assert wrong.status_code == 422 and "That code is not valid" in wrong.get_data(as_text=True)
    paused = client.post("/account/two-factor/disable",
                         data={"password": factories.PASSWORD, "code": totp_code(secret, 30)})
    assert paused.status_code == 422 and "Too many wrong codes" in paused.get_data(as_text=True)
    assert _audited(app, "user.code_check_failed") == [{"during": "new recovery codes"}] * limits.LIMITS["code"]
