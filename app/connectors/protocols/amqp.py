"""AMQP 0-9-1 message queues (RabbitMQ) via pika.

settings
    Either ``url`` (``amqp://user:pass@host:5672/vhost`` or ``amqps://…``) or ``host``, ``port`` (5672, or
    5671 with TLS), ``virtual_host`` (``/``), ``tls`` (false), ``tls_verify`` (true); plus ``timeout``
    (connect and socket, seconds, 10) and ``heartbeat`` (seconds, 60).
credentials
    ``username``, ``password`` (they override any user in the URL; RabbitMQ's default is guest/guest,
    which only works from localhost).
operation (send)
    ``queue`` (publish through the default exchange straight to this queue) or ``exchange`` plus
    ``routing_key``; ``declare_queue`` (declare ``queue`` as durable first, false); ``headers`` (object);
    ``content_type`` (default from the payload's format: application/json, application/xml, text/csv,
    text/plain). Messages are persistent (delivery mode 2) and mandatory, on a channel with publisher
    confirms, so ``send`` returns only once the broker has taken the message, and a message that no queue
    would receive is an error instead of silently dropped.
operation (receive)
    ``queue`` (required), ``max_messages`` (100, at most 10,000): takes messages until that many or
    the queue is empty. One payload per message: JSON bodies are parsed when the content type says JSON
    (or, without a content type, when the body is JSON), XML/CSV/text stay text. Meta: ``routing_key``,
    ``exchange``, ``message_id``, ``content_type``, ``headers``, ``redelivered``, ``timestamp``.

Delivery semantics (receive): at least once. Messages are acknowledged only after the step has taken
every payload (when the generator is exhausted). If the step fails or the worker dies before that, the
connection closes with the messages unacknowledged and the broker delivers them again, possibly to a
later run: a flow fed from a queue should tolerate the occasional duplicate (de-dupe on a message id).
"""
from __future__ import annotations

import socket
import ssl
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pika
import pika.exceptions

from app.connectors.protocols.base import Protocol, ProtocolError, flag
from app.flows import formats
from app.flows.context import Payload

CONTENT_TYPES = {"json": "application/json", "xml": "application/xml", "csv": "text/csv", "text": "text/plain"}
MAX_MESSAGES = 10_000


def redact(url: str) -> str:
    """The URL without its password, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def format_for(content_type: str | None, body: bytes) -> str:
    """The payload format for a message: from its content type, else detected from the body."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        return "json"
    if kind in ("application/xml", "text/xml") or kind.endswith("+xml"):
        return "xml"
    if kind == "text/csv":
        return "csv"
    if kind.startswith("text/"):
        return "text"
    return formats.detect(body)


