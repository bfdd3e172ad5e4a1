"""The trigger panel's event listener: a message-queue connector instance, a queue and batching, kept on the
draft beside the schedules; validation, tenancy, secrets, and the instance it holds on to."""
from __future__ import annotations

import json
import re

import pytest

from app.companies.models import Company
from app.connectors import services as connector_services
from app.connectors.models import Instance
from app.extensions import db
from app.flows.models import Flow
from tests import factories

HX = {"HX-Request": "true"}
STEP = {"id": "p", "type": "manual_payload", "version": 1, "config": {"body": "{}"}}
HOURLY_ITEM = {"kind": "hourly", "every": 1, "minute": 15}
HOURLY = {"trigger": {"type": "schedule", "config": {"schedules": [HOURLY_ITEM]}}, "steps": [STEP]}
PASSWORD = "pa55-Wh1sper-7q"


def make_flow(app, company_id, definition=HOURLY) -> int:
    with app.app_context():
        return factories.flow(db.session.get(Company, company_id), definition=definition).id


def make_instance(app, company_id, name="Broker", password=PASSWORD, connector_key="rabbitmq") -> int:
    with app.app_context():
        company = db.session.get(Company, company_id)
        connector = next((c for c in connector_services.installed_connectors(company_id) if c.key == connector_key),
                         None) or connector_services.install_connector(company, connector_key)
        values = {"host": "127.0.0.1", "port": "5672", "username": "weft", "password": password}
        if connector_key == "shopify":
            values, method = {"store_name": "acme", "token": "shpat_x"}, "token"
        else:
            method = "user-pass"
        return connector_services.add_instance(connector, name, method, values).id


def drafts_trigger(app, flow_id) -> dict:
    with app.app_context():
        return db.session.get(Flow, flow_id).draft.definition["trigger"]


def definitions(app, flow_id) -> str:
    with app.app_context():
        return json.dumps([v.definition for v in db.session.get(Flow, flow_id).versions])


def form(instance_id, queue="orders", **fields) -> dict:
    data = {"event-instance_id": str(instance_id), "event-queue": queue, "event-batch_size": "1",
            "event-batch_wait_seconds": "1", "event-prefetch": "10"}
    data.update({f"event-{k}": v for k, v in fields.items()})
    return {k: v for k, v in data.items() if v is not None}


def html(response) -> str:
    return response.get_data(as_text=True)


# --- adding and changing -----------------------------------------------------------------------------------

