"""One run's page: summary, steps with their waterfall, the six tabs, payload views (capped, pretty JSON and
XML) and the log downloads, as a user reaches them."""
from __future__ import annotations

import csv
import html
import io
import json
import re

from app.companies.models import Company
from app.extensions import db
from app.filters import filesize
from app.flows.context import Payload
from app.runs import logbook
from app.runs.models import Run, RunLog, RunStep
from tests import factories
from tests.runs_pages.conftest import FAILING, ORDERS, flow_of, make_flow, manual, mapping, push_step, shop_instance

HX = {"HX-Request": "true"}


def _run(app, client, login, definition, role="user", **start):
    me = login(role)
    with app.app_context():
        flow_id = make_flow(db.session.get(Company, me["company_id"]), definition).id
    url = client.post(f"/flows/{flow_id}/run", data=start).headers["Location"]
    return me, url


def test_a_finished_run_shows_its_steps_timings_and_tabs(app, client, login, worker):
    _, url = _run(app, client, login, factories.SIMPLE_FLOW)
    worker.work()
    page = client.get(url).get_data(as_text=True)
    assert 'data-status="success"' in page
    assert page.count('class="weft-step-row"') == 2 and "weft-waterfall" in page
    assert re.search(r'style="left: [\d.]+%; width: [\d.]+%"', page)
    for label in ("Logs", "Payloads", "Failed payloads", "Requests", "Responses", "Metadata"):
        assert f">{label}" in page
    assert "sse-connect" not in page, "a finished run needs no stream"
    assert "Download logs" in page


def test_each_step_shows_how_much_data_it_received_and_put_out(app, client, login, worker):
    order = [{"sku": "RED-1", "note": "x" * 3000}]
    _, url = _run(app, client, login, flow_of(manual(json.dumps(order)), mapping([{"source": "sku", "target": "sku"}])))
    worker.work()
    page = client.get(url).get_data(as_text=True)
    assert ">Data in</th>" in page and ">Data out</th>" in page
    received = Payload(data=order).size  # what the manual step put out is what the map received
    assert re.findall(r'weft-bytes-in">([^<]*)<', page) == ["0 B", filesize(received)] == ["0 B", "3.0 KB"]
    with app.app_context():
        steps = db.session.query(RunStep).filter_by(run_id=int(url.rsplit("/", 1)[-1])).order_by(RunStep.id).all()
        assert [s.bytes_in for s in steps] == [0, received]
        assert steps[1].bytes_out < 100, "the map kept only the SKU"


def test_each_tab_is_a_page_and_a_fragment(app, client, login, worker):
    _, url = _run(app, client, login, factories.SIMPLE_FLOW, payload='{"id": 1, "first": "Ada"}', format="json")
    worker.work()
    for tab, expected in (("payloads", "Input of the run"), ("failed", "No payload failed in this run."),
                          ("requests", "made a request"), ("responses", "received a response"),
                          ("metadata", "Flow variables set for this run"), ("logs", 'id="log-rows"')):
        full = client.get(f"{url}/{tab}")
        assert full.status_code == 200 and expected in full.get_data(as_text=True), tab
        fragment = client.get(f"{url}/{tab}", headers=HX).get_data(as_text=True)
        assert fragment.lstrip().startswith('<div id="run-tab"') and expected in fragment, tab
        assert f'id="tab-{tab}"' in fragment and 'aria-current=page' in fragment


def test_the_payloads_tab_lists_each_steps_output_and_the_input(app, client, login, worker):
    _, url = _run(app, client, login, factories.SIMPLE_FLOW, payload='{"hello": "world"}', format="json")
    worker.work()
    page = client.get(f"{url}/payloads").get_data(as_text=True)
    links = re.findall(r'href="(/runs/\d+/logs/\d+/payload)"', page)
    assert len(links) == 2, "one bucket per step"
    body = html.unescape(client.get(links[-1]).get_data(as_text=True))
    assert '"customer_id": 1' in body, "pretty-printed JSON"
    assert "Download full payload" in body
    input_page = html.unescape(client.get(f"{url}/input").get_data(as_text=True))
    assert '"hello": "world"' in input_page
    assert json.loads(client.get(f"{url}/input?download=1").data) == {"hello": "world"}


def test_big_payloads_are_cut_with_a_link_to_the_whole_and_xml_is_indented(app, client, login, worker):
    me, url = _run(app, client, login, flow_of(manual("<order><id>7</id><sku>RED</sku></order>", fmt="xml")))
    worker.work()
    link = re.findall(r'href="(/runs/\d+/logs/\d+/payload)"', client.get(f"{url}/payloads").get_data(as_text=True))[0]
    assert "&lt;order&gt;\n  &lt;id&gt;7&lt;/id&gt;" in client.get(link).get_data(as_text=True)
    big = ("[" + ",".join(f'{{"n": {i}, "pad": "{"x" * 100}"}}' for i in range(6000)) + "]").encode()  # ~700 KB
    with app.app_context():
        run_id = int(url.rsplit("/", 1)[-1])
        ref = logbook.store().put(me["company_id"], run_id, "9999-big.dat", big)
        row = RunLog(company_id=me["company_id"], run_id=run_id, level="info", message="Big finished.",
                     payload_ref=ref, payload_size=len(big), payload_count=6000)
        db.session.add(row)
        db.session.commit()
        log_id = row.id
    page = client.get(f"{url}/logs/{log_id}/payload").get_data(as_text=True)
    assert "showing the first 512.0 KB" in page and "download the full payload" in page
    assert client.get(f"{url}/logs/{log_id}/payload?download=1").data == big


