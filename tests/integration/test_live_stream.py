"""The live log stream: subscribe, catch up, relay; a page opened mid-run neither misses nor repeats a row,
and each step's row arrives as the step finishes."""
from __future__ import annotations

import re
import threading

import pytest

from app.companies.models import Company
from app.extensions import db, get_redis
from app.runs import live_steps
from app.runs.models import RunLog, RunStep
from tests import factories
from tests.runs_pages.conftest import flow_of, make_flow, manual, shop_instance, slow_step
from tests.runs_pages.shop import ShopApi


@pytest.fixture
def shop():
    server = ShopApi()
    yield server
    server.close()


def _events(raw: str) -> list[tuple[str, str | None, str]]:
    events = []
    for block in raw.split("\n\n"):
        name = re.search(r"^event: (.*)$", block, re.M)
        if not name:
            continue
        ident = re.search(r"^id: (.*)$", block, re.M)
        data = "\n".join(line[6:] for line in block.splitlines() if line.startswith("data: "))
        events.append((name.group(1), ident.group(1) if ident else None, data))
    return events


def _start(app, client, login):
    me = login("user")
    with app.app_context():
        from app.companies.models import Company

        flow_id = factories.flow(db.session.get(Company, me["company_id"])).id
    return client.post(f"/flows/{flow_id}/run").headers["Location"]


def test_stream_relays_rows_written_by_the_worker_while_watching(app, client, login, worker):
    run_url = _start(app, client, login)
    response = client.get(run_url + "/stream?after=0", buffered=False)
    assert response.mimetype == "text/event-stream"
    stream = (c.decode() if isinstance(c, bytes) else c for c in response.response)
    chunks: list[str] = []
    for chunk in stream:  # read until the stream has caught up and reported "queued"
        chunks.append(chunk)
        if chunk.startswith("event: status"):
            break
    assert not any(c.startswith("event: log") for c in chunks)

    worker.work()  # every row is written now, while the stream is subscribed but not reading
    chunks.extend(stream)  # ends by itself once the run is final

    events = _events("".join(chunks))
    log_ids = [int(i) for name, i, _ in events if name == "log"]
    with app.app_context():
        stored = [row.id for row in db.session.query(RunLog).order_by(RunLog.id)]
    assert log_ids == stored, "every row exactly once, in order"
    statuses = [data for name, _, data in events if name == "status"]
    assert 'data-status="queued"' in statuses[0]
    assert 'data-status="success"' in statuses[-1]
    assert events[-1][0] == "done"
    assert all('<tr id="log-' in data for name, _, data in events if name == "log")


