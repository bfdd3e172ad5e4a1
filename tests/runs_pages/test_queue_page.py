"""The run queue page: waiting and running runs per flow with their place in line, workers, queue depths,
cancelling a waiting run; and flow concurrency limits (extra runs wait, none is dropped)."""
from __future__ import annotations

import re

from rq import Worker
from rq.serializers import JSONSerializer

from app.companies.models import Company
from app.extensions import db, get_redis
from app.runs import services
from app.runs.models import Run
from tests import factories
from tests.runs_pages.conftest import make_flow, reload

HX = {"HX-Request": "true"}


def _queue_rows(page: str) -> dict[int, str]:
    return {int(i): state for i, state in re.findall(r'<tr id="queued-(\d+)" data-state="(\w+)"', page)}


def test_the_queue_shows_each_waiting_run_in_its_place_and_cancels_one(app, client, login):
    me = login("user")
    with app.app_context():
        company = db.session.get(Company, me["company_id"])  # trial: one run at a time
        nightly = make_flow(company, factories.SIMPLE_FLOW, name="Nightly stock")
        urgent = make_flow(company, factories.SIMPLE_FLOW, name="Urgent orders")
        urgent.priority = "highest"
        db.session.commit()
        first, second, third = (services.start_run(nightly, trigger="schedule").id for _ in range(3))
        rush = services.start_run(urgent, trigger="webhook").id
    page = client.get("/runs/queue/").get_data(as_text=True)
    rows = _queue_rows(page)
    assert rows == {first: "handed", second: "held", third: "held", rush: "held"}
    positions = dict(re.findall(r'<tr id="queued-(\d+)"[^>]*>.*?class="weft-position">(\d+)<', page, re.S))
    assert positions == {str(first): "1", str(rush): "1", str(second): "2", str(third): "3"}, \
        "the urgent run is next in line, ahead of older runs of lower priority"
    assert "Nightly stock" in page and "Urgent orders" in page
    assert re.search(r'data-queue="runs-medium"><td>Medium.*?weft-depth">1<', page, re.S)
    assert 'id="no-workers"' in page, "with no worker, the page says why nothing starts"
    assert 'id="slots">1 <span' in page

    response = client.post(f"/runs/queue/{third}/cancel", headers=HX)
    assert response.status_code == 204
    page = client.get(response.headers["HX-Redirect"]).get_data(as_text=True)
    assert f"Run #{third} was taken out of the queue" in page and third not in _queue_rows(page)
    with app.app_context():
        assert db.session.get(Run, third).status == "stopped"
    fragment = client.get("/runs/queue/", headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="queue-state"') and 'hx-trigger="every 3s"' in fragment


def test_workers_are_listed_busy_or_idle(app, client, login):
    me = login("read-only")
    redis = get_redis(app)
    idle = Worker(["runs-medium"], connection=redis, name="worker-idle", serializer=JSONSerializer)
    busy = Worker(["runs-medium"], connection=redis, name="worker-busy", serializer=JSONSerializer)
    with app.app_context():
        company = db.session.get(Company, me["company_id"])
        run = services.start_run(make_flow(company, factories.SIMPLE_FLOW), trigger="schedule")
        run.status = "running"
        db.session.commit()
        run_id = run.id
    try:
        for worker, state in ((idle, "idle"), (busy, "busy")):
            worker.register_birth()
            worker.set_state(state)
        busy.set_current_job_id(f"run-{run_id}")
        page = client.get("/runs/queue/").get_data(as_text=True)
        assert "1 busy, 1 idle" in page
        assert f'href="/runs/{run_id}">run #{run_id}</a>' in page
        assert "Cancel run" not in page, "read-only users cannot cancel"
        assert client.post(f"/runs/queue/{run_id}/cancel").status_code == 403
    finally:
        idle.register_death()
        busy.register_death()


def test_an_empty_queue_says_so(client, login):
    login("user")
    assert 'id="queue-empty"' in client.get("/runs/queue/").get_data(as_text=True)


def test_a_flows_concurrency_limit_makes_extra_runs_wait_and_none_is_dropped(ctx, worker):
    company = factories.company(tier="pro")  # five slots: the flow's own limit is what holds runs back
    flow = make_flow(company, factories.SIMPLE_FLOW)
    flow.concurrency_limit = 1
    db.session.commit()
    runs = [services.start_run(flow, trigger="schedule") for _ in range(4)]
    other = services.start_run(make_flow(company, factories.SIMPLE_FLOW), trigger="schedule")
    assert [r.dispatched_at is not None for r in map(reload, runs)] == [True, False, False, False]
    assert reload(other).dispatched_at is not None, "other flows are not held up"
    worker.work()
    assert [reload(r).status for r in runs] == ["success"] * 4
    started = sorted(map(reload, runs), key=lambda r: r.started_at)
    for before, after in zip(started, started[1:], strict=False):
        assert after.started_at >= before.finished_at, "never two runs of the flow at once"
