"""The event listener: a long-running process (``flask --app app events``) that starts runs from messages.

Every deployed, enabled flow whose trigger has an event listener (see app/event_bindings.py)

    {"type": "event", "config": {"instance_id": 7, "queue": "orders",
                                 "batch_size": 1, "prefetch": 10, "batch_wait_seconds": 1.0}}

gets a consumer on that queue (one AMQP connection per broker, one channel per flow). Each message
(or each batch of up to ``batch_size`` messages, sent as one JSON array) starts one run through
``runs.services.start_run(flow, trigger="event", …)``; the message is acknowledged only after
``start_run`` returned, i.e. after the run row and its input are committed. Delivery is therefore at
least once: if the listener dies between the commit and the ack, the broker redelivers and a second run
may start. To narrow that window, the ids of messages that started a run are remembered in Redis for a
day, and a *redelivered* message whose id is remembered is acknowledged without a new run.

- The set of listening flows is reloaded every ``reload_seconds`` (10 s), so deploying, disabling or
  changing a flow's trigger takes effect within that time; a flow found disabled when a message arrives
  gets its messages back on the queue at once.
- A broker that goes away is reconnected with exponential backoff (1 s doubling to 60 s); unacknowledged
  messages return to the queue and are consumed again after the reconnect.
- A message that can never start a run (too big, flow without a version) is rejected without requeue
  (the queue's dead-letter exchange gets it if one is configured) and logged.
- Several listener processes may run: they are competing consumers, so each message goes to one of them.
- One queue should feed one flow; to feed several flows from one stream, bind one queue per flow to a
  fanout or topic exchange.
- Each message received counts one operation (``count_operation(company_id, flow_id, "event")``).
- The consumers and their brokers are in event_listener.py; which flows listen, in event_bindings.py.
"""
from __future__ import annotations

import logging
import signal
import threading
import time

from app.event_listener import RELOAD_SECONDS, Listener
from app.extensions import db

log = logging.getLogger(__name__)


def run_once(app, max_seconds: float = 5.0, idle_seconds: float | None = None,
             reload_seconds: float = RELOAD_SECONDS) -> dict:
    """Listen for up to ``max_seconds`` (or until no message came for ``idle_seconds``), then stop.

    For tests and one-off drains; returns counters (messages, runs, rejected, requeued, duplicates)."""
    with app.app_context():
        listener = Listener(reload_seconds=reload_seconds)
        try:
            listener.reload()
            return listener.run(max_seconds=max_seconds, idle_seconds=idle_seconds)
        finally:
            listener.close()
            db.session.remove()


def run_forever(app, reload_seconds: float = RELOAD_SECONDS) -> None:
    """The ``flask events`` process: listen until SIGTERM or Ctrl-C."""
    stopping = {"now": False}

    def stop(*_args) -> None:
        stopping["now"] = True

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
    with app.app_context():
        listener = Listener(reload_seconds=reload_seconds)
        log.info("event listener started (reloading flows every %.0f s)", reload_seconds)
        try:
            while not stopping["now"]:
                try:
                    listener.run(should_stop=lambda: stopping["now"])
                except KeyboardInterrupt:
                    break
                except Exception:  # one bad message or query must not end the process
                    log.exception("event listener loop failed; continuing")
                    db.session.rollback()
                    time.sleep(1)
        finally:
            listener.close()
            log.info("event listener stopped")
