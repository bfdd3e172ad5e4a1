"""Idempotent demo data: a partner with two linked companies its managers can switch into, one user of each
role, and a demo flow."""
from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.services import create_user
from app.companies.access import eligible
from app.companies.models import Company, TeamAccess
from app.extensions import db
from app.flows.models import Flow
from app.flows.services import create_flow

DEMO_PASSWORD = "Weft!demo1"
PARTNER = "Northwind Integration Partners"
LINKED = ("Acme Retail", "Globex Wholesale")
USERS = (
    ("admin@northwind.example", "Ada Admin", "administrator"),
    ("manager@northwind.example", "Max Manager", "manager"),
    ("user@northwind.example", "Uma User", "user"),
    ("readonly@northwind.example", "Rita Readonly", "read-only"),
)
LINKED_ADMINS = {"Acme Retail": "admin@acme.example", "Globex Wholesale": "admin@globex.example"}

DEMO_FLOW = "Demo: tidy customer records"
DEMO_DEFINITION = {
    "trigger": {"type": "manual", "config": {}},
    "steps": [
        {"id": "s1", "type": "manual_payload", "version": 1, "name": "Sample customers", "config": {
            "format": "json",
            "body": (
                '[{"id": 1001, "first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com",'
                ' "country": "US"},\n {"id": 1002, "first_name": "Alan", "last_name": "Turing",'
                ' "email": "alan@example.com", "country": "GB"}]'),
        }},
        {"id": "s2", "type": "map", "version": 1, "name": "Rename fields", "config": {
            "rules": [
                {"source": "id", "target": "customer_id"},
                {"source": "first_name", "target": "name.first"},
                {"source": "last_name", "target": "name.last"},
                {"source": "email", "target": "contact.email"},
                {"source": "country", "target": "address.country_code"},
            ],
        }},
    ],
}


def _company(name: str, **fields) -> Company:
    company = db.session.execute(select(Company).where(Company.name == name)).scalar_one_or_none()
    if company is None:
        company = Company(name=name, **fields)
        db.session.add(company)
        db.session.commit()
    return company


def _user(company: Company, email: str, name: str, role: str) -> User:
    user = db.session.execute(select(User).where(User.email == email, User.deleted_at.is_(None))).scalar_one_or_none()
    return user or create_user(company, email, name, role, DEMO_PASSWORD)


def _flow(company: Company) -> Flow:
    query = select(Flow).where(Flow.company_id == company.id, Flow.name == DEMO_FLOW)
    flow = db.session.execute(query).scalar_one_or_none()
    return flow or create_flow(company, DEMO_FLOW, DEMO_DEFINITION, deploy=True, enabled=True)


def _grant(user: User, company: Company) -> None:
    query = select(TeamAccess).where(TeamAccess.user_id == user.id, TeamAccess.company_id == company.id)
    if db.session.execute(query).scalar_one_or_none() is None:
        db.session.add(TeamAccess(user_id=user.id, company_id=company.id))
        db.session.commit()


def seed() -> dict:
    partner = _company(PARTNER, is_partner=True, tier="professional")
    team = [_user(partner, email, name, role) for email, name, role in USERS]
    _flow(partner)
    for name in LINKED:
        child = _company(name, parent_id=partner.id, tier="trial")
        _user(child, LINKED_ADMINS[name], f"{name} Admin", "administrator")
        _flow(child)
        # Only managers and administrators can hold access to a linked company.
        for member in team:
            if eligible(member):
                _grant(member, child)
    return {"partner": partner.name, "users": [u[0] for u in USERS] + list(LINKED_ADMINS.values()),
            "password": DEMO_PASSWORD}
