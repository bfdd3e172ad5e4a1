"""Retrying runs on a real worker: from the start (same input, original version), from the failed step with
the payloads it received, and many at once from the filtered list."""
from __future__ import annotations

import copy
import re

from app.companies.models import Company
from app.extensions import db
from app.flows.models import FlowVersion
from app.runs import logbook
from app.runs.models import Run, RunLog
from tests import factories
from tests.runs_pages.conftest import FAILING, ORDERS, flow_of, make_flow, manual, mapping, push_step, shop_instance

HX = {"HX-Request": "true"}


def _company_flow(app, company_id, definition, **fields):
    with app.app_context():
        flow = make_flow(db.session.get(Company, company_id), definition)
        for key, value in fields.items():
            setattr(flow, key, value)
        db.session.commit()
        return flow.id


def _run_id(url: str) -> int:
    return int(url.rstrip("/").rsplit("/", 1)[-1])


def test_retry_from_the_start_runs_the_original_version_with_the_same_input(app, client, login, worker):
    me = login("user")
    flow_id = _company_flow(app, me["company_id"], FAILING)
    url = client.post(f"/flows/{flow_id}/run", data={"payload": '{"order": 1234}', "format": "json"})
    url = url.headers["Location"]
    worker.work()
    with app.app_context():  # a fix is deployed since: the retry must not pick it up (spec 4.4)
        old = db.session.get(Run, _run_id(url))
        fixed = copy.deepcopy(FAILING)
        fixed["steps"][1]["skip"] = True
        for version in old.flow.versions:
            version.status = "inactive"
        db.session.add(FlowVersion(company_id=old.company_id, flow_id=old.flow_id, number=9, status="deployed",
                                   definition=fixed))
        db.session.commit()
        version_id = old.version_id
    response = client.post(f"{url}/retry", headers=HX)
    assert response.status_code == 204
    new_url = response.headers["HX-Redirect"]
    worker.work()
    with app.app_context():
        new = db.session.get(Run, _run_id(new_url))
        assert new.trigger == "retry" and new.retry_of_id == _run_id(url) and new.retry_from_step is None
        assert new.version_id == version_id and new.status == "failure"
        assert logbook.store().get(new.company_id, new.input_ref) == b'{"order": 1234}'
        assert new.input_ref.startswith(f"{new.company_id}/{new.id}/"), "a copy the old run's purge cannot take"
        from app.audit import AuditEntry

        assert db.session.query(AuditEntry).filter_by(action="run.retried", target=f"run #{old.id}").count() == 1
    page = client.get(new_url).get_data(as_text=True)
    assert f'id="retry-of-link">run #{_run_id(url)}</a>' in page
    old_page = client.get(url).get_data(as_text=True)
    assert f'href="{new_url}" class="retried-as-link"' in old_page
    assert "is being retried as run #" in old_page or "is being retried as run #" in page


def test_retry_from_the_failed_step_sends_what_that_step_received_once_the_api_is_back(app, client, login, worker,
                                                                                        shop):
    me = login("user")
    with app.app_context():
        company = db.session.get(Company, me["company_id"])
        instance = shop_instance(company, shop.url)
        flow_id = make_flow(company, flow_of(manual(ORDERS), mapping([{"source": "sku", "target": "code"}]),
                                             push_step(instance.id))).id
    shop.down = True
    url = client.post(f"/flows/{flow_id}/run").headers["Location"]
    worker.work()
    page = client.get(url).get_data(as_text=True)
    assert 'data-status="failure"' in page and "Retry from Connector" in page
    shop.down = False
    new_url = client.post(f"{url}/retry", data={"from_step": "1"}).headers["Location"]
    worker.work()
    assert shop.received == [[{"code": "RED-1"}, {"code": "BLUE-9"}]], "the mapped payload, exactly as it failed"
    with app.app_context():
        new = db.session.get(Run, _run_id(new_url))
        assert new.status == "success" and new.retry_from_step == "push" and new.retry_of_id == _run_id(url)
        messages = [r.message for r in db.session.query(RunLog).filter_by(run_id=new.id)]
    assert not any(m.startswith(("Manual payload", "Map")) for m in messages), "earlier steps do not run again"
    assert any(m.startswith("Connector started with 1 payload") for m in messages)
    new_page = client.get(new_url).get_data(as_text=True)
    assert "started at a failed step" in new_page
    payloads = client.get(f"{new_url}/payloads").get_data(as_text=True)
    assert "the payloads the failed step received" in payloads


