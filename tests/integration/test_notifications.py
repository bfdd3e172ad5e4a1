"""Notify emails over a real SMTP server (aiosmtpd) and a real RQ worker, the monthly allowance, the
.eml fallback, company isolation of groups; tracked data rows. The engine gets the same hooks the run
job binds: notify_from_run and tracking.record for the run's company."""
from __future__ import annotations

import email
from email import policy

from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.flows.engine import Engine, Environment
from app.insights import notifications
from app.insights.models import EmailUsage, NotificationGroup
from app.jobs import MAIL, queue
from app.runs import tracking
from app.runs.logbook import Logbook
from app.runs.models import Run, RunLog
from app.runs.tracking import TrackedValue
from app.timeutil import utcnow
from tests import factories


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message))


def group(company, name, emails):
    row = NotificationGroup(company_id=company.id, name=name, emails=emails)
    db.session.add(row)
    db.session.commit()
    return row


def run_with_services(company, definition, enabled=True):
    """Runs a flow through the engine with the hooks bound as app/runs/jobs.py binds them."""
    flow = factories.flow(company, definition=definition)
    flow.enabled = enabled
    run = Run(company_id=company.id, flow_id=flow.id, version_id=flow.deployed.id, trigger="manual",
              status="running")
    db.session.add(run)
    db.session.commit()
    book = Logbook(run)
    env = Environment(
        log=book, company_id=company.id, run_id=run.id, flow_id=flow.id, retry_delay=0,
        notify=lambda level, message, channels, groups: notifications.notify_from_run(
            company.id, run.id, level, message, channels, groups, book),
        track=lambda pairs: tracking.record(company.id, flow.id, run.id, pairs))
    with tenancy.acting_as(company.id):
        result = Engine(env).run(definition, [])
    book.flush()  # log rows are written by the logbook's writer thread
    return flow, run, result


def log_messages(run_id):
    return [(row.level, row.message) for row in db.session.execute(
        select(RunLog).where(RunLog.run_id == run_id).order_by(RunLog.id)).scalars()]


def notify_step(group_ids, template="Order [[payload.id]] failed", channels="email_log", level="error"):
    return {"id": "n", "type": "notify", "config": {"template": template, "level": level, "channels": channels,
                                                    "groups": group_ids}}


def test_a_notify_shape_emails_every_address_of_its_groups_even_when_the_flow_is_disabled(ctx, smtp, worker):
    company = factories.company("Acme")
    ops = group(company, "Ops", ["ops@acme.test", "lead@acme.test"])
    finance = group(company, "Finance", ["lead@acme.test", "money@acme.test"])
    definition = {"steps": [
        {"id": "p", "type": "manual_payload", "config": {"format": "json", "body": '{"id": 42}'}},
        notify_step([ops.id, finance.id])]}

    flow, run, result = run_with_services(company, definition, enabled=False)  # spec: sent even when disabled
    assert result.status == "success"
    assert smtp == []  # queued on the mail queue: the run did not wait for SMTP
    worker.work()

    (mail,) = smtp
    assert mail["to"] == ["lead@acme.test", "money@acme.test", "ops@acme.test"]  # one message, de-duplicated
    assert mail["from"] == "alerts@weft.test"
    message = mail["message"]
    assert message["Subject"] == f"[Error] {flow.name}: Order 42 failed"
    assert "Order 42 failed" in message.get_body(("plain",)).get_content()
    assert "Order 42 failed" in message.get_body(("html",)).get_content()
    assert f"Run #{run.id} in Acme" in message.get_body(("plain",)).get_content()
    messages = log_messages(run.id)
    assert ("error", "Order 42 failed") in messages  # the log half of "email + log"
    assert ("info", "Email queued for 3 recipients (notification groups: Finance, Ops).") in messages
    assert notifications.emails_sent(company.id) == 1


def test_the_allowance_warns_at_20_percent_and_at_0_then_stops_sending(ctx, smtp, worker):
    company = factories.company("Small", tier="trial")  # 100 emails a month
    ops = group(company, "Ops", ["ops@small.test"])
    db.session.add(EmailUsage(company_id=company.id, month=notifications.month_key(), sent=78))
    db.session.commit()

    def send(log):
        return notifications.notify_from_run(company.id, None, "warning", "Stock low", "email", [ops.id], log)

    quiet, at_20, at_0, after = Log(), Log(), Log(), Log()
    assert send(quiet)  # 79 sent, 21 left
    assert send(at_20)  # 80 sent, 20 left
    usage = db.session.execute(select(EmailUsage).where(EmailUsage.company_id == company.id)).scalar_one()
    usage.sent = 98
    db.session.commit()
    send(Log())  # 99 sent
    assert send(at_0)  # 100 sent: the last one goes out
    assert send(after) is None

    assert [level for level, _ in quiet] == ["info"]
    assert at_20[-1] == ("warning", "Only 20 of this month's 100 notification emails remain (20 %).")
    assert at_0[-1][0] == "warning"
    assert at_0[-1][1].startswith("That was the last of this month's 100 notification emails: no more are sent until")
    assert len(after) == 1 and after[0][0] == "warning"
    assert after[0][1].startswith("No email was sent: this month's allowance of 100 notification emails is used up")
    assert notifications.emails_sent(company.id) == 100

    worker.work()
    assert len(smtp) == 4  # 79, 80, 99, 100; the one past the allowance never reached the mail queue