def test_a_failed_run_shows_the_failed_payload_and_both_retry_buttons(app, client, login, worker):
    _, url = _run(app, client, login, FAILING)
    worker.work()
    page = client.get(url).get_data(as_text=True)
    assert 'data-status="failure"' in page and 'id="run-error"' in page
    assert 'id="retry-run"' in page and 'id="retry-from-step"' in page and "Retry from Map" in page
    assert 'class="badge text-bg-danger">1<' in page, "the failed payloads tab shows its count"
    failed = client.get(f"{url}/failed").get_data(as_text=True)
    assert "Failed the run" in failed and "Map needs JSON" in failed
    link = re.search(r'href="(/runs/\d+/failed/\d+)"', failed).group(1)
    assert "plain text" in client.get(link).get_data(as_text=True)
    assert client.get(link + "?download=1").data == b"plain text"
    assert 'data-step-status="failure"' in page


def test_requests_and_responses_of_connector_steps_are_listed(app, client, login, worker, shop):
    me = login("user")
    with app.app_context():
        company = db.session.get(Company, me["company_id"])
        instance = shop_instance(company, shop.url)
        flow_id = make_flow(company, flow_of(manual(ORDERS), push_step(instance.id))).id
    url = client.post(f"/flows/{flow_id}/run").headers["Location"]
    worker.work()
    requests = client.get(f"{url}/requests").get_data(as_text=True)
    assert "POST" in requests and f"{shop.url}/orders" in requests
    responses = client.get(f"{url}/responses").get_data(as_text=True)
    assert ">201<" in responses and "CREATED" in responses and " ms" in responses
    shop.down = True
    url = client.post(f"/flows/{flow_id}/run").headers["Location"]
    worker.work()
    responses = client.get(f"{url}/responses").get_data(as_text=True)
    assert ">503<" in responses and "text-bg-danger" in responses


def test_logs_download_as_json_lines_and_csv(app, client, login, worker):
    _, url = _run(app, client, login, factories.SIMPLE_FLOW)
    worker.work()
    with app.app_context():
        run_id = int(url.rsplit("/", 1)[-1])
        rows = db.session.query(RunLog).filter_by(run_id=run_id).order_by(RunLog.id).all()
        messages = [r.message for r in rows]
        extra = RunLog(company_id=rows[0].company_id, run_id=run_id, level="info", message="=HYPERLINK(\"x\")")
        db.session.add(extra)
        db.session.commit()
    response = client.get(f"{url}/logs.jsonl")
    assert response.headers["Content-Disposition"] == f'attachment; filename="run-{run_id}-logs.jsonl"'
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [line["message"] for line in lines][:-1] == messages
    assert set(lines[0]) >= {"id", "created_at", "level", "step_label", "message", "payload_size"}
    table = list(csv.DictReader(io.StringIO(client.get(f"{url}/logs.csv").get_data(as_text=True))))
    assert [row["message"] for row in table][:-1] == messages
    assert table[-1]["message"].startswith("'="), "a formula is defused for spreadsheets"


def test_metadata_links_parent_child_and_retries(app, client, login, worker):
    me, url = _run(app, client, login, FAILING)
    worker.work()
    run_id = int(url.rsplit("/", 1)[-1])
    retried = client.post(f"{url}/retry").headers["Location"]
    with app.app_context():
        parent = db.session.get(Run, run_id)
        child = Run(company_id=parent.company_id, flow_id=parent.flow_id, version_id=parent.version_id,
                    trigger="run_process_flow", parent_run_id=run_id, status="success")
        db.session.add(child)
        db.session.commit()
        child_id = child.id
    meta = client.get(f"{url}/metadata").get_data(as_text=True)
    assert f'href="/runs/{child_id}"' in meta and f'href="{retried}"' in meta
    child_meta = client.get(f"/runs/{child_id}/metadata").get_data(as_text=True)
    assert f'href="/runs/{run_id}"' in child_meta


def test_pages_of_another_companys_run_are_not_found(app, client, login, worker):
    _, url = _run(app, client, login, FAILING)
    worker.work()
    client.post("/logout")
    login("administrator")
    with app.app_context():
        failed_id = db.session.execute(db.text("select id from run_failed_payload")).scalar()
    for path in ("", "/payloads", "/failed", "/metadata", "/logs.jsonl", "/logs.csv", "/input", "/steps",
                 f"/failed/{failed_id}"):
        assert client.get(url + path).status_code == 404, path
    assert client.post(url + "/retry").status_code == 404


def test_purged_payloads_say_so_instead_of_failing(app, client, login, worker):
    me, url = _run(app, client, login, factories.SIMPLE_FLOW)
    worker.work()
    with app.app_context():
        run_id = int(url.rsplit("/", 1)[-1])
        logbook.store().remove_run(me["company_id"], run_id)
        run = db.session.get(Run, run_id)
        from datetime import timedelta

        run.created_at -= timedelta(days=4)
        db.session.commit()
        log_id = db.session.query(RunLog).filter(RunLog.payload_ref.is_not(None)).first().id
    page = client.get(f"{url}/payloads").get_data(as_text=True)
    assert "have been removed" in page and "View payload" not in page
    assert client.get(f"{url}/logs/{log_id}/payload").status_code == 404
