"""Retention: per company within its tier, the batched purge (rows and payload folders), the daily tick,
and the settings page administrators use."""
from __future__ import annotations

import os
import time
from datetime import timedelta

from sqlalchemy import insert, update

from app.extensions import db, get_redis
from app.jobs import DEFAULT, queue
from app.runs import logbook, retention, services, tracking
from app.runs.models import Run, RunFailedPayload, RunLog, RunPayload, RunSettings, RunStep
from app.runs.tracking import TrackedValue
from app.timeutil import utcnow
from tests import factories
from tests.runs_pages.conftest import FAILING, make_flow, reload

HX = {"HX-Request": "true"}


def _age(run: Run, days: float) -> None:
    """Pretend the run (rows, stored payloads and payload folder) is `days` old."""
    then = utcnow() - timedelta(days=days)
    run.created_at = run.started_at = run.finished_at = then
    db.session.execute(update(RunPayload).where(RunPayload.run_id == run.id).values(created_at=then))
    db.session.commit()
    folder = logbook.store().run_folder(run.company_id, run.id)
    if folder.exists():
        stamp = time.time() - days * 86_400
        for path in [*folder.iterdir(), folder]:
            os.utime(path, (stamp, stamp))


def _finished_run(company, worker, definition=FAILING, payload='{"order": 1}'):
    run = services.start_run(make_flow(company, definition), payload=payload)
    worker.work()
    return reload(run)


def test_the_purge_removes_old_runs_whole_and_old_payloads_only(ctx, worker):
    company = factories.company()
    ancient, middle, fresh = (_finished_run(company, worker) for _ in range(3))
    fresh_ref = fresh.input_ref
    tracking.record(company.id, ancient.flow_id, ancient.id, [("Order", "1")])
    _age(ancient, 40)  # past the 30 days of run logs
    _age(middle, 5)  # past the 72 hours of payloads only
    assert db.session.query(RunFailedPayload).filter_by(run_id=ancient.id).count() == 1

    report = retention.purge(batch=2)

    assert report.runs == 1 and report.logs > 0 and report.payload_folders >= 1 and report.payload_rows >= 1
    assert db.session.get(Run, ancient.id) is None
    for model in (RunLog, RunStep, RunFailedPayload, TrackedValue):
        assert db.session.query(model).filter_by(run_id=ancient.id).count() == 0, model.__name__
    store = logbook.store()
    assert not store.run_folder(company.id, ancient.id).exists()
    middle = db.session.get(Run, middle.id)
    assert middle is not None and db.session.query(RunLog).filter_by(run_id=middle.id).count() > 0
    assert not store.run_folder(company.id, middle.id).exists(), "payloads go after 72 hours, logs stay"
    assert not store.exists(company.id, middle.input_ref), "small payloads kept in the database go too"
    assert db.session.query(RunPayload).filter_by(run_id=middle.id).count() == 0
    assert store.exists(company.id, fresh_ref) and store.get(company.id, fresh_ref) == b'{"order": 1}'


def test_each_company_keeps_what_it_chose_within_its_tier(ctx, worker):
    short, long = factories.company(tier="pro"), factories.company(tier="pro")
    long.bolt_ons = {"tracked_data": 5}  # 15 days of tracked data, plus 5 × 15 from the bolt-on
    db.session.commit()
    retention.save(short, log_days=3, payload_hours=1, tracked_days=3)
    retention.save(long, log_days=90, payload_hours=14 * 24, tracked_days=90)
    a, b = _finished_run(short, worker), _finished_run(long, worker)
    _age(a, 10)
    _age(b, 10)
    a_id, b_id, long_id = a.id, b.id, long.id
    retention.purge()
    assert db.session.get(Run, a_id) is None
    assert db.session.get(Run, b_id) is not None and logbook.store().run_folder(long_id, b_id).exists()
    long = db.session.get(type(long), long_id)
    long.tier = "trial"  # a downgrade shortens what is kept at once
    db.session.commit()
    assert retention.effective(long) == retention.Limits(30, 72, 15)
    retention.purge()
    assert not logbook.store().run_folder(long_id, b_id).exists()


