"""Fixtures for connector tests: the real test API, a company with an installed connector and an
instance, and a ConnectorRuntime over the test database and the embedded Redis."""
from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from app.connectors import services
from app.connectors.runtime import ConnectorRuntime
from app.extensions import db, get_redis
from app.flows import shapes
from app.flows.context import ShapeContext
from tests import factories
from tests.connectors.api_server import TestApi
from tests.servers import local_server

api_server, api = local_server(TestApi, "api")


def make_definition(base_url: str, *, auth: dict | None = None, endpoints: list | None = None,
                    variables: list | None = None, key: str = "testapi", **extra) -> dict:
    auth = auth or {"key": "none", "name": "No auth", "type": "none"}
    return {"key": key, "name": "Test API", "version": "1", "category": "other", "base_url": base_url,
            "variables": variables or [], "auth_methods": [auth], "endpoints": endpoints or [], **extra}


def endpoint(key: str, path: str, *, method: str = "GET", direction: str = "receive", **extra) -> dict:
    return {"key": key, "name": key.replace("_", " ").capitalize(), "entity": "items", "direction": direction,
            "method": method, "path": path, **extra}


class Sleeps(list):
    """A sleep() that records instead of waiting, so retry and 429 tests run instantly."""

    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))


def approve_at_provider(location: str) -> str:
    """What the browser does at an OAuth provider: approve, and follow the redirect back to Weft (a local path
    with its query)."""
    back = httpx.get(location).headers["location"]
    parts = urlsplit(back)
    return parts.path + "?" + parts.query


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def setup(ctx, api):
    """setup(auth=None, endpoints=[...], values={}, variables=[...], **instance settings) -> instance row."""

    def make(auth=None, endpoints=None, values=None, variables=None, company=None, **settings):
        company = company or factories.company()
        definition = make_definition(api.url, auth=auth, endpoints=endpoints, variables=variables)
        connector = services.create_connector(company, definition)
        method = definition["auth_methods"][0]["key"]
        return services.add_instance(connector, "Test instance", method, values or {}, **settings)

    return make


@pytest.fixture
def make_runtime(ctx, sleeps):
    made = []

    def make(company_id: int, **kwargs) -> ConnectorRuntime:
        kwargs.setdefault("retry_delay", 0.01)
        kwargs.setdefault("sleep", sleeps)
        runtime = ConnectorRuntime(company_id=company_id, redis=get_redis(), session=db.session,
                                   secret_key=ctx.config["SECRET_KEY"], **kwargs)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.close()


class Log(list):
    def __call__(self, level, message, *, bucket=None, step=None):
        self.append((level, message))

    def messages(self, level: str | None = None) -> list[str]:
        return [m for lvl, m in self if level is None or lvl == level]


class Ops:
    def __init__(self):
        self.count = 0

    def __call__(self, n: int) -> None:
        self.count += n


def run_shape(runtime, config: dict, bucket=None, flow_variables=None):
    """Execute the connector shape with a real context; returns (bucket out, operations, log)."""
    log, ops = Log(), Ops()
    ctx = ShapeContext(config=config, bucket=list(bucket or []), log=log, flow_variables=flow_variables or {},
                       company_id=runtime.company_id, connectors=runtime, operations=ops)
    out = shapes.get("connector").execute(ctx)
    return out, ops.count, log
