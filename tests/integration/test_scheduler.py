"""The scheduler fires due schedules once, even after downtime, and only one scheduler holds the lock."""
from __future__ import annotations

from datetime import datetime, timedelta

from app import scheduler
from app.extensions import db, get_redis
from app.runs.models import Run
from tests import factories

EVERY_MINUTE = {"trigger": {"type": "schedule", "config": {"schedules": [{"cron": "* * * * *"}]}},
                "steps": [{"id": "p", "type": "manual_payload", "version": 1, "config": {"body": "{}"}}]}


def test_a_missed_schedule_fires_once_not_once_per_tick(ctx, worker):
    company = factories.company()
    factories.flow(company, definition=EVERY_MINUTE)
    start = datetime(2026, 1, 5, 10, 0, 5)
    assert scheduler.fire_due(start) == 0  # a new schedule counts from now
    assert scheduler.fire_due(start + timedelta(seconds=20)) == 0
    # an hour of downtime: sixty ticks were missed, one run starts
    assert scheduler.fire_due(start + timedelta(hours=1)) == 1
    assert scheduler.fire_due(start + timedelta(hours=1, seconds=10)) == 0
    worker.work()
    runs = db.session.query(Run).all()
    assert [(r.trigger, r.status) for r in runs] == [("schedule", "success")]


def test_disabled_or_undeployed_flows_do_not_fire(ctx):
    company = factories.company()
    flow = factories.flow(company, definition=EVERY_MINUTE)
    flow.enabled = False
    factories.flow(company, definition=EVERY_MINUTE, deploy=False)
    db.session.commit()
    start = datetime(2026, 1, 5, 10, 0, 5)
    scheduler.fire_due(start)
    assert scheduler.fire_due(start + timedelta(hours=1)) == 0


def test_only_one_scheduler_holds_the_lock(ctx):
    redis = get_redis()
    assert scheduler.hold_lock(redis, "first")
    assert not scheduler.hold_lock(redis, "second")
    assert scheduler.hold_lock(redis, "first")  # the holder renews it
    redis.delete(scheduler.LOCK_KEY)  # the first scheduler died and its lock expired
    assert scheduler.hold_lock(redis, "second")
