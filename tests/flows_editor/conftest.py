"""Helpers for the editor tests: a signed-in user with a flow of their company, read back in app context."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.flows.models import Flow
from tests import factories

HX = {"HX-Request": "true"}

ROUTED = {
    "trigger": {"type": "manual", "config": {}},
    "steps": [
        {"id": "s1", "type": "manual_payload", "version": 1,
         "config": {"format": "json", "body": '[{"id": 1, "sku": "RED-1"}, {"id": 2, "sku": "BLUE-9"}]'}},
        {"id": "r1", "type": "route", "version": 1, "config": {"method": "all"}, "paths": [
            {"id": "pa", "name": "A", "config": {}, "steps": [
                {"id": "m1", "type": "map", "version": 1, "config": {"rules": []}}]},
            {"id": "pb", "name": "B", "config": {}, "steps": []},
        ]},
        {"id": "s2", "type": "map", "version": 1, "config": {"rules": [{"source": "sku", "target": "code"}]}},
    ],
}


def html(response) -> str:
    return response.get_data(as_text=True)


def revision_of(page: str) -> int:
    return int(re.search(r'id="canvas-revision" name="revision" value="(\d+)"', page).group(1))


@pytest.fixture
def make_flow(app):
    def make(company_id: int, definition: dict | None = None, **kwargs) -> int:
        from app.companies.models import Company

        with app.app_context():
            return factories.flow(db.session.get(Company, company_id), definition=definition or ROUTED, **kwargs).id

    return make


@pytest.fixture
def read_flow(app):
    """read_flow(flow_id, fn) -> fn(flow) evaluated in a fresh app context."""

    def read(flow_id: int, fn):
        with app.app_context():
            return fn(db.session.get(Flow, flow_id))

    return read


def draft_ids(flow) -> list[str]:
    return [s["id"] for s in flow.draft.steps]


# Fixtures shared with other rooms' tests: the partner with two linked companies (Northwind → Acme, Globex)
# and its team.
from tests.companies.conftest import partner, sign_in  # noqa: E402, F401
