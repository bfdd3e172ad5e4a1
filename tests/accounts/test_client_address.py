"""The visitor's address behind a reverse proxy: WEFT_PROXY_HOPS trusts X-Forwarded-For for that many hops, for
sign-in limits and audit rows alike; with the default 0 a forged header changes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app
from app.accounts import limits
from app.audit import AuditEntry
from app.extensions import db
from tests import factories

VISITOR, OTHER_VISITOR = "203.0.113.50", "198.51.100.7"


@pytest.fixture
def behind_proxy(app, monkeypatch):
    """The app as deployed behind one nginx: WEFT_PROXY_HOPS=1 in the environment."""
    monkeypatch.setenv("WEFT_PROXY_HOPS", "1")
    proxied = create_app({key: app.config[key] for key in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "REDIS_URL", "INSTANCE_PATH", "WTF_CSRF_ENABLED")})
    assert proxied.config["PROXY_HOPS"] == 1
    yield proxied
    with proxied.app_context():
        db.session.remove()
        db.engine.dispose()


def _user(app) -> dict:
    with app.app_context():
        user = factories.user()
        return {"email": user.email, "company_id": user.company_id}


def _ips(app, company_id, action) -> list[str | None]:
    with app.app_context():
        return list(db.session.execute(select(AuditEntry.ip).where(
            AuditEntry.company_id == company_id, AuditEntry.action == action).order_by(AuditEntry.id)).scalars())


def _sign_in(client, email, password, forwarded):
    return client.post("/login", data={"email": email, "password": password},
                       headers={"X-Forwarded-For": forwarded})


def test_behind_one_proxy_the_forwarded_address_is_audited_and_limited(app, behind_proxy):
    me = _user(app)
    client = behind_proxy.test_client()  # every request arrives from 127.0.0.1, the proxy
    assert _sign_in(client, me["email"], "Wrong!pass1", VISITOR).status_code == 422
    # A client-supplied entry before the proxy's own is not trusted: only the last hop counts.
    assert _sign_in(client, me["email"], "Wrong!pass1", f"10.9.8.7, {VISITOR}").status_code == 422
    assert _ips(app, me["company_id"], "login.failed") == [VISITOR, VISITOR]

    for n in range(limits.LIMITS["ip"] - 2):
        _sign_in(client, f"nobody{n}@example.com", "Wrong!pass1", VISITOR)
    refused = _sign_in(client, me["email"], factories.PASSWORD, VISITOR)
    assert refused.status_code == 422 and "Too many failed attempts" in refused.get_data(as_text=True)
    # Someone else behind the same proxy is not paused by that visitor's failures.
    assert _sign_in(client, me["email"], factories.PASSWORD, OTHER_VISITOR).status_code == 303
    assert _ips(app, me["company_id"], "login.succeeded") == [OTHER_VISITOR]


def test_without_trusted_proxies_a_forged_forwarded_address_is_ignored(app, client):
    assert app.config["PROXY_HOPS"] == 0
    me = _user(app)
    assert _sign_in(client, me["email"], "Wrong!pass1", VISITOR).status_code == 422
    assert _ips(app, me["company_id"], "login.failed") == ["127.0.0.1"]
    # A new forged address for every attempt does not escape the per-address limit.
    for n in range(limits.LIMITS["ip"] - 1):
        _sign_in(client, f"nobody{n}@example.com", "Wrong!pass1", f"192.0.2.{n + 1}")
    refused = _sign_in(client, me["email"], factories.PASSWORD, OTHER_VISITOR)
    assert refused.status_code == 422 and "Too many failed attempts" in refused.get_data(as_text=True)
    assert _ips(app, me["company_id"], "login.succeeded") == []
