"""Fixtures for the run pages: a local shop API and flows that fail, pass through try/catch or call it."""
from __future__ import annotations

from app.connectors import services as connector_services
from app.extensions import db
from app.runs.models import Run
from tests import factories
from tests.runs_pages.shop import ShopApi
from tests.servers import local_server

ORDERS = '[{"sku": "RED-1", "qty": 2}, {"sku": "BLUE-9", "qty": 1}]'


def manual(body: str, fmt: str = "json", id: str = "orders") -> dict:
    return {"id": id, "type": "manual_payload", "version": 1, "config": {"format": fmt, "body": body}}


def mapping(rules: list, id: str = "map", **extra) -> dict:
    return {"id": id, "type": "map", "version": 1, "retries": 0, "config": {"rules": rules}, **extra}


def flow_of(*steps) -> dict:
    return {"trigger": {"type": "manual", "config": {}}, "steps": list(steps)}


# The map needs JSON, so a text payload fails it: a run that fails at its second step.
FAILING = flow_of(manual("plain text", fmt="text", id="text"), mapping([{"source": "a", "target": "b"}]))
# A try/catch whose map fails the (text) payload: a partly successful run with one caught payload.
PARTIAL = flow_of(
    manual("not an object", fmt="text", id="text"),
    {"id": "tc", "type": "try_catch", "version": 1, "config": {"on_exception": "partial"}, "paths": [
        {"name": "try", "steps": [mapping([{"source": "a", "target": "b"}], id="inner")]},
        {"name": "catch", "steps": []}]})


shop_server, shop = local_server(ShopApi, "shop")


def shop_instance(company, base_url: str):
    definition = {"key": "shop", "name": "Shop", "version": "1", "category": "other", "base_url": base_url,
                  "variables": [], "auth_methods": [{"key": "none", "name": "No auth", "type": "none"}],
                  "endpoints": [
                      {"key": "push", "name": "Push order", "entity": "orders", "direction": "send", "method": "POST",
                       "path": "/orders"},
                      {"key": "slow", "name": "Slow list", "entity": "items", "direction": "receive", "method": "GET",
                       "path": "/slow", "query": {"delay": "{{delay}}"},
                       "variables": [{"key": "delay", "label": "Delay"}]}]}
    connector = connector_services.create_connector(company, definition)
    return connector_services.add_instance(connector, "Shop", "none", {}, retries=0)


def push_step(instance_id: int, id: str = "push") -> dict:
    return {"id": id, "type": "connector", "version": 1, "retries": 0,
            "config": {"instance_id": instance_id, "endpoint": "push", "retries": 0}}


def slow_step(instance_id: int, delay: float, id: str) -> dict:
    return {"id": id, "type": "connector", "version": 1, "retries": 0,
            "config": {"instance_id": instance_id, "endpoint": "slow", "retries": 0,
                       "variables": {"delay": str(delay)}}}


def make_flow(company, definition: dict, name: str | None = None):
    return factories.flow(company, name=name, definition=definition)


def reload(run: Run) -> Run:
    db.session.expire_all()
    return db.session.get(Run, run.id)
