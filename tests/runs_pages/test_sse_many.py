"""Live logs with many viewers: several people watching one run, and one person watching several runs,
all receive every row once and in order while a real worker runs the flows."""
from __future__ import annotations

import threading

from app.companies.models import Company
from app.extensions import db
from app.runs.models import RunLog
from tests import factories
from tests.integration.test_live_stream import _events
from tests.runs_pages.conftest import flow_of, make_flow, manual, mapping

# Twenty steps: enough rows, spread over enough batches, to interleave with the viewers' reads.
LONG = flow_of(manual('[{"a": 1}, {"a": 2}]'), *(mapping([{"source": "a", "target": "a"}], id=f"m{i}")
                                                 for i in range(20)))


def _viewer(app, cookie: str, url: str, out: list, ready: threading.Event):
    client = app.test_client()
    client.set_cookie("session", cookie)
    response = client.get(url, buffered=False)
    chunks = []
    for chunk in response.response:
        chunk = chunk.decode() if isinstance(chunk, bytes) else chunk
        chunks.append(chunk)
        if chunk.startswith("event: status"):
            ready.set()  # subscribed and caught up: the worker may start
    out.append("".join(chunks))
    ready.set()


def test_many_viewers_of_one_run_and_one_viewer_of_many_runs_each_get_every_row_once(app, client, login, worker):
    me = login("user")
    with app.app_context():
        flow_id = make_flow(db.session.get(Company, me["company_id"]), LONG).id
        other_id = make_flow(db.session.get(Company, me["company_id"]), factories.SIMPLE_FLOW).id
    run_urls = [client.post(f"/flows/{flow_id}/run").headers["Location"],
                client.post(f"/flows/{other_id}/run").headers["Location"],
                client.post(f"/flows/{flow_id}/run").headers["Location"]]
    cookie = client.get_cookie("session").value
    watchers = [run_urls[0]] * 6 + run_urls[1:]  # six people on the first run; the others watched too
    results: dict[int, list] = {i: [] for i in range(len(watchers))}
    threads = []
    for i, url in enumerate(watchers):
        ready = threading.Event()
        thread = threading.Thread(target=_viewer, args=(app, cookie, url + "/stream?after=0", results[i], ready))
        thread.start()
        assert ready.wait(10), "each viewer connects before the worker starts"
        threads.append(thread)

    worker.work()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "every stream ends by itself once its run is final"

    with app.app_context():
        stored = {}
        for url in run_urls:
            run_id = int(url.rsplit("/", 1)[-1])
            stored[url] = [r.id for r in db.session.query(RunLog).filter_by(run_id=run_id).order_by(RunLog.id)]
    assert len(stored[run_urls[0]]) > 40
    for i, url in enumerate(watchers):
        events = _events(results[i][0])
        assert [int(ident) for name, ident, _ in events if name == "log"] == stored[url], f"viewer {i}"
        assert 'data-status="success"' in [data for name, _, data in events if name == "status"][-1]
        assert events[-1][0] == "done"


def test_rows_written_while_a_slow_viewer_reads_its_status_are_not_lost(app, client, login):
    """A viewer can fall behind: it catches up, and by the time it reads the run's status the run has
    written more rows and finished. Those rows still arrive, before the final status."""
    from app.runs import logbook
    from app.runs.models import Run
    from app.timeutil import utcnow
    from tests.tenant_makers.core import make_run

    me = login("user")
    with app.app_context():
        run = make_run(db.session.get(Company, me["company_id"]))
        run.status = "running"
        db.session.commit()
        run_id, company_id = run.id, run.company_id

    def add_row(message):
        with app.app_context():
            row = RunLog(company_id=company_id, run_id=run_id, level="info", message=message)
            db.session.add(row)
            db.session.commit()
            return row.id

    response = client.get(f"/runs/{run_id}/stream?after=0", buffered=False)
    stream = (c.decode() if isinstance(c, bytes) else c for c in response.response)
    for chunk in stream:
        if chunk.startswith("event: status"):
            break
    first = add_row("first")
    with app.app_context():
        logbook.publish(run_id, status="running")
    assert next(stream).startswith(f"event: log\nid: {first}")  # the viewer is paused right after this row
    second = add_row("second")
    with app.app_context():
        finished = db.session.get(Run, run_id)
        finished.status, finished.finished_at = "success", utcnow()
        db.session.commit()
    rest = _events("".join(stream))
    assert [(name, ident) for name, ident, _ in rest] == [("log", str(second)), ("status", None), ("done", None)]
