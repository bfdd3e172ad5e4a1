"""The live log stream: subscribe, catch up, relay; a page opened mid-run neither misses nor repeats a row."""
from __future__ import annotations

import re

from app.extensions import db
from app.runs.models import RunLog
from tests import factories


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
