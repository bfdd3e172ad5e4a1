"""The scheduler process: fires due schedule triggers while holding a Redis lock, so that two
schedulers (one per machine, say) never fire the same schedule twice."""
from __future__ import annotations

import logging
import time
import uuid

from croniter import croniter
from sqlalchemy import select

from app.extensions import db, get_redis
from app.flows.models import Flow, FlowVersion
from app.runs import services as run_services
from app.timeutil import utcnow

log = logging.getLogger(__name__)
LOCK_KEY = "weft:scheduler:lock"
LOCK_TTL_MS = 30_000


def _schedules(version: FlowVersion) -> list[str]:
    trigger = version.trigger
    if trigger.get("type") != "schedule":
        return []
    return [s["cron"] for s in trigger.get("config", {}).get("schedules", []) if s.get("cron")]


def fire_due(now=None) -> int:
    """Start one run per deployed, enabled flow whose schedule came due since it last fired.

    After downtime a missed schedule fires once, not once per missed tick: the last-fired time jumps
    to now."""
    now = now or utcnow()
    redis = get_redis()
    fired = 0
    # Cross-tenant by nature: the scheduler serves every company's deployed flows.
    query = (select(FlowVersion).join(Flow).where(FlowVersion.status == "deployed", Flow.enabled.is_(True)))
    for version in db.session.execute(query).scalars():
        crons = _schedules(version)
        if not crons:
            continue
        key = f"weft:schedule:{version.id}:last"
        last = redis.get(key)
        if last is None:
            redis.set(key, now.timestamp())  # a new schedule starts counting from now
            continue
        last_time = float(last)
        due = any(croniter(c, last_time).get_next(float) <= now.timestamp() for c in crons)
        if due:
            redis.set(key, now.timestamp())
            run_services.start_run(version.flow, trigger="schedule")
            fired += 1
    db.session.remove()
    return fired


_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0
"""


def hold_lock(redis, me: str) -> bool:
    """Take the scheduler lock, or renew it if we hold it; atomic, so two schedulers never both win."""
    return bool(redis.eval(_RENEW, 1, LOCK_KEY, me, LOCK_TTL_MS))


def run_forever(tick_seconds: float) -> None:
    redis = get_redis()
    me = uuid.uuid4().hex
    log.info("scheduler %s waiting for the lock", me)
    while True:
        if hold_lock(redis, me):
            try:
                fired = fire_due()
                from app.runs import queue as run_queue

                run_queue.sweep()  # runs whose wake-up was lost (a crashed worker) still get their turn
                if fired:
                    log.info("fired %d scheduled run(s)", fired)
            except Exception:  # one bad tick must not stop every schedule
                log.exception("scheduler tick failed")
                db.session.rollback()
        time.sleep(tick_seconds)