def test_a_new_month_starts_a_new_count(ctx):
    company = factories.company(tier="trial")
    january = utcnow().replace(year=2025, month=1, day=31)
    february = january.replace(month=2, day=1)
    for _ in range(100):
        assert notifications.take_email(company.id, 100, january) is not None
    assert notifications.take_email(company.id, 100, january) is None
    assert notifications.take_email(company.id, 100, february) == 1


def test_without_a_mail_server_emails_are_written_as_eml_files(app, ctx, worker, tmp_path):
    assert not app.config["MAIL_SERVER"]
    company = factories.company()
    team = group(company, "Team", ["a@team.test", "b@team.test"])
    log = Log()
    job_id = notifications.notify_from_run(company.id, None, "info", "Nightly sync done", "email_log", [team.id], log)
    assert job_id
    worker.work()

    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["To"] == "a@team.test, b@team.test"
    assert message["Subject"] == "[Info] Weft: Nightly sync done"
    assert "Nightly sync done" in message.get_body(("plain",)).get_content()
    assert message["Message-ID"]


def test_group_ids_of_another_company_are_ignored(ctx, smtp, worker):
    mine, theirs = factories.company("Mine"), factories.company("Theirs")
    own = group(mine, "Own", ["me@mine.test"])
    foreign = group(theirs, "Secret", ["spy@theirs.test"])

    log = Log()
    assert notifications.notify_from_run(mine.id, None, "error", "x", "email", [foreign.id], log) is None
    assert log == [("warning", f"Notification group #{foreign.id} not found; ignored."),
                   ("warning", "No email was sent: the chosen notification groups hold no email addresses.")]
    assert "Secret" not in str(log)
    assert notifications.emails_sent(mine.id) == 0 and queue(MAIL).count == 0

    log = Log()
    assert notifications.notify_from_run(mine.id, None, "error", "Mixed", "email", [own.id, foreign.id], log)
    worker.work()
    assert [mail["to"] for mail in smtp] == [["me@mine.test"]]
    assert notifications.emails_sent(theirs.id) == 0


def test_the_log_channel_sends_no_email(ctx, smtp, worker):
    company = factories.company()
    ops = group(company, "Ops", ["ops@x.test"])
    flow, run, result = run_with_services(company, {"steps": [
        {"id": "p", "type": "manual_payload", "config": {"format": "json", "body": '{"id": 1}'}},
        notify_step([ops.id], channels="log", level="success")]})
    worker.work()
    assert result.status == "success" and smtp == []
    assert ("success", "Order 1 failed") in log_messages(run.id)
    assert notifications.notify_from_run(company.id, run.id, "info", "x", "log", [ops.id], Log()) is None


def test_track_data_writes_rows_for_the_run_and_only_its_company_sees_them(ctx):
    company, other = factories.company(), factories.company()
    flow, run, result = run_with_services(company, {"steps": [
        {"id": "p", "type": "manual_payload", "config": {
            "format": "json", "body": '[{"customer_id": "C-1", "sku": "RED"}, {"customer_id": "C-2"}]'}},
        {"id": "t", "type": "track_data", "config": {"fields": [{"path": "customer_id", "label": "Customer"},
                                                                {"path": "sku"}]}}]})
    assert result.status == "success"
    with tenancy.acting_as(company.id):
        rows = db.session.execute(tenancy.scoped(TrackedValue).order_by(TrackedValue.id)).scalars().all()
    assert [(r.label, r.value, r.run_id, r.flow_id) for r in rows] == [
        ("Customer", "C-1", run.id, flow.id), ("sku", "RED", run.id, flow.id), ("Customer", "C-2", run.id, flow.id)]
    with tenancy.acting_as(other.id):
        assert db.session.execute(tenancy.scoped(TrackedValue)).first() is None


def test_tracked_values_are_cut_to_size_and_purged_after_the_retention(ctx):
    company = factories.company()
    flow, run, _ = run_with_services(company, {"steps": []})
    old = utcnow().replace(microsecond=0)
    tracking.record(company.id, flow.id, run.id, [("Order", "o" * 300)], now=old.replace(year=old.year - 1))
    tracking.record(company.id, flow.id, run.id, [("Order", "fresh")])
    values = db.session.execute(select(TrackedValue.value).order_by(TrackedValue.id)).scalars().all()
    assert values == ["o" * 255, "fresh"]
    assert tracking.purge_older_than(tracking.RETENTION_DAYS) == 1
    assert db.session.execute(select(TrackedValue.value)).scalars().all() == ["fresh"]
