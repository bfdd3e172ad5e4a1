"""The scheduler fires due schedules once, even after downtime, and only one scheduler holds the lock.

Real Redis, real database, real worker. The flows' deploy time is pinned so that the clock the tests
pass to fire_due() is after it.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app import scheduler
from app.extensions import db, get_redis
from app.flows.models import Flow
from app.runs.models import Run
from tests import factories

STEP = {"id": "p", "type": "manual_payload", "version": 1, "config": {"body": "{}"}}
EVERY_MINUTE = {"trigger": {"type": "schedule", "config": {"schedules": [{"cron": "* * * * *"}]}}, "steps": [STEP]}
DEPLOYED = datetime(2026, 1, 5, 9, 0)


def schedule_flow(company, *schedule_dicts, deploy=True, definition=None):
    definition = definition or {"trigger": {"type": "schedule", "config": {"schedules": list(schedule_dicts)}},
                                "steps": [STEP]}
    flow = factories.flow(company, definition=definition, deploy=deploy)
    for version in flow.versions:
        version.deployed_at = DEPLOYED if version.status == "deployed" else None
    flow.updated_at = DEPLOYED
    db.session.commit()
    return flow.id  # fire_due() ends its session, so tests keep ids, not rows


def disable(flow_id: int) -> None:
    flow = db.session.get(Flow, flow_id)
    flow.enabled = False
    flow.updated_at = DEPLOYED  # keep the deploy-time floor, so only "disabled" keeps it from firing
    db.session.commit()


def last_fired(flow_id: int) -> datetime:
    return datetime.fromtimestamp(float(get_redis().get(scheduler.last_fired_key(flow_id))), UTC)


def test_a_missed_schedule_fires_once_not_once_per_tick(ctx, worker):
    flow_id = schedule_flow(factories.company(), {"cron": "* * * * *"})
    start = datetime(2026, 1, 5, 10, 0, 5)
    assert scheduler.fire_due(start) == 1  # the 10:00 fire time, five seconds ago
    assert scheduler.fire_due(start + timedelta(seconds=20)) == 0
    # an hour of downtime: sixty fire times were missed, one run starts
    assert scheduler.fire_due(start + timedelta(hours=1)) == 1
    assert last_fired(flow_id) == datetime(2026, 1, 5, 11, 0, tzinfo=UTC)  # the fire time, not "now"
    assert scheduler.fire_due(start + timedelta(hours=1, seconds=10)) == 0
    worker.work()
    runs = db.session.query(Run).all()
    assert [(r.trigger, r.status) for r in runs] == [("schedule", "success"), ("schedule", "success")]


def test_a_fresh_scheduler_does_not_fire_for_a_fire_time_long_ago(ctx):
    schedule_flow(factories.company(), {"kind": "daily", "hour": 9, "minute": 30})
    # no fire time is known; the 09:30 one was half an hour ago
    assert scheduler.fire_due(datetime(2026, 1, 5, 10, 0, 5)) == 0
    assert scheduler.fire_due(datetime(2026, 1, 6, 9, 30, 2)) == 1


def test_every_schedule_of_a_flow_is_active_and_one_run_starts_per_fire_time(ctx):
    flow_id = schedule_flow(factories.company(), {"kind": "hourly", "every": 1, "minute": 0},
                            {"kind": "daily", "hour": 10, "minute": 30}, {"kind": "minutes", "every": 30})
    assert scheduler.fire_due(datetime(2026, 1, 5, 10, 0, 3)) == 1  # hourly and every-30 both say 10:00
    assert scheduler.fire_due(datetime(2026, 1, 5, 10, 15)) == 0
    assert scheduler.fire_due(datetime(2026, 1, 5, 10, 30, 1)) == 1
    assert last_fired(flow_id) == datetime(2026, 1, 5, 10, 30, tzinfo=UTC)
    assert db.session.query(Run).filter_by(flow_id=flow_id).count() == 2


def test_an_invalid_schedule_is_skipped_and_the_others_still_fire(ctx):
    company = factories.company()
    broken = {"trigger": {"type": "schedule", "config": {"schedules": [{"kind": "minutes", "every": 99},
                                                                       {"cron": "0 * * * *"}]}}, "steps": [STEP]}
    schedule_flow(company, definition=broken)
    assert scheduler.fire_due(datetime(2026, 1, 5, 10, 0, 3)) == 1


def test_a_schedule_missed_while_the_flow_was_disabled_does_not_fire_on_re_enabling(ctx):
    flow_id = schedule_flow(factories.company(), {"kind": "hourly", "every": 1, "minute": 0})
    assert scheduler.fire_due(datetime(2026, 1, 5, 10, 0, 3)) == 1
    disable(flow_id)
    assert scheduler.fire_due(datetime(2026, 1, 5, 11, 0, 3)) == 0
    flow = db.session.get(Flow, flow_id)
    flow.enabled = True
    flow.updated_at = datetime(2026, 1, 5, 12, 30)  # re-enabled at 12:30 (what onupdate records)
    db.session.commit()
    assert scheduler.fire_due(datetime(2026, 1, 5, 12, 30, 10)) == 0  # 11:00 and 12:00 are not made up
    assert scheduler.fire_due(datetime(2026, 1, 5, 13, 0, 2)) == 1


def test_a_fire_time_before_the_version_was_deployed_does_not_fire(ctx):
    flow = db.session.get(Flow, schedule_flow(factories.company(), {"cron": "* * * * *"}))
    flow.deployed.deployed_at = flow.updated_at = datetime(2026, 1, 5, 10, 0, 30)
    db.session.commit()
    assert scheduler.fire_due(datetime(2026, 1, 5, 10, 0, 40)) == 0  # 10:00:00 came before the deploy
    assert scheduler.fire_due(datetime(2026, 1, 5, 10, 1, 1)) == 1


def test_disabled_or_undeployed_flows_do_not_fire(ctx):
    company = factories.company()
    disable(schedule_flow(company, definition=EVERY_MINUTE))
    schedule_flow(company, definition=EVERY_MINUTE, deploy=False)
    start = datetime(2026, 1, 5, 10, 0, 5)
    assert scheduler.fire_due(start) == 0
    assert scheduler.fire_due(start + timedelta(hours=1)) == 0
    assert db.session.query(Run).count() == 0


def test_flows_without_schedules_are_ignored(ctx):
    factories.flow(factories.company())  # a manual trigger
    assert scheduler.fire_due(datetime(2026, 1, 5, 10, 0, 5)) == 0


def test_only_one_scheduler_holds_the_lock(ctx):
    redis = get_redis()
    assert scheduler.hold_lock(redis, "first")
    assert not scheduler.hold_lock(redis, "second")
    assert scheduler.hold_lock(redis, "first")  # the holder renews it
    redis.delete(scheduler.LOCK_KEY)  # the first scheduler died and its lock expired
    assert scheduler.hold_lock(redis, "second")
