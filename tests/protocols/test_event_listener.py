"""The event listener against the machine's RabbitMQ: one run per message (or batch), acked after commit."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pika
import pytest

from app import event_bindings, events
from app.extensions import db
from app.runs import logbook
from app.runs.models import Run
from tests import factories
from tests.protocols.conftest import AMQP_URL
from tests.protocols.servers import TcpProxy, queue_depth


def event_flow(company, queue: str, url: str = AMQP_URL, **config):
    definition = {
        "trigger": {"type": "event", "config": {"url": url, "queue": queue, "batch_size": 1, "prefetch": 10,
                                                **config}},
        "steps": [{"id": "m", "type": "map", "version": 1,
                   "config": {"rules": [{"source": "id", "target": "order_id"}]}}],
    }
    return factories.flow(company, definition=definition)


def publish(channel, queue: str, *bodies: bytes, content_type: str | None = "application/json", **props):
    for body in bodies:
        channel.basic_publish("", queue, body, pika.BasicProperties(content_type=content_type, delivery_mode=2,
                                                                    **props))


def run_inputs(company_id: int) -> list[bytes]:
    runs = db.session.query(Run).order_by(Run.id).all()
    return [logbook.store().get(company_id, r.input_ref) for r in runs]


def test_one_run_per_message_acked_after_commit(app, ctx, worker, queue, amqp_channel):
    company = factories.company()
    flow = event_flow(company, queue)
    bodies = [b'{"id": 1}', b'{"id": 2}', b'{"id": 3}']
    publish(amqp_channel, queue, *bodies)

    stats = events.run_once(app, max_seconds=10, idle_seconds=0.5)

    assert stats["messages"] == 3 and stats["runs"] == 3
    assert queue_depth(amqp_channel, queue) == 0  # acknowledged
    runs = db.session.query(Run).order_by(Run.id).all()
    assert [(r.flow_id, r.trigger, r.status) for r in runs] == [(flow.id, "event", "queued")] * 3
    assert run_inputs(company.id) == bodies
    assert all(r.input_ref.endswith(".json") for r in runs)
    worker.work()
    db.session.expire_all()
    assert [r.status for r in db.session.query(Run).order_by(Run.id)] == ["success"] * 3


def test_a_batch_becomes_one_run_with_a_json_array(app, ctx, worker, queue, amqp_channel):
    company = factories.company()
    event_flow(company, queue, batch_size=3, batch_wait_seconds=0.3)
    publish(amqp_channel, queue, b'{"id": 1}', b'{"id": 2}', b'{"id": 3}', b'{"id": 4}')
    publish(amqp_channel, queue, b"plain", content_type="text/plain")

    stats = events.run_once(app, max_seconds=10, idle_seconds=1.0)

    assert stats["runs"] == 2  # a full batch of 3, then the last 2 once batch_wait_seconds passed
    inputs = [json.loads(body) for body in run_inputs(company.id)]
    assert inputs == [[{"id": 1}, {"id": 2}, {"id": 3}], [{"id": 4}, "plain"]]
    assert queue_depth(amqp_channel, queue) == 0
    worker.work()
    db.session.expire_all()
    assert {r.status for r in db.session.query(Run)} == {"success"}


def test_a_disabled_flow_consumes_nothing(app, ctx, queue, amqp_channel):
    company = factories.company()
    flow = event_flow(company, queue)
    flow.enabled = False
    db.session.commit()
    publish(amqp_channel, queue, b'{"id": 1}', b'{"id": 2}')

    stats = events.run_once(app, max_seconds=1.5)

    assert stats["messages"] == 0
    assert db.session.query(Run).count() == 0
    assert queue_depth(amqp_channel, queue) == 2


def test_disabling_takes_effect_without_a_restart(app, ctx, queue, amqp_channel):
    company = factories.company()
    flow = event_flow(company, queue)
    with app.app_context():
        listener = events.Listener(reload_seconds=60)
        listener.reload()
        assert set(listener.consumers) == {flow.id}
        # disabled between reloads: the message goes back to the queue and the consumer stops
        db.session.get(type(flow), flow.id).enabled = False
        db.session.commit()
        publish(amqp_channel, queue, b'{"id": 1}')
        deadline = time.monotonic() + 5
        while listener.stats["requeued"] == 0 and time.monotonic() < deadline:
            listener.poll(0.2)
        listener.poll(0.2)  # the forced reload
        assert listener.consumers == {}
        listener.close()
    assert db.session.query(Run).count() == 0
    assert queue_depth(amqp_channel, queue) == 1


def test_a_message_too_big_for_a_run_is_rejected_not_requeued(app, ctx, queue, amqp_channel):
    company = factories.company()
    event_flow(company, queue)
    publish(amqp_channel, queue, json.dumps({"id": 1, "text": "x" * 100_001}).encode(), b'{"id": 2}')

    stats = events.run_once(app, max_seconds=10, idle_seconds=0.5)

    assert (stats["rejected"], stats["runs"]) == (1, 1)
    assert queue_depth(amqp_channel, queue) == 0


def test_invalid_trigger_config_is_skipped(ctx):
    with pytest.raises(ValueError, match="amqp://"):
        event_bindings.parse_trigger(1, 1, {"type": "event", "config": {"url": "http://x", "queue": "q"}})
    binding = event_bindings.parse_trigger(1, 1, {"type": "event", "config": {"url": "amqp://h", "queue": "q",
                                                                              "batch_size": 50, "prefetch": 10}})
    assert binding.prefetch == 50  # a batch must fit in the prefetch window


def _rabbit_instance(company, name="Broker", **values):
    from app.connectors import services as connector_services

    connector = next((c for c in connector_services.installed_connectors(company.id) if c.key == "rabbitmq"),
                     None) or connector_services.install_connector(company, "rabbitmq")
    return connector_services.add_instance(connector, name, "user-pass", {
        "host": "127.0.0.1", "port": "5672", "tls": "false", "username": "guest", "password": "guest", **values})


def test_an_instance_trigger_resolves_the_instances_credentials_when_listening(ctx):
    company = factories.company()
    instance = _rabbit_instance(company, username="we ft@x", password="p:ss/w", virtual_host="orders")
    trigger = {"type": "schedule", "config": {"schedules": [{"kind": "minutes", "every": 5}],
                                              "instance_id": instance.id, "queue": "q", "declare": True}}
    binding = event_bindings.parse_trigger(1, company.id, trigger)
    assert binding.url == "amqp://we%20ft%40x:p%3Ass%2Fw@127.0.0.1:5672/orders"  # decrypted only here
    assert (binding.queue, binding.declare, binding.instance_id, binding.tls_verify) == ("q", True, instance.id, True)

    stranger = factories.company()
    with pytest.raises(ValueError, match="no longer exists"):  # another company's instance is never used
        event_bindings.parse_trigger(1, stranger.id, trigger)
    from app.connectors import services as connector_services

    shop = connector_services.add_instance(connector_services.install_connector(company, "shopify"), "Shop", "token",
                                           {"store_name": "acme", "token": "shpat_x"})
    with pytest.raises(ValueError, match="not a message-queue"):
        event_bindings.parse_trigger(1, company.id, {"type": "event", "config": {"instance_id": shop.id,
                                                                                 "queue": "q"}})


def test_an_instance_trigger_listens_with_the_instances_login(app, ctx, queue, amqp_channel):
    company = factories.company()
    good, bad = _rabbit_instance(company), _rabbit_instance(company, "Wrong password", password="wrong")
    flow = factories.flow(company, definition={
        "trigger": {"type": "event", "config": {"instance_id": good.id, "queue": queue}},
        "steps": [{"id": "m", "type": "map", "version": 1, "config": {"rules": [{"source": "id", "target": "o"}]}}]})
    publish(amqp_channel, queue, b'{"id": 1}')
    assert events.run_once(app, max_seconds=10, idle_seconds=0.5)["runs"] == 1
    assert run_inputs(company.id) == [b'{"id": 1}']

    # The same flow pointed at an instance whose password is wrong cannot log in: it consumes nothing.
    version = db.session.get(type(flow), flow.id).deployed
    version.definition = {**version.definition, "trigger": {"type": "event", "config": {"instance_id": bad.id,
                                                                                         "queue": queue}}}
    db.session.commit()
    publish(amqp_channel, queue, b'{"id": 2}')
    assert events.run_once(app, max_seconds=1.5)["messages"] == 0
    assert queue_depth(amqp_channel, queue) == 1


def test_survives_a_broker_restart(app, ctx, worker, queue, amqp_channel):
    proxy = TcpProxy(("127.0.0.1", 5672))
    try:
        company = factories.company()
        event_flow(company, queue, url=f"amqp://guest:guest@127.0.0.1:{proxy.port}/%2F")
        with app.app_context():
            listener = events.Listener(reload_seconds=60)

            def poll_until(condition, seconds=60):  # generous: a loaded CI machine is slow to notice a drop
                deadline = time.monotonic() + seconds
                while not condition() and time.monotonic() < deadline:
                    listener.poll(0.2)
                assert condition()

            listener.reload()
            # Message ids let the listener recognise message 1 if its ack was lost in the drop and it comes back.
            publish(amqp_channel, queue, b'{"id": 1}', message_id="r-1")
            poll_until(lambda: listener.stats["runs"] == 1)

            proxy.down()  # the broker "restarts": the connection is lost, and nothing answers for a while
            poll_until(lambda: not listener.consumers)
            publish(amqp_channel, queue, b'{"id": 2}', message_id="r-2")
            broker = next(iter(listener.brokers.values()))
            poll_until(lambda: broker.delay >= 2)  # reconnecting failed at least once: backing off
            assert listener.stats["runs"] == 1
            proxy.up()
            # Reconnecting waits out the current backoff (up to 60 s on a slow, busy machine).
            poll_until(lambda: listener.stats["runs"] >= 2, seconds=90)  # reconnected, consumed again
            listener.poll(1.0)  # a redelivered message 1 would arrive alongside message 2
            listener.close()
        assert run_inputs(company.id) == [b'{"id": 1}', b'{"id": 2}']
        assert queue_depth(amqp_channel, queue) == 0
    finally:
        proxy.close()


def test_a_redelivered_message_that_already_started_a_run_is_not_run_twice(app, ctx, queue, amqp_channel):
    company = factories.company()
    event_flow(company, queue)
    publish(amqp_channel, queue, b'{"id": 1}', message_id="m-1")
    assert events.run_once(app, max_seconds=10, idle_seconds=0.5)["runs"] == 1
    # The same message again, delivered once and not acknowledged (as if the ack was lost), so the broker
    # redelivers it with the redelivered flag.
    publish(amqp_channel, queue, b'{"id": 1}', message_id="m-1")
    publish(amqp_channel, queue, b'{"id": 2}', message_id="m-2")
    other = amqp_channel.connection.channel()
    assert other.basic_get(queue, auto_ack=False)[0] is not None
    other.close()

    stats = events.run_once(app, max_seconds=10, idle_seconds=0.5)

    assert (stats["duplicates"], stats["runs"]) == (1, 1)
    assert run_inputs(company.id) == [b'{"id": 1}', b'{"id": 2}']
    assert queue_depth(amqp_channel, queue) == 0


def test_each_event_counts_an_operation_when_metering_exists(app, ctx, queue, amqp_channel, monkeypatch):
    from app.runs import services

    counted = []
    monkeypatch.setattr(services, "count_operation", lambda *args: counted.append(args), raising=False)
    company = factories.company()
    flow = event_flow(company, queue, batch_size=2, batch_wait_seconds=0.2)
    publish(amqp_channel, queue, b'{"id": 1}', b'{"id": 2}', b'{"id": 3}')

    assert events.run_once(app, max_seconds=10, idle_seconds=0.8)["runs"] == 2
    assert counted == [(company.id, flow.id, "event")] * 3


def test_the_events_command_runs_until_sigterm(app, database_url, redis_server, tmp_path):
    """The real process: `flask events` starts, listens and stops cleanly on SIGTERM."""
    script = (
        "import logging, sys\n"
        "from app import create_app\n"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': {database_url!r}, 'REDIS_URL': {redis_server!r},"
        f" 'INSTANCE_PATH': {str(tmp_path)!r}}})\n"
        "sys.exit(app.cli.main(['events', '--reload-seconds', '1'], standalone_mode=False) or 0)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).parents[2],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        # Signal only once it says it listens: a busy machine can take seconds to import the app.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("event listener started" in line for line in lines):
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=15)
        output = "".join(lines) + rest
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "event listener started" in output and "event listener stopped" in output
