"""The tracked data page: which runs touched a value, exact or by prefix, within the lookback, with links."""
from __future__ import annotations

from datetime import timedelta

from app.companies.models import Company
from app.extensions import db
from app.runs import tracking
from app.timeutil import utcnow
from tests import factories
from tests.runs_pages.conftest import make_flow
from tests.tenant_makers.core import make_run

HX = {"HX-Request": "true"}


def _track(app, company_id, pairs, days_ago=0, status="success"):
    with app.app_context():
        run = make_run(db.session.get(Company, company_id))
        run.status = status
        db.session.commit()
        tracking.record(company_id, run.flow_id, run.id, pairs, now=utcnow() - timedelta(days=days_ago))
        return run.id


def test_search_finds_the_runs_that_touched_a_value_with_their_status(app, client, login):
    me = login("read-only")
    ok = _track(app, me["company_id"], [("Order number", "1234"), ("SKU", "RED-1")])
    failed = _track(app, me["company_id"], [("Order number", "1234")], status="failure")
    _track(app, me["company_id"], [("Order number", "12345")])
    _track(app, me["company_id"], [("Order number", "1234")], days_ago=20)  # beyond the 15-day lookback
    page = client.get("/runs/tracked/").get_data(as_text=True)
    assert "Type a value" in page and '<option value="Order number"' in page and '<option value="SKU"' in page

    found = client.get("/runs/tracked/?value=1234", headers=HX).get_data(as_text=True)
    assert found.lstrip().startswith('<div id="tracked-results"')
    assert f'href="/runs/{failed}"' in found and f'href="/runs/{ok}"' in found
    assert found.count('class="font-monospace"') == 2, "exact by default, and only within 15 days"
    assert 'data-status="failure"' in found and 'data-status="success"' in found
    assert found.index(f"#{failed}") < found.index(f"#{ok}"), "newest first"

    prefix = client.get("/runs/tracked/?value=123&match=prefix").get_data(as_text=True)
    assert prefix.count('class="font-monospace">1234<') == 2 and 'class="font-monospace">12345<' in prefix
    sku = client.get("/runs/tracked/?value=RED-1&label=SKU").get_data(as_text=True)
    assert f'href="/runs/{ok}"' in sku
    assert "No run tracked" in client.get("/runs/tracked/?value=RED-1&label=Order+number").get_data(as_text=True)


def test_a_longer_lookback_reaches_further_and_other_companies_stay_hidden(app, client, login):
    me = login("administrator")
    old = _track(app, me["company_id"], [("Order number", "A-1")], days_ago=20)
    with app.app_context():
        stranger = factories.company()
    _track(app, stranger.id, [("Order number", "A-1")])
    assert "No run tracked" in client.get("/runs/tracked/?value=A-1").get_data(as_text=True)
    with app.app_context():
        from app.runs import retention

        company = db.session.get(Company, me["company_id"])
        company.tier, company.bolt_ons = "pro", {"tracked_data": 1}  # the bolt-on: 15 more days
        db.session.commit()
        retention.save(company, 30, 72, 30)
    page = client.get("/runs/tracked/?value=A-1").get_data(as_text=True)
    assert f'href="/runs/{old}"' in page and page.count('class="font-monospace"') == 1
    assert "in the last 30 days" in page


def test_values_tracked_by_a_real_run_are_searchable(app, client, login, worker):
    me = login("user")
    definition = {"trigger": {"type": "manual"}, "steps": [
        {"id": "p", "type": "manual_payload", "version": 1,
         "config": {"format": "json", "body": '{"order": "SO-77"}'}},
        {"id": "t", "type": "track_data", "version": 1, "config": {"fields": [{"label": "Order", "path": "order"}]}}]}
    with app.app_context():
        flow_id = make_flow(db.session.get(Company, me["company_id"]), definition).id
    url = client.post(f"/flows/{flow_id}/run").headers["Location"]
    worker.work()
    page = client.get("/runs/tracked/?value=SO-77").get_data(as_text=True)
    assert f'href="{url}"' in page
