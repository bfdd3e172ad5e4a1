"""Run now → real RQ worker → engine → stored logs and payloads, as a user sees them."""
from __future__ import annotations

import json
import re

from app.extensions import db
from app.runs.models import Run
from tests import factories


def _make_flow(app, company_id, **kwargs):
    with app.app_context():
        from app.companies.models import Company

        return factories.flow(db.session.get(Company, company_id), **kwargs).id


def test_run_now_runs_on_the_worker_and_shows_the_renamed_payload(app, client, login, worker):
    me = login("user")
    flow_id = _make_flow(app, me["company_id"], name="Customers")

    response = client.post(f"/flows/{flow_id}/run")
    assert response.status_code == 303
    run_url = response.headers["Location"]
    page = client.get(run_url).get_data(as_text=True)
    assert "Queued" in page

    worker.work()

    page = client.get(run_url).get_data(as_text=True)
    assert 'data-status="success"' in page
    assert "Manual payload started with 0 payloads." in page
    assert "Map finished" in page and "1 payload out" in page
    payload_links = re.findall(r'href="(/runs/\d+/logs/\d+/payload)"', page)
    assert payload_links, "each step's output is viewable"
    output = client.get(payload_links[-1]).get_data(as_text=True)
    assert "customer_id" in output
    download = client.get(payload_links[-1] + "?download=1")
    assert json.loads(download.data) == [{"customer_id": 1, "name": {"first": "Ada"}},
                                         {"customer_id": 2, "name": {"first": "Alan"}}]
    with app.app_context():
        run = db.session.get(Run, int(run_url.rsplit("/", 1)[-1]))
        assert run.status == "success" and run.data_out > 0 and run.payload_count == 1


def test_run_with_a_pasted_payload_feeds_the_first_step(app, client, login, worker):
    me = login("user")
    definition = {"trigger": {"type": "manual"}, "steps": [
        {"id": "m", "type": "map", "version": 1, "config": {"rules": [{"source": "sku", "target": "code"}]}}]}
    flow_id = _make_flow(app, me["company_id"], definition=definition)

    response = client.post(f"/flows/{flow_id}/run", data={"payload": '{"sku": "RED-1"}', "format": "json"})
    worker.work()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-status="success"' in page
    assert "RED-1" in page and "code" in page


def test_invalid_json_payload_is_refused_on_the_form_and_starts_nothing(app, client, login):
    me = login("user")
    flow_id = _make_flow(app, me["company_id"])
    response = client.post(f"/flows/{flow_id}/run", data={"payload": "{not json", "format": "json"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Not valid JSON" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Run).count() == 0


def test_a_failing_step_fails_the_run_with_a_readable_error(app, client, login, worker):
    me = login("user")
    definition = {"trigger": {"type": "manual"}, "steps": [
        {"id": "a", "type": "manual_payload", "version": 1, "config": {"format": "text", "body": "hello"}},
        {"id": "b", "type": "map", "version": 1, "retries": 1, "config": {"rules": [{"source": "x", "target": "y"}]}},
    ]}
    flow_id = _make_flow(app, me["company_id"], definition=definition)
    run_url = client.post(f"/flows/{flow_id}/run").headers["Location"]
    worker.work()
    page = client.get(run_url).get_data(as_text=True)
    assert 'data-status="failure"' in page
    assert "Map needs JSON payloads" in page
    assert "attempt 1 of 2" in page  # the retry is logged


def test_read_only_users_cannot_start_runs(app, client, login):
    me = login("read-only")
    flow_id = _make_flow(app, me["company_id"])
    assert client.post(f"/flows/{flow_id}/run").status_code == 403
    assert "Run now" not in client.get(f"/flows/{flow_id}").get_data(as_text=True)


def test_stopping_a_queued_run_means_the_worker_never_runs_it(app, client, login, worker):
    me = login("user")
    flow_id = _make_flow(app, me["company_id"])
    run_url = client.post(f"/flows/{flow_id}/run").headers["Location"]
    assert client.post(run_url + "/stop").status_code == 303
    worker.work()
    page = client.get(run_url).get_data(as_text=True)
    assert 'data-status="stopped"' in page
    assert "Manual payload started" not in page
