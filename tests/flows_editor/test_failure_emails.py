"""Failure emails from the flow settings: typed addresses (checked, with a clear 422), emailed over real SMTP
together with the chosen notification groups when a run of the flow fails."""
from __future__ import annotations

from app.companies.models import Company
from app.extensions import db
from app.flows.models import Flow
from app.insights.models import NotificationGroup
from app.runs import retention
from app.runs import services as runs
from app.runs.models import RunLog
from tests import factories
from tests.flows_editor.conftest import HX, html
from tests.runs_pages.conftest import FAILING

SETTINGS = {"name": "Orders to ERP", "priority": "medium", "retry_failed_runs": "0"}


def failing_flow(app, company_id: int) -> int:
    with app.app_context():
        return factories.flow(db.session.get(Company, company_id), name="Orders to ERP", definition=FAILING).id


def group(app, company_id: int, name: str, *emails: str) -> int:
    with app.app_context():
        row = NotificationGroup(company_id=company_id, name=name, emails=list(emails))
        db.session.add(row)
        db.session.commit()
        return row.id


def run_and_work(app, worker, flow_id: int) -> int:
    with app.app_context():
        run = runs.start_run(db.session.get(Flow, flow_id))
        run_id = run.id
    worker.work()  # the run, then the mail job it queued
    return run_id


def test_typed_addresses_are_saved_normalised_and_shown_again(app, client, login, read_flow):
    me = login("manager")
    flow_id = failing_flow(app, me["company_id"])
    saved = client.post(f"/flows/{flow_id}/settings", headers=HX, data={
        **SETTINGS, "failure_emails": "Ops@Acme.example, lead@acme.example\nops@acme.example;  "})
    assert saved.status_code == 200 and "Settings saved." in html(saved)
    assert read_flow(flow_id, lambda f: f.failure_emails) == ["ops@acme.example", "lead@acme.example"]
    drawer = html(client.get(f"/flows/{flow_id}/settings", headers=HX))
    assert "ops@acme.example\nlead@acme.example</textarea>" in drawer
    client.post(f"/flows/{flow_id}/settings", headers=HX, data={**SETTINGS, "failure_emails": ""})
    assert read_flow(flow_id, lambda f: f.failure_emails) == []


def test_a_bad_address_is_a_422_that_names_it_and_saves_nothing(app, client, login, read_flow):
    me = login("manager")
    flow_id = failing_flow(app, me["company_id"])
    for typed, message in (("ops@acme.example, bob@", "Not a valid email address: bob@"),
                           ("no-at-sign", "Not a valid email address: no-at-sign"),
                           (", ".join(f"p{n}@acme.example" for n in range(101)), "at most 100 addresses")):
        refused = client.post(f"/flows/{flow_id}/settings", headers=HX,
                              data={**SETTINGS, "name": "Renamed", "failure_emails": typed})
        assert refused.status_code == 422 and message in html(refused), typed
        assert "is-invalid" in html(refused) and typed[:20] in html(refused), "the typed text stays to be fixed"
    assert read_flow(flow_id, lambda f: (f.name, f.failure_emails)) == ("Orders to ERP", [])


def test_a_failed_run_emails_the_typed_addresses_and_the_groups_over_smtp(app, client, login, worker, smtp):
    me = login("manager")
    flow_id = failing_flow(app, me["company_id"])
    ops = group(app, me["company_id"], "Ops", "ops@acme.example", "lead@acme.example")
    client.post(f"/flows/{flow_id}/settings", headers=HX, data={
        **SETTINGS, "failure_groups": [str(ops)], "failure_emails": "cto@acme.example, LEAD@acme.example"})
    run_id = run_and_work(app, worker, flow_id)
    [received] = smtp
    assert received["to"] == ["cto@acme.example", "lead@acme.example", "ops@acme.example"], "each address once"
    message = received["message"]
    assert message["Subject"] == f"[Failed] Orders to ERP: run #{run_id} failed at Map"
    assert f"/runs/{run_id}" in message.get_body(("plain",)).get_content()
    with app.app_context():
        logged = [r.message for r in db.session.query(RunLog).filter_by(run_id=run_id)]
    assert ("Failure email queued for 3 recipients (notification group: Ops; addresses in the flow settings: "
            "cto@acme.example, lead@acme.example).") in logged


def test_typed_addresses_alone_replace_the_company_default_groups(app, client, login, worker, smtp):
    me = login("manager")
    flow_id = failing_flow(app, me["company_id"])
    fallback = group(app, me["company_id"], "Everyone", "everyone@acme.example")
    with app.app_context():
        retention.save(db.session.get(Company, me["company_id"]), 30, 72, 15, failure_group_ids=[fallback])
    client.post(f"/flows/{flow_id}/settings", headers=HX, data={**SETTINGS, "failure_emails": "cto@acme.example"})
    run_and_work(app, worker, flow_id)
    assert [m["to"] for m in smtp] == [["cto@acme.example"]]
