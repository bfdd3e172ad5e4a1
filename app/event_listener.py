"""The event listener's consumers: one per listening flow, their brokers, and the messages they turn into runs."""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pika
import pika.exceptions

from app.connectors.protocols import amqp
from app.connectors.protocols.base import ProtocolError
from app.event_bindings import Binding, event_config, listening_flows, run_payload
from app.extensions import db, get_redis
from app.flows.models import Flow
from app.runs import services as run_services

log = logging.getLogger("app.events")  # the listener process logs under one name

RELOAD_SECONDS = 10.0
MAX_BACKOFF = 60.0
SEEN_TTL = 86_400
_BROKER_ERRORS = (pika.exceptions.AMQPError, OSError)


@dataclass
class _Consumer:
    binding: Binding
    channel: Any
    tag: str
    pending: list = field(default_factory=list)  # (method, properties, body)
    first_at: float = 0.0


@dataclass
class _Broker:
    url: str
    tls_verify: bool = True
    connection: Any = None
    retry_at: float = 0.0
    delay: float = 0.0

    def back_off(self, now: float) -> None:
        """Wait longer before the next attempt: 1 s doubling to MAX_BACKOFF, jittered so listeners spread out."""
        self.delay = min(MAX_BACKOFF, self.delay * 2 if self.delay else 1.0)
        self.retry_at = now + self.delay * random.uniform(0.8, 1.2)

    def disconnect(self) -> None:
        try:
            if self.connection is not None and self.connection.is_open:
                self.connection.close()
        except _BROKER_ERRORS:
            pass
        self.connection = None