def test_a_running_runs_payloads_are_never_purged(ctx, worker):
    company = factories.company()
    run = _finished_run(company, worker)
    _age(run, 5)
    run.status, run.created_at = "running", utcnow()
    db.session.commit()
    retention.purge()
    assert logbook.store().run_folder(company.id, run.id).exists()
    assert logbook.store().exists(company.id, run.input_ref), "its small payloads stay too"


def test_sustained_load_stays_bounded_by_the_retention(ctx):
    company = factories.company()
    flow = make_flow(company, factories.SIMPLE_FLOW)
    now = utcnow()
    rows = [{"company_id": company.id, "flow_id": flow.id, "version_id": flow.deployed.id, "trigger": "schedule",
             "status": "success", "priority": 3, "queue": "runs", "skip_queue": False,
             "created_at": now - timedelta(hours=h), "operations": 0, "data_out": 0, "payload_count": 0,
             "cpu_ms": 0.0} for h in range(0, 60 * 24, 2)]  # one run every 2 hours for 60 days
    db.session.execute(insert(Run), rows)
    db.session.commit()
    ids = [i for (i,) in db.session.query(Run.id)]
    db.session.execute(insert(RunLog), [{"company_id": company.id, "run_id": i, "level": "info", "message": "x",
                                         "created_at": now} for i in ids for _ in range(3)])
    db.session.commit()
    report = retention.purge(batch=50)
    kept = db.session.query(Run).count()
    assert kept == 30 * 12 and report.runs == 30 * 12, "a month of runs stays, the older month goes"
    assert db.session.query(RunLog).count() == kept * 3
    assert retention.purge().runs == 0, "a second purge finds nothing"


def test_the_daily_tick_queues_the_purge_once_a_day_and_the_job_runs_on_a_worker(ctx, worker):
    company = factories.company()
    old = _finished_run(company, worker)
    _age(old, 31)
    old_id = old.id
    assert retention.tick() == ["purge"]
    assert retention.tick() == [], "once per day, however many ticks"
    assert len(queue(DEFAULT)) == 1
    worker.work()
    db.session.expire_all()
    assert db.session.get(Run, old_id) is None
    tomorrow = utcnow() + timedelta(days=1)
    assert retention.tick(tomorrow) == ["purge"]
    get_redis().delete(retention.purge_key(tomorrow.date()))


def test_the_settings_page_saves_retention_within_the_tier(app, client, login):
    me = login("administrator")
    page = client.get("/settings/runs/").get_data(as_text=True)
    assert 'value="30"' in page and 'value="72"' in page and 'value="15"' in page
    assert "at most 30 on your subscription" in page and "Add a notification group" in page
    refused = client.post("/settings/runs/", data={"log_days": "400", "payload_hours": "72", "tracked_days": "15"},
                          headers=HX)
    assert refused.status_code == 422
    assert "Choose between 1 and 30 days" in refused.get_data(as_text=True)
    blank = client.post("/settings/runs/", data={"log_days": "", "payload_hours": "x", "tracked_days": "0"},
                        headers=HX)
    assert blank.status_code == 422 and "Enter a number of days." in blank.get_data(as_text=True)
    saved = client.post("/settings/runs/", data={"log_days": "7", "payload_hours": "24", "tracked_days": "10"})
    assert saved.status_code == 303
    assert "Run log settings saved." in client.get("/settings/runs/").get_data(as_text=True)
    with app.app_context():
        settings = db.session.query(RunSettings).filter_by(company_id=me["company_id"]).one()
        assert (settings.log_days, settings.payload_hours, settings.tracked_days) == (7, 24, 10)
        from app.audit import AuditEntry

        entry = db.session.query(AuditEntry).filter_by(action="runs.settings_changed").one()
        assert entry.company_id == me["company_id"] and entry.details["log_days"] == 7
    client.post("/logout")
    login("manager", company_id=me["company_id"])
    assert client.get("/settings/runs/").status_code == 403
