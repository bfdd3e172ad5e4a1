"""The run logs page: filters, run id search, keyset pages both ways, live rows, the chart, bulk-retry count."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import insert

from app.companies.models import Company
from app.extensions import db
from app.runs.models import Run, RunLog
from app.timeutil import utcnow
from tests import factories
from tests.runs_pages.conftest import make_flow

HX = {"HX-Request": "true"}


def _seed(app, company_id: int, count: int = 120, **fields) -> dict:
    """Bulk-insert finished runs, one a minute going back from now; returns ids by name."""
    with app.app_context():
        company = db.session.get(Company, company_id)
        orders = make_flow(company, factories.SIMPLE_FLOW, name="Orders to ERP")
        stock = make_flow(company, factories.SIMPLE_FLOW, name="Stock sync")
        now = utcnow()
        rows = []
        for i in range(count):
            flow = orders if i % 2 else stock
            at = now - timedelta(minutes=count - i)
            rows.append({"company_id": company_id, "flow_id": flow.id, "version_id": flow.deployed.id,
                         "trigger": "schedule" if i % 3 else "webhook",
                         "status": "failure" if i % 5 == 0 else "success",
                         "priority": 3, "queue": "runs", "skip_queue": False, "created_at": at, "started_at": at,
                         "finished_at": at + timedelta(seconds=2), "operations": i, "data_out": 100 * i,
                         "payload_count": 1, "cpu_ms": 1.0, **fields})
        db.session.execute(insert(Run), rows)
        db.session.commit()
        return {"orders": orders.id, "stock": stock.id}


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="run-(\d+)"', html)]


def test_the_list_shows_newest_first_with_every_column(app, client, login):
    me = login("user")
    _seed(app, me["company_id"], count=3)
    page = client.get("/runs/").get_data(as_text=True)
    ids = _ids(page)
    assert ids == sorted(ids, reverse=True) and len(ids) == 3
    for text in ("Orders to ERP", "Stock sync", "Webhook", "Schedule", "Operations", "Data out", "Success", "Failure"):
        assert text in page
    assert 'id="run-chart"' in page and 'hx-trigger="load"' in page  # the chart loads after the rows


def test_keyset_pages_go_older_and_back_newer_without_gaps(app, client, login):
    me = login("user")
    _seed(app, me["company_id"], count=120)
    first = client.get("/runs/").get_data(as_text=True)
    first_ids = _ids(first)
    assert len(first_ids) == 50
    older = re.search(r'id="older-runs" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    second_ids = _ids(second)
    assert second_ids[0] == first_ids[-1] - 1 and len(second_ids) == 50
    newer = re.search(r'href="([^"]+)"\s+hx-get="[^"]+"[^>]*>\s*<i class="bi bi-chevron-left">', second).group(1)
    assert _ids(client.get(newer.replace("&amp;", "&")).get_data(as_text=True)) == first_ids
    third = client.get(re.search(r'id="older-runs" href="([^"]+)"', second).group(1).replace("&amp;", "&"))
    third_ids = _ids(third.get_data(as_text=True))
    assert len(third_ids) == 20 and 'id="older-runs"' not in third.get_data(as_text=True)
    assert len(set(first_ids + second_ids + third_ids)) == 120


def test_filters_by_flow_status_trigger_and_dates(app, client, login):
    me = login("user")
    flows = _seed(app, me["company_id"], count=40)  # one page holds them all
    with app.app_context():
        runs = db.session.query(Run).all()
        by_id = {r.id: r for r in runs}

    def ids(query):
        response = client.get("/runs/?" + query, headers=HX)
        assert response.status_code == 200
        return set(_ids(response.get_data(as_text=True)))

    assert ids(f"flow={flows['orders']}") == {r.id for r in runs if r.flow_id == flows["orders"]}
    assert ids("status=failure") == {r.id for r in runs if r.status == "failure"}
    assert ids("trigger=webhook&status=failure") == {r.id for r in runs
                                                     if r.trigger == "webhook" and r.status == "failure"}
    today = utcnow().date()
    assert ids(f"from={today}&to={today}") == {r.id for r in runs if r.created_at.date() == today}
    assert ids(f"from={today + timedelta(days=1)}") == set()
    assert ids(f"to={today - timedelta(days=30)}") == set()
    some = runs[7].id
    assert ids(f"q={some}") == {some} and ids(f"q=%23{some}") == {some}
    assert by_id[some].id == some


def test_has_warnings_keeps_the_runs_whose_log_has_warning_lines(app, client, login):
    me = login("user")
    _seed(app, me["company_id"], count=10)
    with app.app_context():
        runs = db.session.query(Run).order_by(Run.id).all()
        lines = [(runs[2], "warning"), (runs[2], "info"), (runs[5], "warning"), (runs[3], "info"), (runs[7], "error")]
        for run, level in lines:
            db.session.add(RunLog(company_id=me["company_id"], run_id=run.id, level=level, message=f"{level} line"))
        db.session.commit()
        warned = {runs[2].id, runs[5].id}
        failed_warned = {r.id for r in runs if r.id in warned and r.status == "failure"}
    page = client.get("/runs/?warnings=1&from=")
    assert set(_ids(page.get_data(as_text=True))) == warned
    assert re.search(r'id="filter-warnings"[^>]*checked', page.get_data(as_text=True))
    assert "with warnings" in page.get_data(as_text=True)
    assert "warnings=1" in re.search(r'id="retry-many-button"[^>]*', page.get_data(as_text=True)).group(0)
    assert set(_ids(client.get("/runs/?warnings=1&status=failure&from=").get_data(as_text=True))) == failed_warned
    assert len(_ids(client.get("/runs/?from=").get_data(as_text=True))) == 10, "off: every run"
    assert 'id="filter-warnings" name="warnings" value="1" >' in client.get("/runs/").get_data(as_text=True)
    import html
    import json

    chart = client.get("/runs/chart?warnings=1&from=", headers=HX).get_data(as_text=True)
    data = json.loads(html.unescape(re.search(r"data-chart='([^']+)'", chart).group(1)))
    assert sum(sum(counts) for counts in data["series"].values()) == 2


def test_old_runs_are_outside_the_default_week_but_found_with_all_runs(app, client, login):
    me = login("user")
    with app.app_context():
        old = utcnow() - timedelta(days=20)
    _seed(app, me["company_id"], count=2, created_at=old, started_at=old)
    assert _ids(client.get("/runs/").get_data(as_text=True)) == []
    assert "No runs match these filters." in client.get("/runs/").get_data(as_text=True)
    assert len(_ids(client.get("/runs/?from=").get_data(as_text=True))) == 2


def test_nonsense_filters_never_break_the_page(client, login):
    login("read-only")
    for query in ("status=exploded", "from=yesterday", "to=2024-13-40", "flow=abc", "q=%27%3B--", "before=x",
                  "from=2030-01-01&to=2020-01-01"):
        response = client.get("/runs/?" + query)
        assert response.status_code == 200, query


def test_rows_keep_polling_while_a_run_is_going_and_stop_with_286(app, client, login):
    me = login("user")
    _seed(app, me["company_id"], count=3)
    page = client.get("/runs/").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' not in page, "nothing is going: no polling"
    with app.app_context():
        run = db.session.query(Run).order_by(Run.id.desc()).first()
        run.status, run.finished_at = "running", None
        db.session.commit()
        run_id = run.id
    page = client.get("/runs/").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in page and "/runs/rows?" in page
    polled = client.get("/runs/rows?from=", headers=HX)
    assert polled.status_code == 200 and 'id="run-rows"' in polled.get_data(as_text=True)
    assert "<html" not in polled.get_data(as_text=True)
    with app.app_context():
        run = db.session.get(Run, run_id)
        run.status, run.finished_at = "success", utcnow()
        db.session.commit()
    polled = client.get("/runs/rows?from=", headers=HX)
    assert polled.status_code == 286, "htmx stops polling once nothing visible is going"
    assert 'data-run-status="success"' in polled.get_data(as_text=True)


def test_the_chart_counts_runs_per_day_and_status_for_the_filter(app, client, login):
    me = login("user")
    _seed(app, me["company_id"], count=10)
    fragment = client.get("/runs/chart?from=", headers=HX).get_data(as_text=True)
    spec = re.search(r"data-chart='([^']+)'", fragment).group(1)
    import html
    import json

    data = json.loads(html.unescape(spec))
    assert data["type"] == "runs-per-day"
    assert sum(data["series"]["success"]) == 8 and sum(data["series"]["failure"]) == 2
    assert client.get("/runs/chart").status_code == 200  # a direct load gets the page


def test_running_rows_have_a_stop_button_and_failed_rows_a_retry_button(app, client, login):
    me = login("user")
    _seed(app, me["company_id"], count=5)
    with app.app_context():
        run = db.session.query(Run).order_by(Run.id.desc()).first()
        run.status = "running"
        db.session.commit()
    page = client.get("/runs/").get_data(as_text=True)
    assert f'aria-label="Stop run #{run.id}"' in page
    assert page.count("aria-label=\"Retry run #") == 1  # the one failure among the five
    client.post("/logout")
    login("read-only", company_id=me["company_id"])
    page = client.get("/runs/").get_data(as_text=True)
    assert "Stop run #" not in page and "Retry run #" not in page


def test_the_bulk_retry_confirmation_counts_the_failed_runs_that_match(app, client, login):
    me = login("user")
    flows = _seed(app, me["company_id"], count=20)
    confirm = client.get(f"/runs/retry?flow={flows['stock']}&from=", headers=HX).get_data(as_text=True)
    assert "2 failed runs" in confirm and "Retry 2 runs" in confirm
    none = client.get(f"/runs/retry?flow={flows['stock']}&status=success&from={utcnow().date() + timedelta(days=2)}",
                      headers=HX).get_data(as_text=True)
    assert "nothing to retry" in none


def test_another_companys_runs_never_show(app, client, login):
    me = login("user")
    _seed(app, me["company_id"], count=2)
    with app.app_context():
        stranger = factories.company()
    _seed(app, stranger.id, count=3)
    ids = _ids(client.get("/runs/?from=").get_data(as_text=True))
    assert len(ids) == 2
    with app.app_context():
        theirs = [r.id for r in db.session.query(Run).filter_by(company_id=stranger.id)]
    assert _ids(client.get(f"/runs/?q={theirs[0]}").get_data(as_text=True)) == []
