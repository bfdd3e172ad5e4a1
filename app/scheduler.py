"""The scheduler process: fires due schedule triggers while holding a Redis lock, so that two
schedulers (one per machine, say) never fire the same schedule twice.

Every tick it reads the schedules of each deployed, enabled flow (the trigger of the deployed version's
definition, see app.flows.schedules and docs/schedules.md) and starts one run for a flow with a fire time
in (last fired, now]. However many fire times were missed while the scheduler was down, that is one run.
"""
from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.caches import pools
from app.extensions import db, get_redis
from app.flows.models import Flow, FlowVersion
from app.flows.schedules import FIRST_RUN_WINDOW, Schedule, ScheduleError, latest_tick
from app.insights import usage
from app.runs import queue as run_queue
from app.runs import retention
from app.runs import services as run_services
from app.timeutil import utcnow

log = logging.getLogger(__name__)
LOCK_KEY = "weft:scheduler:lock"
LOCK_TTL_MS = 30_000
LAST_FIRED_TTL_SECONDS = 90 * 86_400  # forgotten once a flow has not fired for this long


def last_fired_key(flow_id: int) -> str:
    return f"weft:schedule:{flow_id}:last"


def schedules(version: FlowVersion) -> list[Schedule]:
    """The version's valid schedules; an invalid one is logged and skipped, never fatal to the tick."""
    trigger = version.trigger
    if trigger.get("type") != "schedule":
        return []
    out = []
    for item in (trigger.get("config") or {}).get("schedules") or []:
        try:
            out.append(Schedule.from_dict(item))
        except ScheduleError as exc:
            log.warning("flow %s version %s: skipping invalid schedule %r: %s", version.flow_id, version.number,
                        item, exc)
    return out


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _since(stored: bytes | None, version: FlowVersion, now: datetime) -> datetime:
    """Where to look for missed fire times from: the last recorded fire time (the last minute when none is
    known), but never before the version was deployed or the flow last changed, so a fire time before
    a deploy, or while the flow was disabled, never fires when it comes back."""
    last = datetime.fromtimestamp(float(stored), UTC) if stored is not None else now - FIRST_RUN_WINDOW
    floors = [m for m in (_utc(version.deployed_at), _utc(version.flow.updated_at)) if m is not None]
    return max([last, *floors])


def fire_due(now: datetime | None = None) -> int:
    """Start one run per deployed, enabled flow with a schedule that came due since it last fired."""
    now = _utc(now or utcnow())
    redis = get_redis()
    fired = 0
    # Cross-tenant by nature: the scheduler serves every company's deployed flows.
    query = (select(FlowVersion).join(FlowVersion.flow).options(contains_eager(FlowVersion.flow))
             .where(FlowVersion.status == "deployed", Flow.enabled.is_(True)))
    try:
        for version in db.session.execute(query).scalars().all():
            items = schedules(version)
            if not items:
                continue
            key = last_fired_key(version.flow_id)
            tick = latest_tick(items, _since(redis.get(key), version, now), now)
            if tick is None:
                continue
            # Recorded before starting: if starting fails, this fire time is not retried every tick.
            redis.set(key, tick.timestamp(), ex=LAST_FIRED_TTL_SECONDS)
            try:
                run_services.start_run(version.flow, trigger="schedule")
            except Exception:  # one broken flow must not stop the others
                log.exception("flow %s: the scheduled run at %s could not start", version.flow_id, tick)
                db.session.rollback()
                continue
            fired += 1
    finally:
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
        started = time.monotonic()
        if hold_lock(redis, me):
            try:
                fired = fire_due()
                if fired:
                    log.info("fired %d scheduled run(s)", fired)
            except Exception:  # one bad tick must not stop every schedule
                log.exception("scheduler tick failed")
                db.session.rollback()
            try:
                run_queue.sweep()  # runs whose wake-up was lost (a crashed worker) still get their turn
                usage.flush()  # counters the workers and web processes added in Redis
                retention.tick()  # queues the daily purge (once a day) and due failure-email summaries
                pools.tick()  # queues the daily purge of de-dupe values older than 90 days
            except Exception:
                log.exception("run queue sweep, usage flush or housekeeping failed")
                db.session.rollback()
            finally:
                db.session.remove()
        # Tick on a steady beat; the lock (30 s) outlives several ticks, so the holder keeps it.
        time.sleep(max(0.0, tick_seconds - (time.monotonic() - started)))

