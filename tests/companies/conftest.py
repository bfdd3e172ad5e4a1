"""A partner (Northwind) with two linked companies, a team of every role, grants and a way to sign in."""
from __future__ import annotations

import functools
from types import SimpleNamespace

import pytest

from app.accounts.services import create_user
from app.companies.models import TeamAccess
from app.extensions import db
from app.security import hash_password
from tests import factories


@functools.cache
def _password_hash() -> str:
    # One slow hash for every team member of every test: the same password, verified for real at sign-in.
    return hash_password(factories.PASSWORD)


def member(company, role: str, email: str):
    """A user who can sign in with factories.PASSWORD (without paying for a fresh slow hash)."""
    user = create_user(company, email, email.split("@")[0].replace(".", " ").title(), role)
    user.password_hash = _password_hash()
    db.session.commit()
    return user


@pytest.fixture
def partner(app):
    """Northwind (partner features, professional) links Acme and Globex. The administrator and `manager`
    have access to both; `manager2` to neither; `user` and `readonly` are team members below manager."""
    with app.app_context():
        home = factories.company("Northwind Partners", is_partner=True, tier="professional")
        acme = factories.company("Acme Retail", parent_id=home.id)
        globex = factories.company("Globex Wholesale", parent_id=home.id)
        emails = {}
        ids = {}
        for key, role in (("admin", "administrator"), ("manager", "manager"), ("manager2", "manager"),
                          ("user", "user"), ("readonly", "read-only")):
            user = member(home, role, f"{key}@northwind.example")
            emails[key], ids[key] = user.email, user.id
        native = member(acme, "administrator", "admin@acme.example")
        for key in ("admin", "manager"):
            for company in (acme, globex):
                db.session.add(TeamAccess(user_id=ids[key], company_id=company.id))
        db.session.commit()
        return SimpleNamespace(id=home.id, acme=acme.id, globex=globex.id, emails=emails, ids=ids,
                               native=native.id, native_email=native.email)


@pytest.fixture
def sign_in(client):
    """sign_in(email, on=client) signs in through the real form."""

    def do(email: str, on=None):
        response = (on or client).post("/login", data={"email": email, "password": factories.PASSWORD})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return on or client

    return do


def text(response) -> str:
    return response.get_data(as_text=True)
