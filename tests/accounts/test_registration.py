"""Registering a company: its first user is the administrator, invited to set a password."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts.models import User
from app.audit import AuditEntry
from app.companies.models import Company
from app.extensions import db
from tests import factories


def test_the_registering_user_is_the_administrator(app, client, smtp, worker):
    result = app.test_cli_runner().invoke(args=["accounts", "register", "Initech", "Bill Lumbergh",
                                                "Bill@Initech.example"])
    assert result.exit_code == 0, result.output
    assert "bill@initech.example is its administrator" in result.output
    with app.app_context():
        company = db.session.execute(select(Company).where(Company.name == "Initech")).scalar_one()
        user = db.session.execute(select(User).where(User.company_id == company.id)).scalar_one()
        assert (user.role, user.status) == ("administrator", "pending")
        assert db.session.execute(select(AuditEntry.action).where(AuditEntry.company_id == company.id)
                                  ).scalars().all() == ["company.registered"]
    worker.work()
    assert smtp[-1]["to"] == ["bill@initech.example"]
    path = re.search(r"http://localhost(/password/\S+)", result.output).group(1)
    assert client.post(path, data={"password": "Tps!reports1", "confirm": "Tps!reports1"}).status_code == 303
    assert client.post("/login", data={"email": "bill@initech.example", "password": "Tps!reports1"}
                       ).status_code == 303
    assert "Save banner" in client.get("/settings/").get_data(as_text=True)  # administrator pages


def test_registration_refuses_a_taken_email(app):
    with app.app_context():
        taken = factories.user().email
    result = app.test_cli_runner().invoke(args=["accounts", "register", "Dup Ltd", "Someone", taken])
    assert result.exit_code != 0 and "already in use" in result.output
    with app.app_context():
        assert db.session.execute(select(Company).where(Company.name == "Dup Ltd")).first() is None