def message_payload(body: bytes, properties: Any, method: Any = None) -> Payload:
    """One Payload for a message: JSON parsed (text if it does not parse), everything else as text."""
    content_type = getattr(properties, "content_type", None)
    fmt = format_for(content_type, body)
    meta: dict[str, Any] = {
        "content_type": content_type,
        "message_id": getattr(properties, "message_id", None),
        "headers": _plain(getattr(properties, "headers", None) or {}),
        "timestamp": getattr(properties, "timestamp", None),
    }
    if method is not None:
        meta.update(routing_key=getattr(method, "routing_key", None), exchange=getattr(method, "exchange", None),
                    redelivered=bool(getattr(method, "redelivered", False)))
    if fmt == "json":
        try:
            return Payload(data=formats.parse(body, "json"), format="json", meta=meta)
        except formats.FormatError as exc:
            meta["parse_error"] = str(exc)
            fmt = "text"
    try:
        data: Any = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        data = body
    return Payload(data=data, format=fmt, meta=meta)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def parameters(settings: dict, credentials: dict | None = None) -> pika.ConnectionParameters:
    """pika connection parameters from ``url`` or host/port/virtual_host, with timeouts set."""
    credentials = credentials or {}
    # An authentication method may hold the host, port or URL among its variables.
    settings = {**{k: v for k, v in credentials.items() if k not in ("username", "password")}, **settings}
    timeout = float(settings.get("timeout") or 10)
    url = str(settings.get("url") or "").strip()
    if url:
        scheme = urlsplit(url).scheme
        if scheme not in ("amqp", "amqps"):
            raise ProtocolError(f"The broker URL must start with amqp:// or amqps://, not {scheme or 'nothing'}.")
        try:
            params = pika.URLParameters(url)
        except (ValueError, TypeError) as exc:
            raise ProtocolError(f"The broker URL {redact(url)} is not valid: {exc}.") from None
        if params.ssl_options is not None and not flag(settings.get("tls_verify"), True):
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            params.ssl_options = pika.SSLOptions(context, params.host)
    else:
        host = str(settings.get("host") or "").strip()
        if not host:
            raise ProtocolError("The message queue connection has no host (or URL) set.")
        tls = flag(settings.get("tls"))  # the catalog's form sends "false" as text
        ssl_options = None
        if tls:
            context = ssl.create_default_context()
            if not flag(settings.get("tls_verify"), True):
                context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            ssl_options = pika.SSLOptions(context, host)
        params = pika.ConnectionParameters(host=host, port=int(settings.get("port") or (5671 if tls else 5672)),
                                           virtual_host=str(settings.get("virtual_host") or "/"),
                                           ssl_options=ssl_options)
    if credentials.get("username"):
        params.credentials = pika.PlainCredentials(credentials["username"], credentials.get("password") or "")
    params.socket_timeout = timeout
    params.stack_timeout = timeout + 5
    params.blocked_connection_timeout = max(timeout, 30)
    # One attempt per call: the connector shape retries with backoff, logging and metering every attempt.
    params.connection_attempts = 1
    params.heartbeat = int(settings.get("heartbeat") or 60)
    return params


def where(params: pika.ConnectionParameters) -> str:
    return f"{params.host}:{params.port}"


def connection_error(params: pika.ConnectionParameters, exc: BaseException) -> ProtocolError:
    place = where(params)
    text = f"{exc!r} {exc}"
    if isinstance(exc, (pika.exceptions.ProbableAuthenticationError, pika.exceptions.AuthenticationError)) \
            or "ACCESS_REFUSED" in text:
        user = getattr(params.credentials, "username", "")
        return ProtocolError(f"Login to the message broker {place} failed for user '{user}': check the username "
                             "and password.")
    if "NOT_ALLOWED" in text or "vhost" in text.lower():
        return ProtocolError(f"The message broker {place} refused the virtual host '{params.virtual_host}'.")
    if "Temporary failure in name resolution" in text:
        return ProtocolError(f"Could not connect to the message broker {place}: the host name '{params.host}' "
                             "could not be looked up just now.", retryable=True)
    if isinstance(exc, socket.gaierror) or "gaierror" in text or "Name or service not known" in text:
        return ProtocolError(f"Could not connect to the message broker {place}: unknown host '{params.host}'.")
    if isinstance(exc, ConnectionRefusedError) or "Connection refused" in text:
        return ProtocolError(f"Could not connect to the message broker {place}: connection refused.", retryable=True)
    if isinstance(exc, (TimeoutError, socket.timeout)) or "timed out" in text.lower() or "timeout" in text.lower():
        return ProtocolError(f"Could not connect to the message broker {place}: timed out.", retryable=True)
    if isinstance(exc, ssl.SSLError) or "SSL" in text or "CERTIFICATE" in text:
        return ProtocolError(f"TLS with the message broker {place} failed: {exc}.")
    # Anything else here is the connection failing (dropped, reset, the broker shutting down).
    return ProtocolError(f"Could not connect to the message broker {place}: {exc}.", retryable=True)


def connect(params: pika.ConnectionParameters) -> pika.BlockingConnection:
    try:
        return pika.BlockingConnection(params)
    except (pika.exceptions.AMQPError, OSError) as exc:
        raise connection_error(params, exc) from None