def test_bulk_retry_retries_each_matching_failed_run_once(app, client, login, worker):
    me = login("user")
    failing = _company_flow(app, me["company_id"], FAILING)
    fine = _company_flow(app, me["company_id"], factories.SIMPLE_FLOW)
    failed_urls = [client.post(f"/flows/{failing}/run").headers["Location"] for _ in range(3)]
    client.post(f"/flows/{fine}/run")
    worker.work()
    client.post(f"{failed_urls[0]}/retry")  # retried by hand already
    worker.work()
    confirm = client.get(f"/runs/retry?flow={failing}&from=", headers=HX).get_data(as_text=True)
    assert "4 failed runs" in confirm, "three originals and the failed manual retry"
    response = client.post(f"/runs/retry?flow={failing}&from=", headers=HX)
    assert response.status_code == 204
    listing = client.get(response.headers["HX-Redirect"]).get_data(as_text=True)
    assert "3 failed runs queued for a retry." in listing and "1 (already retried)" in listing
    with app.app_context():
        by_hand, *bulk = db.session.query(Run).filter_by(trigger="retry").order_by(Run.id).all()
        assert sorted(r.retry_of_id for r in bulk) == sorted([_run_id(u) for u in failed_urls[1:]] + [by_hand.id])
        assert all(not r.skip_queue for r in bulk), "bulk retries wait their turn in the queue"
    worker.work()
    with app.app_context():
        assert {r.status for r in db.session.query(Run).filter_by(trigger="retry")} == {"failure"}


def test_a_disabled_flow_or_a_purged_input_cannot_be_retried_and_says_why(app, client, login, worker):
    me = login("user")
    flow_id = _company_flow(app, me["company_id"], FAILING)
    url = client.post(f"/flows/{flow_id}/run", data={"payload": "{}", "format": "json"}).headers["Location"]
    worker.work()
    with app.app_context():
        run = db.session.get(Run, _run_id(url))
        run.flow.enabled = False
        db.session.commit()
    page = client.get(client.post(f"{url}/retry").headers["Location"]).get_data(as_text=True)
    assert "The process flow is disabled" in page
    with app.app_context():
        run = db.session.get(Run, _run_id(url))
        run.flow.enabled = True
        db.session.commit()
        logbook.store().remove_run(run.company_id, run.id)
    page = client.get(client.post(f"{url}/retry").headers["Location"]).get_data(as_text=True)
    assert "input payload of this run has been removed" in page
    assert 'id="retry-from-step"' not in page, "its failed payloads went with the folder too"
    with app.app_context():
        assert db.session.query(Run).count() == 1, "nothing was started"


def test_only_finished_unsuccessful_runs_offer_a_retry(app, client, login, worker):
    me = login("user")
    fine = _company_flow(app, me["company_id"], factories.SIMPLE_FLOW)
    url = client.post(f"/flows/{fine}/run").headers["Location"]
    assert 'id="retry-run"' not in client.get(url).get_data(as_text=True)
    worker.work()
    assert 'id="retry-run"' not in client.get(url).get_data(as_text=True)
    page = client.get(client.post(f"{url}/retry").headers["Location"]).get_data(as_text=True)
    assert "Only failed, partly successful or stopped runs can be retried." in page
    assert len(re.findall(r'<tr id="run-\d+"', client.get("/runs/").get_data(as_text=True))) == 1
    client.post("/logout")
    login("read-only", company_id=me["company_id"])
    assert client.post(f"{url}/retry").status_code == 403
    assert client.post("/runs/retry").status_code == 403
