"""The AMQP protocol against the machine's RabbitMQ (guest/guest on 127.0.0.1:5672), own queues only."""
from __future__ import annotations

import uuid

import pika
import pytest

from app.connectors.protocols import PROTOCOLS, ProtocolError
from app.connectors.protocols.amqp import redact
from app.flows.context import Payload
from tests.protocols.conftest import AMQP_URL
from tests.protocols.servers import queue_depth

amqp = PROTOCOLS["amqp"]
SETTINGS = {"host": "127.0.0.1", "port": 5672, "timeout": 5}
GUEST = {"username": "guest", "password": "guest"}


def test_send_publishes_persistent_messages_with_a_content_type(queue, amqp_channel):
    result = amqp.send(SETTINGS, GUEST, {"queue": queue}, Payload({"id": 1}, "json"), {})
    assert result.data["routing_key"] == queue and result.data["size"] == len(b'{"id":1}')
    amqp.send(SETTINGS, GUEST, {"queue": queue, "headers": {"source": "weft"}}, Payload("<a>1</a>", "xml"), {})
    method, properties, body = amqp_channel.basic_get(queue, auto_ack=True)
    assert body == b'{"id":1}'
    assert properties.content_type == "application/json" and properties.delivery_mode == 2
    assert properties.message_id == result.data["message_id"]
    method, properties, body = amqp_channel.basic_get(queue, auto_ack=True)
    assert (body, properties.content_type, properties.headers) == (b"<a>1</a>", "application/xml", {"source": "weft"})


def test_send_through_an_exchange_and_unroutable_messages_fail(queue, amqp_channel):
    exchange = f"weft-test-x-{uuid.uuid4().hex[:8]}"
    amqp_channel.exchange_declare(exchange, exchange_type="direct", auto_delete=False)
    try:
        amqp_channel.queue_bind(queue, exchange, routing_key="orders.new")
        amqp.send({"url": AMQP_URL}, {}, {"exchange": exchange, "routing_key": "orders.new"}, Payload([1, 2]), {})
        assert queue_depth(amqp_channel, queue) == 1
        with pytest.raises(ProtocolError, match=f"could not route the message publishing to exchange '{exchange}'"):
            amqp.send(SETTINGS, GUEST, {"exchange": exchange, "routing_key": "nobody.listens"}, Payload([1]), {})
        with pytest.raises(ProtocolError, match="Not found publishing to exchange 'weft-no-such-exchange'"):
            amqp.send(SETTINGS, GUEST, {"exchange": "weft-no-such-exchange", "routing_key": "x"}, Payload([1]), {})
    finally:
        amqp_channel.exchange_delete(exchange)


def test_receive_takes_messages_and_acks_only_when_all_were_handed_on(queue, amqp_channel):
    for body, content_type in ((b'{"n": 1}', "application/json"), (b"plain words", "text/plain"),
                               (b'{"n": 3}', None), (b"not json", "application/json")):
        amqp_channel.basic_publish("", queue, body, pika.BasicProperties(content_type=content_type))

    # a step that fails after the first message: nothing is acknowledged, everything is delivered again
    receiving = amqp.receive(SETTINGS, GUEST, {"queue": queue}, {})
    assert next(receiving).data == {"n": 1}
    receiving.close()
    assert queue_depth(amqp_channel, queue) == 4

    payloads = list(amqp.receive(SETTINGS, GUEST, {"queue": queue, "max_messages": 10}, {}))
    assert [(p.format, p.data) for p in payloads] == [
        ("json", {"n": 1}), ("text", "plain words"), ("json", {"n": 3}), ("text", "not json")]
    assert payloads[0].meta["redelivered"] is True and payloads[0].meta["routing_key"] == queue
    assert "Invalid JSON" in payloads[3].meta["parse_error"]
    assert queue_depth(amqp_channel, queue) == 0  # acknowledged


def test_receive_stops_at_max_messages(queue, amqp_channel):
    for n in range(5):
        amqp_channel.basic_publish("", queue, str(n).encode())
    payloads = list(amqp.receive(SETTINGS, GUEST, {"queue": queue, "max_messages": 2}, {}))
    assert [p.data for p in payloads] == ["0", "1"]
    assert queue_depth(amqp_channel, queue) == 3


def test_errors_are_readable(amqp_channel):
    with pytest.raises(ProtocolError) as info:
        amqp.test(SETTINGS, {"username": "guest", "password": "not-the-password"})
    assert str(info.value) == ("Login to the message broker 127.0.0.1:5672 failed for user 'guest': check the "
                               "username and password.")
    with pytest.raises(ProtocolError, match="Could not connect to the message broker no-such-host.invalid:5672: "
                                            "unknown host 'no-such-host.invalid'"):
        amqp.test({"host": "no-such-host.invalid", "timeout": 3}, GUEST)
    with pytest.raises(ProtocolError, match="127.0.0.1:1: connection refused"):
        amqp.test({"url": "amqp://guest:guest@127.0.0.1:1/%2F", "timeout": 3}, {})
    with pytest.raises(ProtocolError, match="Not found reading queue 'weft-no-such-queue': no queue"):
        list(amqp.receive(SETTINGS, GUEST, {"queue": "weft-no-such-queue"}, {}))
    with pytest.raises(ProtocolError, match="must start with amqp:// or amqps://"):
        amqp.test({"url": "http://example.com"}, {})
    assert redact("amqp://user:pa55@host:5672/v") == "amqp://user:***@host:5672/v"