def channel_error(exc: BaseException, doing: str) -> ProtocolError:
    if isinstance(exc, pika.exceptions.ChannelClosedByBroker):
        text = exc.reply_text or ""
        if exc.reply_code == 404:
            return ProtocolError(f"Not found {doing}: {text.split(' - ', 1)[-1]}.")
        if exc.reply_code == 403:
            return ProtocolError(f"Permission denied {doing}: {text.split(' - ', 1)[-1]}.")
        return ProtocolError(f"The broker closed the channel {doing}: {text} ({exc.reply_code}).")
    if isinstance(exc, pika.exceptions.UnroutableError):
        return ProtocolError(f"The broker could not route the message {doing}: no queue is bound to receive it.")
    if isinstance(exc, pika.exceptions.NackError):
        return ProtocolError(f"The broker refused the message {doing}.")
    return ProtocolError(f"The connection to the broker failed {doing}: {exc or type(exc).__name__}.",
                         retryable=True)


def _close(connection: pika.BlockingConnection) -> None:
    try:
        if connection.is_open:
            connection.close()
    except Exception:
        pass


class AmqpProtocol(Protocol):
    name = "amqp"
    label = "Message queue (AMQP)"
    auth_types = ("basic", "none")

    def send(self, settings: dict, credentials: dict, operation: dict, payload: Payload,
             variables: dict) -> Payload | None:
        queue = str(operation.get("queue") or "")
        exchange = str(operation.get("exchange") or "")
        routing_key = str(operation.get("routing_key") or queue)
        if not queue and not exchange:
            raise ProtocolError("Say where to publish: a queue, or an exchange and a routing key.")
        params = parameters(settings, credentials)
        target = f"queue '{queue}'" if queue and not exchange else f"exchange '{exchange}' ({routing_key or 'no key'})"
        body = payload.to_bytes()
        properties = pika.BasicProperties(
            content_type=str(operation.get("content_type") or CONTENT_TYPES.get(payload.format, "text/plain")),
            delivery_mode=pika.DeliveryMode.Persistent, message_id=uuid.uuid4().hex, timestamp=int(time.time()),
            headers=operation.get("headers") or None)
        connection = connect(params)
        try:
            channel = connection.channel()
            channel.confirm_delivery()
            if queue and operation.get("declare_queue"):
                channel.queue_declare(queue=queue, durable=True)
            channel.basic_publish(exchange=exchange, routing_key=routing_key, body=body, properties=properties,
                                  mandatory=operation.get("mandatory", True) is not False)
        except (pika.exceptions.AMQPError, OSError) as exc:
            raise channel_error(exc, f"publishing to {target}") from None
        finally:
            _close(connection)
        return Payload(data={"exchange": exchange, "routing_key": routing_key, "message_id": properties.message_id,
                             "size": len(body)}, format="json", meta=dict(payload.meta))

    def receive(self, settings: dict, credentials: dict, operation: dict, variables: dict) -> Iterator[Payload]:
        queue = str(operation.get("queue") or "")
        if not queue:
            raise ProtocolError("Say which queue to read from.")
        try:
            limit = int(operation.get("max_messages") or 100)
        except (TypeError, ValueError):
            raise ProtocolError("max_messages must be a whole number.") from None
        limit = max(1, min(limit, MAX_MESSAGES))
        params = parameters(settings, credentials)
        connection = connect(params)
        try:
            channel = connection.channel()
            last_tag = None
            for _ in range(limit):
                try:
                    method, properties, body = channel.basic_get(queue=queue, auto_ack=False)
                except (pika.exceptions.AMQPError, OSError) as exc:
                    raise channel_error(exc, f"reading queue '{queue}'") from None
                if method is None:
                    break  # the queue is empty
                last_tag = method.delivery_tag
                yield message_payload(body, properties, method)
            if last_tag is not None:
                # Every payload has been handed on: only now may the broker forget the messages.
                try:
                    channel.basic_ack(delivery_tag=last_tag, multiple=True)
                except (pika.exceptions.AMQPError, OSError) as exc:
                    raise channel_error(exc, f"acknowledging messages from '{queue}'") from None
        finally:
            _close(connection)  # unacknowledged messages go back to the queue

    def test(self, settings: dict, credentials: dict) -> str:
        params = parameters(settings, credentials)
        _close(connect(params))
        return f"Connected to the message broker {where(params)}."

