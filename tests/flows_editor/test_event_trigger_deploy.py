"""Deploying a flow whose event listener names a connector instance that is gone, belongs to another company or
is not a message-queue (AMQP) connection is refused with a clear problem: otherwise the listener would skip the
flow quietly and no message would ever start a run."""
from __future__ import annotations

from app.companies.models import Company
from app.connectors import services as connector_services
from app.connectors.models import Instance
from app.extensions import db
from tests import factories
from tests.flows_editor.conftest import HX, html, revision_of

STEPS = [{"id": "p", "type": "manual_payload", "version": 1, "config": {"body": "{}"}}]


def _event(instance_id) -> dict:
    return {"trigger": {"type": "event", "config": {"instance_id": instance_id, "queue": "orders", "batch_size": 1}},
            "steps": STEPS}


def _instance(app, company_id: int, key: str, name: str) -> int:
    with app.app_context():
        company = db.session.get(Company, company_id)
        connector = connector_services.install_connector(company, key)
        if key == "shopify":
            values, method = {"store_name": "acme", "token": "shpat_x"}, "token"
        else:
            values, method = {"host": "127.0.0.1", "port": "5672", "username": "weft", "password": "pw"}, "user-pass"
        return connector_services.add_instance(connector, name, method, values).id


def _deploy_check(client, flow_id: int) -> str:
    return html(client.get(f"/flows/{flow_id}/deploy", headers=HX))


def test_an_event_trigger_on_a_message_queue_instance_deploys(app, client, login, make_flow):
    me = login("manager")
    broker = _instance(app, me["company_id"], "rabbitmq", "Broker")
    flow_id = make_flow(me["company_id"], definition=_event(broker), deploy=False)

    text = _deploy_check(client, flow_id)
    assert "Event trigger" not in text
    assert 'id="confirm-deploy"' in text


def test_an_event_trigger_on_a_removed_instance_is_a_deploy_problem(app, client, login, make_flow):
    me = login("manager")
    broker = _instance(app, me["company_id"], "rabbitmq", "Broker")
    flow_id = make_flow(me["company_id"], definition=_event(broker), deploy=False)
    with app.app_context():
        connector_services.remove_instance(db.session.get(Instance, broker))

    text = _deploy_check(client, flow_id)
    assert f"Event trigger: connector instance {broker} does not exist (was it removed?)" in text
    assert 'id="confirm-deploy"' not in text
    rev = revision_of(html(client.get(f"/flows/{flow_id}")))
    refused = client.post(f"/flows/{flow_id}/deploy", headers=HX, data={"revision": rev})
    assert refused.status_code == 422 and f"connector instance {broker} does not exist" in html(refused)


def test_another_companys_broker_is_not_this_companys_instance(app, client, login, make_flow):
    me = login("manager")
    with app.app_context():
        other_id = factories.company("Other Co").id
    theirs = _instance(app, other_id, "rabbitmq", "Their broker")
    flow_id = make_flow(me["company_id"], definition=_event(theirs), deploy=False)

    text = _deploy_check(client, flow_id)
    assert f"Event trigger: connector instance {theirs} does not exist" in text
    assert "Their broker" not in text


def test_an_event_trigger_on_an_http_instance_is_a_deploy_problem(app, client, login, make_flow):
    me = login("manager")
    shop = _instance(app, me["company_id"], "shopify", "Shop")
    flow_id = make_flow(me["company_id"], definition=_event(shop), deploy=False)

    text = _deploy_check(client, flow_id)
    assert "Event trigger: connector instance ‘Shop’ is not a message-queue (AMQP) connection" in text
    assert 'id="confirm-deploy"' not in text
