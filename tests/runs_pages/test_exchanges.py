"""The run page's Requests and Responses tabs: each HTTP exchange of a connector step in full (headers,
bodies, status, time), cut when big, with the API key, cookies and credentials masked everywhere."""
from __future__ import annotations

import html
import json
import re

from app.companies.models import Company
from app.connectors import services as connector_services
from app.extensions import db
from app.runs.exchanges import Allowance, bounded
from tests.runs_pages.conftest import ORDERS, flow_of, make_flow, manual, push_step

API_KEY = "sk_live_51HzQ8rA7b9"


def _keyed_instance(company, base_url: str):
    method = {"key": "key", "name": "API key", "type": "api_key",
              "settings": {"placement": "header", "name": "X-API-Key"},
              "variables": [{"key": "api_key", "label": "API key", "required": True, "secret": True}]}
    definition = {"key": "keyed-shop", "name": "Keyed shop", "version": "1", "category": "other", "base_url": base_url,
                  "variables": [], "auth_methods": [method],
                  "endpoints": [
                      {"key": "customers", "name": "Customers", "entity": "customers", "direction": "receive",
                       "method": "GET", "path": "/customers", "query": {"q": "red", "api_key": "{{api_key}}"}},
                      {"key": "big", "name": "Big list", "entity": "items", "direction": "receive", "method": "GET",
                       "path": "/big"},
                      {"key": "push", "name": "Push order", "entity": "orders", "direction": "send", "method": "POST",
                       "path": "/orders"}]}
    connector = connector_services.create_connector(company, definition)
    return connector_services.add_instance(connector, "Keyed shop", "key", {"api_key": API_KEY}, retries=0)


def _receive(instance_id: int, endpoint: str, id: str) -> dict:
    return {"id": id, "type": "connector", "version": 1, "retries": 0,
            "config": {"instance_id": instance_id, "endpoint": endpoint, "retries": 0}}


def _run(app, client, login, worker, shop, steps_of):
    me = login("user")
    with app.app_context():
        company = db.session.get(Company, me["company_id"])
        instance = _keyed_instance(company, shop.url)
        flow_id = make_flow(company, flow_of(*steps_of(instance.id))).id
    url = client.post(f"/flows/{flow_id}/run").headers["Location"]
    worker.work()
    return url


def test_each_exchange_shows_url_headers_status_and_bodies_with_secrets_masked(app, client, login, worker, shop):
    url = _run(app, client, login, worker, shop, lambda i: [
        _receive(i, "customers", "fetch"), manual(ORDERS), push_step(i)])
    requests = html.unescape(client.get(f"{url}/requests").get_data(as_text=True))
    entries = re.findall(r'<details class="list-group-item weft-exchange" id="request-\d+"', requests)
    assert len(entries) == 2, "one collapsible entry per request"
    assert "GET</span>" in requests and f"{shop.url}/customers?q=red&api_key=••••" in requests
    assert "X-API-Key" in requests and "Request headers" in requests
    assert '"sku": "RED-1"' in requests, "the POST body, pretty-printed"

    responses = html.unescape(client.get(f"{url}/responses").get_data(as_text=True))
    assert ">200<" in responses and ">201<" in responses and " ms" in responses
    assert '"name": "Ada Lovelace"' in responses, "the response body"
    assert '"you_sent": "••••"' in responses, "the key the API echoed back is masked by value"
    assert "Set-Cookie" in responses.replace("set-cookie", "Set-Cookie") and "cookie-value-4242" not in responses

    # A request's log line links to it, opened.
    logs = client.get(url).get_data(as_text=True)
    link = html.unescape(re.search(r'href="([^"]+)">Request and response<', logs).group(1))
    row_id = link.rsplit("-", 1)[-1]
    opened = client.get(link.split("#")[0]).get_data(as_text=True)
    assert re.search(rf'id="response-{row_id}" open', opened)
    lines = [json.loads(line) for line in client.get(f"{url}/logs.jsonl").get_data(as_text=True).splitlines()]
    kept = [line["exchange"] for line in lines if line["exchange"]]
    assert [x["status"] for x in kept] == [200, 201] and kept[0]["request_headers"]["X-API-Key"] == "••••"

    # The log lines too (the payloads are the data as the API sent it, so they are not rewritten).
    everything = requests + responses + client.get(f"{url}/logs.jsonl").get_data(as_text=True)
    assert API_KEY not in everything and API_KEY[3:] not in everything


def test_big_bodies_are_cut_with_a_truncated_note(app, client, login, worker, shop):
    url = _run(app, client, login, worker, shop, lambda i: [_receive(i, "big", "big")])
    responses = client.get(f"{url}/responses").get_data(as_text=True)
    assert ">200<" in responses and "truncated" in responses
    note = re.search(r"([\d,]+) more characters were not kept", responses)
    assert note and int(note.group(1).replace(",", "")) > 5000


def test_a_failed_request_shows_its_status_and_the_error_body(app, client, login, worker, shop):
    shop.down = True
    url = _run(app, client, login, worker, shop, lambda i: [manual(ORDERS), push_step(i)])
    responses = html.unescape(client.get(f"{url}/responses").get_data(as_text=True))
    assert ">503<" in responses and "text-bg-danger" in responses and '"error": "maintenance"' in responses
    assert 'data-ok="false"' in responses


def test_a_step_keeps_a_bounded_number_of_exchanges_and_every_field_is_bounded():
    allowance = Allowance(per_step=3, failed_per_step=1)
    ok = {"method": "GET", "url": "http://x/", "status": 200, "request_headers": {}, "response_headers": {}}
    failed = {**ok, "status": 500}
    kept = [allowance.keep("a", ok) for _ in range(5)]
    assert [k is not None for k in kept] == [True, True, True, False, False]
    assert allowance.keep("a", failed) is not None and allowance.keep("a", failed) is None
    assert allowance.keep("b", ok) is not None, "each step has its own allowance"
    many = bounded({**ok, "response_headers": {f"x-{i}": "v" * 5000 for i in range(150)}, "response_body": "y" * 20000})
    assert len(many["response_headers"]) == 100 and many["response_headers_omitted"] == 50
    assert all(len(v) < 1100 for v in many["response_headers"].values())
    assert len(many["response_body"]) < 8100
