"""The event listener end to end, as a user sets it up: a RabbitMQ connector instance, the trigger panel,
deploy, enable; the listener (against the machine's RabbitMQ) turns a published message into a run."""
from __future__ import annotations

import json

from app import events
from app.companies.models import Company
from app.connectors import services as connector_services
from app.connectors.models import Instance
from app.extensions import db
from app.flows.models import Flow
from app.flows.services import create_flow
from app.runs import logbook
from app.runs.models import Run
from tests.protocols.servers import queue_depth
from tests.protocols.test_event_listener import publish

HX = {"HX-Request": "true"}
DEFINITION = {"trigger": {"type": "manual", "config": {}},
              "steps": [{"id": "m", "type": "map", "version": 1,
                         "config": {"rules": [{"source": "id", "target": "order_id"}]}}]}


def test_an_event_listener_set_up_in_the_panel_starts_a_run_per_message(app, client, login, worker, queue,
                                                                        amqp_channel):
    me = login("administrator")
    with app.app_context():
        company = db.session.get(Company, me["company_id"])
        flow_id = create_flow(company, "Orders in", json.loads(json.dumps(DEFINITION))).id  # a draft, disabled
        connector = connector_services.install_connector(company, "rabbitmq")
        instance_id = connector_services.add_instance(connector, "Local broker", "user-pass", {
            "host": "127.0.0.1", "port": "5672", "virtual_host": "/", "tls": "false",
            "username": "guest", "password": "guest"}).id

    saved = client.post(f"/flows/{flow_id}/triggers/event", headers=HX, data={
        "event-instance_id": str(instance_id), "event-queue": queue, "event-batch_size": "1",
        "event-batch_wait_seconds": "1", "event-prefetch": "10"})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    with app.app_context():
        revision = db.session.get(Flow, flow_id).draft.revision
    assert client.post(f"/flows/{flow_id}/deploy", data={"revision": revision}).status_code == 303
    assert client.post(f"/flows/{flow_id}/enabled", data={"enabled": "1"}).status_code == 303
    with app.app_context():
        flow = db.session.get(Flow, flow_id)
        assert flow.enabled and flow.deployed.trigger["config"]["instance_id"] == instance_id
        assert "guest" not in json.dumps(flow.deployed.definition)  # the credentials stay on the instance

    publish(amqp_channel, queue, b'{"id": 7}', message_id="order-7")
    stats = events.run_once(app, max_seconds=15, idle_seconds=0.5)

    assert (stats["messages"], stats["runs"]) == (1, 1)
    assert queue_depth(amqp_channel, queue) == 0  # acknowledged once the run was stored
    worker.work()
    with app.app_context():
        run = db.session.query(Run).one()
        assert (run.flow_id, run.trigger, run.status) == (flow_id, "event", "success")
        assert logbook.store().get(me["company_id"], run.input_ref) == b'{"id": 7}'

    # The deployed listener holds on to its instance: removing it is refused, with the flow named.
    refused = client.post(f"/connectors/instances/{instance_id}/remove", headers=HX)
    assert refused.status_code == 422 and "Orders in" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Instance, instance_id) is not None