def test_set_up_an_event_listener_on_the_draft_beside_its_schedules(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"])
    instance_id = make_instance(app, me["company_id"])
    page = html(client.get(f"/flows/{flow_id}"))
    assert 'id="trigger-event"' in page and "No event listener." in page
    assert f'<option value="{instance_id}">RabbitMQ · Broker</option>' in page
    assert PASSWORD not in page

    response = client.post(f"/flows/{flow_id}/triggers/event", headers=HX,
                           data=form(instance_id, "orders.in", declare="y"))

    assert response.status_code == 200
    fragment = html(response)
    assert fragment.lstrip().startswith('<section id="trigger-event"')
    assert "RabbitMQ · Broker" in fragment and "<code>orders.in</code>" in fragment
    assert "(declared if missing)" in fragment and "One run per message" in fragment
    assert 'id="deployed-event"' in fragment  # the deployed version has none: it is not in effect yet
    assert drafts_trigger(app, flow_id) == {"type": "schedule", "config": {
        "schedules": [HOURLY_ITEM], "instance_id": instance_id, "queue": "orders.in", "declare": True,
        "batch_size": 1, "batch_wait_seconds": 1.0, "prefetch": 10}}
    with app.app_context():
        assert db.session.get(Flow, flow_id).deployed.definition == HOURLY
    stored = definitions(app, flow_id)
    assert PASSWORD not in stored and "weft" not in stored  # only the instance's id, never its credentials
    assert PASSWORD not in fragment


def test_change_the_event_listener_and_the_form_shows_the_current_values(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"])
    first = make_instance(app, me["company_id"], "Broker A")
    second = make_instance(app, me["company_id"], "Broker B")
    client.post(f"/flows/{flow_id}/triggers/event", headers=HX, data=form(first))

    changed = client.post(f"/flows/{flow_id}/triggers/event", headers=HX, data=form(
        second, "stock", batch_size="50", batch_wait_seconds="2.5", prefetch="100"))

    assert changed.status_code == 200
    assert "One run per batch of up to 50 messages, waiting up to 2.5 s" in html(changed)
    config = drafts_trigger(app, flow_id)["config"]
    assert (config["instance_id"], config["queue"], config["batch_size"], config["batch_wait_seconds"],
            config["prefetch"], config["declare"]) == (second, "stock", 50, 2.5, 100, False)
    page = html(client.get(f"/flows/{flow_id}"))
    assert f'<option selected value="{second}">' in page
    assert re.search(r'<input[^>]*name="event-batch_size"[^>]*value="50"', page)
    assert re.search(r'<input[^>]*name="event-queue"[^>]*value="stock"', page)
    assert "Change event listener" in page


@pytest.mark.parametrize("fields,message", [
    ({"queue": "  "}, "Give the name of the queue to listen on."),
    ({"queue": "q" * 256}, "A queue name can be at most 255 bytes long."),
    ({"queue": "amq.orders", "declare": "y"}, "reserved by the broker"),
    ({"batch_size": "0"}, "Batch size must be a whole number from 1 to 1000."),
    ({"batch_size": "1001", "prefetch": "2000"}, "Batch size must be a whole number from 1 to 1000."),
    ({"batch_size": "ten"}, "Not a valid integer value."),
    ({"batch_wait_seconds": "0"}, "Batch wait must be from 0.05 to 300 seconds."),
    ({"prefetch": ""}, "Give a prefetch count."),
    ({"batch_size": "20", "prefetch": "5"}, "Prefetch must be at least the batch size (20)"),
    ({"instance_id": ""}, "Choose one of this company"),
    ({"instance_id": "99999"}, "Choose one of this company"),
])
def test_an_invalid_event_listener_is_refused_with_its_message_and_422(app, client, login, fields, message):
    me = login("user")
    flow_id = make_flow(app, me["company_id"])
    instance_id = make_instance(app, me["company_id"])
    data = form(instance_id)
    data.update({f"event-{k}": v for k, v in fields.items()})
    data = {k: v for k, v in data.items() if k != "event-declare" or "declare" in fields}

    response = client.post(f"/flows/{flow_id}/triggers/event", headers=HX, data=data)

    assert response.status_code == 422
    fragment = html(response)
    assert 'id="event-form"' in fragment and message in fragment
    assert drafts_trigger(app, flow_id) == HOURLY["trigger"]  # nothing saved


def test_a_non_amqp_instance_is_not_offered_nor_accepted(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"])
    make_instance(app, me["company_id"])
    shop = make_instance(app, me["company_id"], "Shop", connector_key="shopify")
    assert f'<option value="{shop}"' not in html(client.get(f"/flows/{flow_id}"))
    response = client.post(f"/flows/{flow_id}/triggers/event", headers=HX, data=form(shop))
    assert response.status_code == 422 and "Choose one of this company" in html(response)
    assert drafts_trigger(app, flow_id) == HOURLY["trigger"]


def test_without_an_amqp_instance_the_panel_says_how_to_get_one(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"])
    page = html(client.get(f"/flows/{flow_id}"))
    assert 'id="no-amqp-instances"' in page and 'href="/connectors/"' in page
    assert 'id="event-form"' not in page


# --- living with the schedules -----------------------------------------------------------------------------

def test_schedules_and_the_event_listener_never_drop_each_other(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"])
    instance_id = make_instance(app, me["company_id"])
    client.post(f"/flows/{flow_id}/triggers/event", headers=HX, data=form(instance_id))

    added = client.post(f"/flows/{flow_id}/triggers/schedules", headers=HX,
                        data={"schedule-kind": "minutes", "schedule-every": "30"})
    assert added.status_code == 200
    trigger = drafts_trigger(app, flow_id)
    assert trigger["type"] == "schedule" and len(trigger["config"]["schedules"]) == 2
    assert trigger["config"]["instance_id"] == instance_id and trigger["config"]["queue"] == "orders"

    client.post(f"/flows/{flow_id}/triggers/schedules/0/delete", headers=HX, data={"cron": "15 * * * *"})
    client.post(f"/flows/{flow_id}/triggers/schedules/0/delete", headers=HX, data={"cron": "*/30 * * * *"})
    trigger = drafts_trigger(app, flow_id)
    assert trigger == {"type": "event", "config": {"instance_id": instance_id, "queue": "orders", "declare": False,
                                                   "batch_size": 1, "batch_wait_seconds": 1.0, "prefetch": 10}}

    client.post(f"/flows/{flow_id}/triggers/schedules", headers=HX,
                data={"schedule-kind": "minutes", "schedule-every": "5"})
    removed = client.post(f"/flows/{flow_id}/triggers/event/delete", headers=HX)
    assert removed.status_code == 200 and "No event listener." in html(removed)
    trigger = drafts_trigger(app, flow_id)
    assert trigger["type"] == "schedule" and [s["kind"] for s in trigger["config"]["schedules"]] == ["minutes"]
    assert "queue" not in trigger["config"] and "instance_id" not in trigger["config"]


def test_an_older_url_listener_survives_a_schedule_and_is_shown_without_its_password(app, client, login):
    me = login("user")
    legacy = {"trigger": {"type": "event", "config": {"url": f"amqp://weft:{PASSWORD}@rabbit.example:5672/%2F",
                                                      "queue": "orders", "batch_size": 1}}, "steps": [STEP]}
    flow_id = make_flow(app, me["company_id"], definition=legacy)
    make_instance(app, me["company_id"])
    page = html(client.get(f"/flows/{flow_id}"))
    assert "amqp://weft:***@rabbit.example:5672/%2F" in page and PASSWORD not in page
    assert "Its broker URL, with the password, is written into the flow definition." in page

    client.post(f"/flows/{flow_id}/triggers/schedules", headers=HX,
                data={"schedule-kind": "minutes", "schedule-every": "10"})
    config = drafts_trigger(app, flow_id)["config"]
    assert config["url"].startswith("amqp://weft:") and config["queue"] == "orders"  # not silently lost

    instance_id = make_instance(app, me["company_id"], "Rabbit")
    client.post(f"/flows/{flow_id}/triggers/event", headers=HX, data=form(instance_id))
    config = drafts_trigger(app, flow_id)["config"]
    assert "url" not in config and config["instance_id"] == instance_id and len(config["schedules"]) == 1
    with app.app_context():
        assert PASSWORD not in json.dumps(db.session.get(Flow, flow_id).draft.definition)


# --- the instance behind it --------------------------------------------------------------------------------

def test_an_instance_used_by_a_deployed_event_listener_cannot_be_removed(app, client, login):
    me = login("administrator")
    instance_id = make_instance(app, me["company_id"], "Orders broker")
    listening = {"trigger": {"type": "event", "config": {"instance_id": instance_id, "queue": "orders"}},
                 "steps": [STEP]}
    with app.app_context():
        factories.flow(db.session.get(Company, me["company_id"]), name="Orders in", definition=listening)

    refused = client.post(f"/connectors/instances/{instance_id}/remove", headers=HX)

    assert refused.status_code == 422
    assert "The instance &#39;Orders broker&#39; cannot be removed yet" in html(refused)
    assert "Orders in" in html(refused)
    with app.app_context():
        assert db.session.get(Instance, instance_id) is not None


def test_a_removed_instance_leaves_a_visible_problem_on_the_draft(app, client, login):
    me = login("administrator")
    flow_id = make_flow(app, me["company_id"])
    instance_id = make_instance(app, me["company_id"])
    client.post(f"/flows/{flow_id}/triggers/event", headers=HX, data=form(instance_id))
    # Only the draft uses it, so removing the instance is allowed; the listener then says what is wrong.
    assert client.post(f"/connectors/instances/{instance_id}/remove").status_code == 303
    page = html(client.get(f"/flows/{flow_id}"))
    assert "Its connector instance no longer exists" in page


# --- permissions and tenancy -------------------------------------------------------------------------------

def test_read_only_users_see_the_listener_but_cannot_change_it(app, client, login):
    me = login("read-only")
    instance_id = make_instance(app, me["company_id"])
    listening = {"trigger": {"type": "event", "config": {"instance_id": instance_id, "queue": "orders"}},
                 "steps": [STEP]}
    flow_id = make_flow(app, me["company_id"], definition=listening)
    page = html(client.get(f"/flows/{flow_id}"))
    assert "RabbitMQ · Broker" in page and "<code>orders</code>" in page
    assert 'id="event-form"' not in page and "Remove event listener" not in page
    assert client.post(f"/flows/{flow_id}/triggers/event", headers=HX, data=form(instance_id)).status_code == 403
    assert client.post(f"/flows/{flow_id}/triggers/event/delete", headers=HX).status_code == 403


def test_another_companys_instance_and_flow_are_refused(app, client, login):
    with app.app_context():
        stranger = factories.company("Stranger Ltd")
        stranger_id = stranger.id
    their_instance = make_instance(app, stranger_id, "Their broker")
    their_flow = make_flow(app, stranger_id)
    me = login("user")
    mine = make_flow(app, me["company_id"])
    make_instance(app, me["company_id"])

    page = html(client.get(f"/flows/{mine}"))
    assert "Their broker" not in page
    response = client.post(f"/flows/{mine}/triggers/event", headers=HX, data=form(their_instance))
    assert response.status_code == 422
    assert "Choose one of this company" in html(response)
    assert "Their broker" not in html(response)
    assert drafts_trigger(app, mine) == HOURLY["trigger"]

    assert client.post(f"/flows/{their_flow}/triggers/event", headers=HX,
                       data=form(their_instance)).status_code == 404
    assert client.post(f"/flows/{their_flow}/triggers/event/delete", headers=HX).status_code == 404
    assert drafts_trigger(app, their_flow) == HOURLY["trigger"]


def test_copying_a_flow_to_another_company_points_its_listener_at_that_companys_instance(app):
    from app.flows import copying

    with app.app_context():
        source, target, bare = (factories.company(n) for n in ("Source", "Target", "Bare"))
        ids = source.id, target.id, bare.id
    theirs = make_instance(app, ids[0], "Broker")
    ours = make_instance(app, ids[1], "Broker")
    definition = {"trigger": {"type": "event", "config": {"instance_id": theirs, "queue": "orders"}},
                  "steps": [STEP]}
    with app.app_context():
        copied = copying.rebase(definition, ids[0], ids[1])
        assert copied.definition["trigger"]["config"] == {"instance_id": ours, "queue": "orders"}
        assert copied.cleared == []
        cleared = copying.rebase(definition, ids[0], ids[2])  # no such instance there: cleared, and said so
        assert cleared.definition["trigger"]["config"] == {"queue": "orders"}
        assert cleared.cleared == ["Trigger (event listener): connector instance “Broker” of RabbitMQ"]
    assert definition["trigger"]["config"]["instance_id"] == theirs  # the source is untouched
