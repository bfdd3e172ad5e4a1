"""A worker keeps resolved connector instances between runs (app.connectors.runtime): an edit of the
instance's credentials, or of its connector, must reach the very next run on the same worker."""
from __future__ import annotations

import pytest

from app.connectors import services as connector_services
from app.connectors.models import InstalledConnector, Instance
from app.extensions import db
from app.runs import services
from app.runs.models import Run
from tests import factories
from tests.connectors import api_server

API_KEY = {"key": "key", "name": "Key", "type": "api_key", "settings": {"name": "X-Api-Key"},
           "variables": [{"key": "api_key", "label": "API key", "secret": True}]}


@pytest.fixture(scope="module")
def api():
    server = api_server.TestApi()
    yield server
    server.close()


def _run_once(app, worker, flow_id: int) -> Run:
    from app.flows.models import Flow

    run_id = services.start_run(db.session.get(Flow, flow_id), payload='{"n": 1}').id
    worker.work()
    db.session.expire_all()
    run = db.session.get(Run, run_id)
    assert run.status == "success", run.error
    return run


def _sent(api) -> list[dict]:
    return [r for r in api.state["requests"] if r["method"] == "POST"]


def test_an_edited_instance_is_used_by_the_next_run_on_the_same_worker(app, worker, api):
    api.reset()
    with app.app_context():
        company = factories.company("Cache Ltd")
        definition = {"key": "keyed", "name": "Keyed API", "version": "1", "category": "other", "base_url": api.url,
                      "variables": [], "auth_methods": [API_KEY],
                      "endpoints": [{"entity": "items", "key": "push", "name": "Push", "direction": "send",
                                     "method": "POST", "path": "/echo"}]}
        connector = connector_services.create_connector(company, definition)
        instance = connector_services.add_instance(connector, "Keyed", "key", {"api_key": "first-key"})
        flow = factories.flow(company, definition={"trigger": {"type": "manual", "config": {}}, "steps": [
            {"id": "send", "type": "connector", "version": 1,
             "config": {"instance_id": instance.id, "endpoint": "push"}}]})
        flow_id, instance_id, connector_id = flow.id, instance.id, connector.id

        _run_once(app, worker, flow_id)
        _run_once(app, worker, flow_id)  # served from the worker's cache
        assert [r["headers"].get("X-Api-Key") for r in _sent(api)] == ["first-key", "first-key"]

        connector_services.update_instance(db.session.get(Instance, instance_id), values={"api_key": "second-key"})
        _run_once(app, worker, flow_id)
        assert _sent(api)[-1]["headers"].get("X-Api-Key") == "second-key"

        # An edit of the connector (its endpoint's path) reaches the next run as well.
        edited = {**definition, "endpoints": [{**definition["endpoints"][0], "path": "/pages/graphql"}]}
        connector_services.update_connector(db.session.get(InstalledConnector, connector_id), edited)
        api.reset()
        _run_once(app, worker, flow_id)
        assert [r["path"] for r in _sent(api)] == ["/pages/graphql"]