class Listener:
    """Consumers for the listening flows. Call ``reload()`` then ``poll()`` in a loop; ``close()`` at the end.

    Runs inside an app context; single-threaded (pika's BlockingConnection is not thread-safe).
    """

    def __init__(self, reload_seconds: float = RELOAD_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.reload_seconds = reload_seconds
        self.clock = clock
        self.brokers: dict[tuple[str, bool], _Broker] = {}  # by Binding.broker
        self.consumers: dict[int, _Consumer] = {}
        self.paused_until: dict[int, float] = {}  # flow id -> time: after a failure to start a run
        self.last_reload = float("-inf")
        self.last_message = clock()
        self.stats = {"messages": 0, "runs": 0, "rejected": 0, "requeued": 0, "duplicates": 0}

    # -- the set of flows -------------------------------------------------------------------------------

    def reload(self) -> None:
        self.last_reload = self.clock()
        try:
            wanted = listening_flows()
        finally:
            db.session.remove()
        for flow_id, consumer in list(self.consumers.items()):
            if wanted.get(flow_id) != consumer.binding or not self._alive(consumer):
                self._stop(flow_id, requeue=True)
        now = self.clock()
        for flow_id, binding in wanted.items():
            if flow_id in self.consumers or self.paused_until.get(flow_id, 0) > now:
                continue
            self._start(binding)
        in_use = {b.broker for b in wanted.values()}
        for key in [k for k in self.brokers if k not in in_use]:
            self._drop_broker(key)

    @staticmethod
    def _alive(consumer: _Consumer) -> bool:
        channel = consumer.channel
        return channel.is_open and consumer.tag in channel.consumer_tags

    def _connection(self, binding: Binding):
        broker = self.brokers.setdefault(binding.broker, _Broker(binding.url, binding.tls_verify))
        if broker.connection is not None and broker.connection.is_open:
            return broker.connection
        if self.clock() < broker.retry_at:
            return None
        try:
            broker.connection = amqp.connect(amqp.parameters({"url": broker.url, "heartbeat": 30, "timeout": 10,
                                                              "tls_verify": broker.tls_verify}))
        except ProtocolError as exc:
            broker.connection = None
            broker.back_off(self.clock())
            log.warning("%s; retrying in %.0f s", exc, broker.delay)
            return None
        if broker.delay:
            log.info("reconnected to %s", amqp.redact(broker.url))
        broker.delay = 0.0
        return broker.connection

    def _start(self, binding: Binding) -> None:
        connection = self._connection(binding)
        if connection is None:
            return
        try:
            channel = connection.channel()
            channel.basic_qos(prefetch_count=binding.prefetch)
            if binding.declare:
                channel.queue_declare(queue=binding.queue, durable=True)
            consumer = _Consumer(binding=binding, channel=channel, tag="")
            consumer.tag = channel.basic_consume(
                binding.queue, lambda ch, method, props, body: self._on_message(consumer, method, props, body),
                auto_ack=False)
        except pika.exceptions.ChannelClosedByBroker as exc:
            log.error("flow %s: cannot consume from queue '%s' on %s: %s; trying again in %.0f s", binding.flow_id,
                      binding.queue, amqp.redact(binding.url), exc.reply_text, self.reload_seconds)
            self.paused_until[binding.flow_id] = self.clock() + self.reload_seconds
            return
        except _BROKER_ERRORS as exc:
            self._broker_lost(binding.broker, exc)
            return
        self.consumers[binding.flow_id] = consumer
        log.info("flow %s listening on queue '%s' at %s", binding.flow_id, binding.queue, amqp.redact(binding.url))

    def _stop(self, flow_id: int, *, requeue: bool) -> None:
        consumer = self.consumers.pop(flow_id, None)
        if consumer is None:
            return
        try:
            if consumer.channel.is_open:
                if consumer.pending and requeue:
                    consumer.channel.basic_nack(delivery_tag=consumer.pending[-1][0].delivery_tag, multiple=True,
                                                requeue=True)
                    self.stats["requeued"] += len(consumer.pending)
                consumer.channel.close()  # anything still unacknowledged goes back to the queue
        except _BROKER_ERRORS:
            pass
        consumer.pending = []

    def _broker_lost(self, key: tuple[str, bool], exc: BaseException) -> None:
        broker = self.brokers.get(key)
        log.warning("lost the broker %s (%s: %s); unacknowledged messages return to the queue",
                    amqp.redact(key[0]), type(exc).__name__, exc)
        for flow_id in [f for f, c in self.consumers.items() if c.binding.broker == key]:
            self.consumers.pop(flow_id).pending = []
        if broker is not None:
            broker.disconnect()
            broker.back_off(self.clock())

    def _drop_broker(self, key: tuple[str, bool]) -> None:
        self.brokers.pop(key).disconnect()

    # -- messages --------------------------------------------------------------------------------------

    def _on_message(self, consumer: _Consumer, method, properties, body: bytes) -> None:
        if self.consumers.get(consumer.binding.flow_id) is not consumer:
            return  # stopped meanwhile: its channel is closing, so the broker requeues the message
        self.stats["messages"] += 1
        self.last_message = self.clock()
        if not consumer.pending:
            consumer.first_at = self.clock()
        consumer.pending.append((method, properties, body))
        if len(consumer.pending) >= consumer.binding.batch_size:
            self._dispatch(consumer)

    def _flush_due(self, force: bool = False) -> None:
        now = self.clock()
        for consumer in list(self.consumers.values()):
            if consumer.pending and (force or now - consumer.first_at >= consumer.binding.batch_wait):
                self._dispatch(consumer)

    def _dispatch(self, consumer: _Consumer) -> None:
        batch, consumer.pending = consumer.pending, []
        binding, channel = consumer.binding, consumer.channel
        try:
            batch = self._skip_duplicates(binding, channel, batch)
            if not batch:
                return
            run = None
            try:
                flow = db.session.get(Flow, binding.flow_id)  # by id from our own scan: cross-tenant by nature
                listening = (flow is not None and flow.enabled and flow.deployed is not None
                             and event_config(flow.deployed.trigger) is not None)
                if listening:
                    text, fmt = run_payload(batch, binding.batch_size)
                    run = run_services.start_run(flow, trigger="event", payload=text, fmt=fmt)
            except run_services.RunError as exc:
                log.error("flow %s: %d message(s) rejected: %s", binding.flow_id, len(batch), exc)
                for method, _, _ in batch:
                    channel.basic_reject(delivery_tag=method.delivery_tag, requeue=False)
                self.stats["rejected"] += len(batch)
                return
            except Exception:
                db.session.rollback()
                log.exception("flow %s: could not start a run; messages go back to the queue", binding.flow_id)
                self._give_back(binding, channel, batch)
                # Pause the flow so that a database outage does not spin through redeliveries.
                self.paused_until[binding.flow_id] = self.clock() + self.reload_seconds
                return
            if run is None:
                log.info("flow %s is no longer listening; %d message(s) go back to the queue",
                         binding.flow_id, len(batch))
                self._give_back(binding, channel, batch)
                self.last_reload = float("-inf")  # pick up whatever changed on the next poll
                return
            # The run row and its input are committed: now the broker may forget the messages.
            self.stats["runs"] += 1
            self._remember(binding, batch)
            self._meter(binding, len(batch))
            for method, _, _ in batch:
                channel.basic_ack(delivery_tag=method.delivery_tag)
            log.info("flow %s: run %s started from %d message(s)", binding.flow_id, run.id, len(batch))
        finally:
            db.session.remove()

    def _give_back(self, binding: Binding, channel, batch: list) -> None:
        """Requeue the batch and stop consuming for the flow (else the broker hands the messages straight
        back to us)."""
        channel.basic_nack(delivery_tag=batch[-1][0].delivery_tag, multiple=True, requeue=True)
        self.stats["requeued"] += len(batch)
        self._stop(binding.flow_id, requeue=True)

    @staticmethod
    def _seen_key(binding: Binding, message_id: str) -> str:
        return f"weft:events:seen:{binding.flow_id}:{message_id}"

    def _skip_duplicates(self, binding: Binding, channel, batch: list) -> list:
        """Acknowledge redelivered messages that already started a run (the ack was lost before)."""
        suspects = [m for m in batch if m[0].redelivered and getattr(m[1], "message_id", None)]
        if not suspects:
            return batch
        try:
            redis = get_redis()
            seen = {m[1].message_id for m in suspects if redis.exists(self._seen_key(binding, m[1].message_id))}
        except Exception:
            log.warning("could not check for duplicate messages", exc_info=True)
            return batch
        keep = []
        for message in batch:
            if message[0].redelivered and getattr(message[1], "message_id", None) in seen:
                channel.basic_ack(delivery_tag=message[0].delivery_tag)
                self.stats["duplicates"] += 1
            else:
                keep.append(message)
        return keep

    def _remember(self, binding: Binding, batch: list) -> None:
        ids = [p.message_id for _, p, _ in batch if getattr(p, "message_id", None)]
        if not ids:
            return
        try:
            pipe = get_redis().pipeline()
            for message_id in ids:
                pipe.set(self._seen_key(binding, message_id), 1, ex=SEEN_TTL)
            pipe.execute()
        except Exception:
            log.warning("could not remember message ids", exc_info=True)

    @staticmethod
    def _meter(binding: Binding, count: int) -> None:
        try:
            for _ in range(count):
                run_services.count_operation(binding.company_id, binding.flow_id, "event")
        except Exception:
            log.warning("could not count event operations for flow %s", binding.flow_id, exc_info=True)

    # -- the loop --------------------------------------------------------------------------------------

    def poll(self, seconds: float) -> None:
        """Deliver messages for up to ``seconds``, flush batches whose wait is over, reload when due."""
        if self.clock() - self.last_reload >= self.reload_seconds:
            self.reload()
        connections = [(key, b.connection) for key, b in self.brokers.items()
                       if b.connection is not None and b.connection.is_open]
        if not connections:
            time.sleep(seconds)
        else:
            share = max(0.01, seconds / len(connections))
            for key, connection in connections:
                try:
                    connection.process_data_events(time_limit=share)
                except _BROKER_ERRORS as exc:
                    self._broker_lost(key, exc)
        try:
            self._flush_due()
        except _BROKER_ERRORS as exc:
            log.warning("acknowledging failed: %s", exc)
        now = self.clock()
        if any(b.connection is None and now >= b.retry_at for b in self.brokers.values()):
            self.last_reload = float("-inf")  # a broker is due for a reconnect: reload on the next poll

    def close(self) -> None:
        """Start runs for partial batches, then close every connection (unacknowledged messages requeue)."""
        try:
            self._flush_due(force=True)
        except _BROKER_ERRORS:
            pass
        for flow_id in list(self.consumers):
            self._stop(flow_id, requeue=True)
        for key in list(self.brokers):
            self._drop_broker(key)

    def run(self, max_seconds: float | None = None, idle_seconds: float | None = None,
            should_stop: Callable[[], bool] = lambda: False) -> dict:
        started = self.clock()
        self.last_message = started
        while not should_stop():
            now = self.clock()
            if max_seconds is not None and now - started >= max_seconds:
                break
            if idle_seconds is not None and now - self.last_message >= idle_seconds and not any(
                    c.pending for c in self.consumers.values()):
                break
            self.poll(0.2)
        return dict(self.stats)