def test_a_page_opened_mid_run_catches_up_after_its_last_row(app, client, login, worker):
    run_url = _start(app, client, login)
    worker.work()
    with app.app_context():
        ids = [row.id for row in db.session.query(RunLog).order_by(RunLog.id)]
    middle = ids[len(ids) // 2]
    raw = client.get(f"{run_url}/stream?after={middle}").get_data(as_text=True)
    sent = [int(i) for name, i, _ in _events(raw) if name == "log"]
    assert sent == [i for i in ids if i > middle]
    # a browser reconnecting with Last-Event-ID resumes there too
    raw = client.get(f"{run_url}/stream", headers={"Last-Event-ID": str(ids[-2])}).get_data(as_text=True)
    assert [int(i) for name, i, _ in _events(raw) if name == "log"] == [ids[-1]]


def test_run_page_of_a_running_run_connects_to_its_stream(app, client, login):
    run_url = _start(app, client, login)
    page = client.get(run_url).get_data(as_text=True)
    assert f'sse-connect="{run_url}/stream?after=0"' in page
    assert 'sse-close="done"' in page
    assert '<tbody id="step-rows" sse-swap="step" hx-swap="beforeend">' in page, "steps arrive over the stream"
    assert "Each step appears here as it finishes" in page


def _watch(app, cookie: str, url: str, out: list, on_chunk=None, headers=None):
    client = app.test_client()
    client.set_cookie("session", cookie)
    for chunk in client.get(url, buffered=False, headers=headers or {}).response:
        chunk = chunk.decode() if isinstance(chunk, bytes) else chunk
        out.append(chunk)
        if on_chunk:
            on_chunk(chunk)


def _step_ids(events) -> list[str]:
    return [re.search(r'<tr id="(step-\d+)"', data).group(1) for name, _, data in events if name == "step"]


def test_steps_arrive_as_they_finish_and_a_reconnect_sends_the_same_rows_again(app, client, login, worker, shop):
    me = login("user")
    with app.app_context():
        company = db.session.get(Company, me["company_id"])
        instance = shop_instance(company, shop.url)
        flow_id = make_flow(company, flow_of(manual('[{"sku": "RED-1"}]'), slow_step(instance.id, 0.3, "slow1"),
                                             slow_step(instance.id, 1.5, "slow2"))).id
    run_url = client.post(f"/flows/{flow_id}/run").headers["Location"]
    run_id = int(run_url.rsplit("/", 1)[-1])
    cookie = client.get_cookie("session").value
    first, again = [], []
    ready, reconnected = threading.Event(), threading.Event()
    resumed_after, second = [], []

    def on_chunk(chunk: str):
        if chunk.startswith("event: status"):
            ready.set()  # subscribed and caught up: the worker may start
        if chunk.startswith("event: step") and 'id="step-2"' in chunk and not reconnected.is_set():
            # The second step is done and the third runs for 1.5 s: the browser loses the stream and comes
            # back with the id of the last row it has (Last-Event-ID).
            resumed_after.append(max(int(i) for name, i, _ in _events("".join(first)) if name == "log"))
            reconnected.set()
            second.append(threading.Thread(target=_watch, args=(app, cookie, run_url + "/stream", again),
                                           kwargs={"headers": {"Last-Event-ID": str(resumed_after[0])}}))
            second[0].start()

    viewer = threading.Thread(target=_watch, args=(app, cookie, run_url + "/stream?after=0", first, on_chunk))
    viewer.start()
    assert ready.wait(10)
    worker.work()
    viewer.join(timeout=30)
    assert reconnected.wait(1), "the second step was announced while the run went on"

    events = _events("".join(first))
    names = [name for name, _, _ in events]
    assert _step_ids(events)[:2] == ["step-1", "step-2"] and len(set(_step_ids(events))) == len(_step_ids(events))
    final = max(i for i, (name, _, data) in enumerate(events) if name == "status")
    assert names.index("step") < final and 'data-status="success"' in events[final][2]
    steps = [data for name, _, data in events if name == "step"]
    assert all(ident is None for name, ident, _ in events if name == "step"), "Last-Event-ID stays a log row's"
    assert 'data-step-status="success"' in steps[1] and "into the run" in steps[1] and "1 / 1" in steps[1]
    with app.app_context():
        stored = [row.id for row in db.session.query(RunLog).filter_by(run_id=run_id).order_by(RunLog.id)]
        assert db.session.query(RunStep).filter_by(run_id=run_id).count() == 3
        assert not get_redis().exists(live_steps.key(run_id)), "the live steps are dropped once the run is final"
    assert [int(i) for name, i, _ in events if name == "log"] == stored, "steps do not disturb the rows"

    second[0].join(timeout=30)
    assert not second[0].is_alive(), "the reconnected stream ends by itself too"
    resumed = _events("".join(again))
    assert [int(i) for name, i, _ in resumed if name == "log"] == [i for i in stored if i > resumed_after[0]]
    # The reconnected stream sends the finished steps again, the very rows the page has, so the page
    # replaces them in place (static/js/app.js) instead of showing them twice.
    assert _step_ids(resumed)[:2] == ["step-1", "step-2"]
    assert [data for name, _, data in resumed if name == "step"][:2] == steps[:2]
    assert resumed[-1][0] == "done"
