"""Small factories for tests: real rows through the real services where one exists."""
from __future__ import annotations

import itertools

from app.accounts.services import create_user
from app.companies.models import Company
from app.extensions import db
from app.flows.services import create_flow

PASSWORD = "Sup3r!secret"
_seq = itertools.count(1)

SIMPLE_FLOW = {
    "trigger": {"type": "manual", "config": {}},
    "steps": [
        {"id": "s1", "type": "manual_payload", "version": 1, "config": {
            "format": "json", "body": '[{"id": 1, "first": "Ada"}, {"id": 2, "first": "Alan"}]'}},
        {"id": "s2", "type": "map", "version": 1, "config": {
            "rules": [{"source": "id", "target": "customer_id"}, {"source": "first", "target": "name.first"}]}},
    ],
}


def company(name: str | None = None, **fields) -> Company:
    row = Company(name=name or f"Company {next(_seq)}", **fields)
    db.session.add(row)
    db.session.commit()
    return row


def user(company_row: Company | None = None, role: str = "administrator", email: str | None = None,
         password: str = PASSWORD):
    company_row = company_row or company()
    n = next(_seq)
    return create_user(company_row, email or f"user{n}@example.com", f"User {n}", role, password)


def flow(company_row: Company, name: str | None = None, definition: dict | None = None, deploy: bool = True):
    return create_flow(company_row, name or f"Flow {next(_seq)}", definition or SIMPLE_FLOW, deploy=deploy,
                       enabled=True)
