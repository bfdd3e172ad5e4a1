"""A receive connector's preview fetches the endpoint's first page from the real API (one request, no run, no
operations); a send connector's preview still only describes what it would send."""
from __future__ import annotations

from app.companies.allowances import operations_this_month
from app.companies.models import Company
from app.connectors import services
from app.extensions import db
from app.runs.models import Run
from tests.connectors.api_server import ITEMS
from tests.connectors.api_server import TestApi as LocalApi
from tests.flows_panels.helpers import html, make_flow, payload_step, preview, preview_outputs
from tests.servers import local_server

PAGED = {"type": "page_number", "page_param": "page", "limit_param": "limit", "limit": 10, "data_path": "items"}


api_server, api = local_server(LocalApi, "api", scope="module")


def instance(app, company_id: int, base: str) -> int:
    definition = {
        "key": "paged-api", "name": "Paged API", "version": "1", "category": "other", "base_url": base,
        "variables": [], "auth_methods": [{"key": "none", "name": "No auth", "type": "none"}],
        "endpoints": [
            {"key": "list", "name": "List items", "entity": "items", "direction": "receive", "method": "GET",
             "path": "/pages/number", "pagination": PAGED},
            {"key": "push", "name": "Push item", "entity": "items", "direction": "send", "method": "POST",
             "path": "/echo"},
        ]}
    with app.app_context():
        connector = services.create_connector(db.session.get(Company, company_id), definition)
        return services.add_instance(connector, "Paged live", "none", {}).id


def counts(app, company_id: int) -> tuple[int, int]:
    with app.app_context():
        return db.session.execute(db.select(db.func.count(Run.id))).scalar_one(), operations_this_month(company_id)


def test_receive_preview_shows_the_first_page_with_one_request(app, client, login, api):
    me = login("manager")
    instance_id = instance(app, me["company_id"], api.url)
    flow_id = make_flow(app, me["company_id"], [
        {"id": "r", "type": "connector", "version": 1, "config": {"instance_id": instance_id, "endpoint": "list"}}])

    response = preview(client, flow_id, "r", {"instance_id": str(instance_id), "endpoint": "list", "wrapping": "raw"},
                       paste=[])
    assert response.status_code == 200
    page = html(response)
    assert "Received for this preview: List items (Paged live)" in page
    assert "Only the first page is fetched here" in page
    assert "Fetched for this preview: the first page only" in page  # a receive sends nothing
    assert "what it would send" not in page and "Would send" not in page
    assert preview_outputs(page) == [{"items": ITEMS[:10], "page": 1}]
    # the endpoint has three pages; the preview asked for the first one only, once
    assert [(r["method"], r["path"], r["query"]) for r in api.state["requests"]] == [
        ("GET", "/pages/number", "page=1&limit=10")]
    assert counts(app, me["company_id"]) == (0, 0)


def test_receive_preview_shows_an_unreachable_api_as_the_shape_failing(app, client, login):
    me = login("manager")
    instance_id = instance(app, me["company_id"], "http://127.0.0.1:9")
    flow_id = make_flow(app, me["company_id"], [
        {"id": "r", "type": "connector", "version": 1, "config": {"instance_id": instance_id, "endpoint": "list"}}])
    page = html(preview(client, flow_id, "r", {"instance_id": str(instance_id), "endpoint": "list"}, paste=[]))
    assert 'id="preview-error"' in page
    assert counts(app, me["company_id"]) == (0, 0)


def test_send_preview_still_sends_nothing(app, client, login, api):
    me = login("manager")
    instance_id = instance(app, me["company_id"], api.url)
    flow_id = make_flow(app, me["company_id"], [
        payload_step(data={"id": 7}),
        {"id": "s", "type": "connector", "version": 1, "config": {"instance_id": instance_id, "endpoint": "push"}}])
    page = html(preview(client, flow_id, "s", {"instance_id": str(instance_id), "endpoint": "push"},
                        paste={"id": 7}))
    assert "This shape talks to the outside world; its preview shows what it would send." in page
    assert f"POST {api.url}/echo" in page
    assert preview_outputs(page) == [{"id": 7}]  # the payload passes on; the response is not known
    assert api.state["requests"] == []
    assert counts(app, me["company_id"]) == (0, 0)
