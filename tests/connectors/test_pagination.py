"""Every pagination method against the real test API: one payload per page, one operation per page,
and each stops where it should (empty page, no next link, total reached, page cap)."""
from __future__ import annotations

import pytest

from app.connectors.http import RequestOptions
from tests.connectors.api_server import ITEMS
from tests.connectors.conftest import endpoint, run_shape


def _ids(bucket, path):
    out = []
    for payload in bucket:
        data = payload.data
        for part in path.split("."):
            data = data[part]
        out += [item["node"]["id"] if "node" in item else item["id"] for item in data]
    return out


CASES = {
    "page_number": (endpoint("list", "/pages/number", pagination={
        "type": "page_number", "page_param": "page", "limit_param": "limit", "limit": 10, "data_path": "items"}),
        "items", 3),  # 10 + 10 + 5, then an empty page that is not emitted
    "page_number_total": (endpoint("list", "/pages/number/total", pagination={
        "type": "page_number", "page_param": "currentPage", "limit_param": "pageSize", "limit": 10,
        "total_path": "total_count", "data_path": "items"}), "items", 3),
    "limit_offset": (endpoint("list", "/pages/offset", pagination={
        "type": "limit_offset", "limit": 10, "total_path": "totalResults", "data_path": "items"}), "items", 3),
    "link_header": (endpoint("list", "/pages/link", query={"limit": "10"}, pagination={
        "type": "link_header", "data_path": "orders"}), "orders", 3),
    "next_page_url": (endpoint("list", "/pages/nexturl", pagination={
        "type": "next_page_url", "next_url_path": "links.next", "data_path": "data"}), "data", 3),
    "next_page_token": (endpoint("list", "/pages/token", pagination={
        "type": "next_page_token", "token_param": "after", "token_path": "paging.next.after",
        "data_path": "results"}), "results", 3),
    "graphql_cursor": (endpoint("list", "/pages/graphql", method="POST", body={
        "query": "query($first: Int, $after: String) { orders(first: $first, after: $after) "
                 "{ edges { node { id } } } }",
        "variables": {"first": 10}}, pagination={
        "type": "graphql_cursor", "end_cursor_path": "data.orders.pageInfo.endCursor",
        "has_next_page_path": "data.orders.pageInfo.hasNextPage", "data_path": "data.orders.edges"}),
        "data.orders.edges", 3),
    "custom_relative_uri": (endpoint("list", "/api/pages/relative", pagination={
        "type": "custom_relative_uri", "uri_path": "nextRecordsUrl", "done_path": "done",
        "data_path": "records"}), "records", 3),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_pagination_method_emits_one_payload_per_page_and_stops(case, setup, make_runtime):
    ep, path, pages = CASES[case]
    instance = setup(endpoints=[ep])
    runtime = make_runtime(instance.company_id)
    out, operations, log = run_shape(runtime, {"instance_id": instance.id, "endpoint": "list"})
    assert len(out) == pages
    assert _ids(out, path) == [item["id"] for item in ITEMS]
    assert [p.meta["page"] for p in out] == [1, 2, 3]
    requests = [m for m in log.messages() if " → 200" in m]
    assert operations == len(requests)  # one operation per request sent
    assert operations in (pages, pages + 1)  # page_number and offset may ask once more to see the end


def test_link_header_follows_the_next_relation_only(setup, make_runtime, api):
    ep, _, _ = CASES["link_header"]
    instance = setup(endpoints=[ep])
    run_shape(make_runtime(instance.company_id), {"instance_id": instance.id, "endpoint": "list"})
    asked = [r["query"] for r in api.state["requests"] if r["path"] == "/pages/link"]
    assert asked == ["limit=10", "page_info=10&limit=10", "page_info=20&limit=10"]


def test_next_page_url_resolves_a_query_only_value_against_the_previous_path(setup, make_runtime, api):
    ep, _, _ = CASES["next_page_url"]
    instance = setup(endpoints=[ep])
    run_shape(make_runtime(instance.company_id), {"instance_id": instance.id, "endpoint": "list"})
    assert [r["query"] for r in api.state["requests"]] == ["", "page=2", "page=3"]


def test_the_page_cap_stops_an_endless_api_with_a_warning(setup, make_runtime):
    ep = endpoint("list", "/pages/endless", pagination={"type": "page_number", "data_path": "items"})
    instance = setup(endpoints=[ep])
    runtime = make_runtime(instance.company_id, page_cap=7)
    out, operations, log = run_shape(runtime, {"instance_id": instance.id, "endpoint": "list"})
    assert len(out) == 7 and operations == 7
    assert any("Stopped after 7 pages" in m for m in log.messages("warning"))


def test_an_endpoint_can_lower_the_page_cap(setup, make_runtime):
    ep = endpoint("list", "/pages/endless", pagination={"type": "page_number", "max_pages": 3})
    instance = setup(endpoints=[ep])
    out, operations, _ = run_shape(make_runtime(instance.company_id), {"instance_id": instance.id, "endpoint": "list"})
    assert len(out) == 3


def test_an_empty_first_page_emits_nothing(setup, make_runtime):
    ep = endpoint("list", "/pages/empty", pagination={"type": "page_number", "data_path": "items"})
    instance = setup(endpoints=[ep])
    out, operations, _ = run_shape(make_runtime(instance.company_id), {"instance_id": instance.id, "endpoint": "list"})
    assert out == [] and operations == 1


def test_allow_empty_keeps_empty_pages(setup, make_runtime):
    ep = endpoint("list", "/pages/empty", pagination={"type": "page_number", "data_path": "items",
                                                        "allow_empty": True, "max_pages": 2})
    instance = setup(endpoints=[ep])
    out, _, _ = run_shape(make_runtime(instance.company_id), {"instance_id": instance.id, "endpoint": "list"})
    assert [p.data for p in out] == [{"items": []}, {"items": []}]


def test_pagination_variables_reach_templates(setup, make_runtime, api):
    ep = endpoint("list", "/pages/number", query={"page": "[[pagination.page]]", "limit": "5"},
                  pagination={"type": "page_number", "page_param": "", "data_path": "items", "max_pages": 2})
    instance = setup(endpoints=[ep])
    run_shape(make_runtime(instance.company_id), {"instance_id": instance.id, "endpoint": "list"})
    assert [r["query"] for r in api.state["requests"]] == ["page=1&limit=5", "page=2&limit=5"]


def test_receive_through_the_http_layer_directly(setup, make_runtime):
    ep, _, _ = CASES["next_page_token"]
    instance = setup(endpoints=[ep])
    runtime = make_runtime(instance.company_id)
    resolved = runtime.get_instance(instance.id)
    records = []
    pages = list(runtime.http(resolved).receive(resolved.endpoint("list"), {}, None,
                                                RequestOptions(on_exchange=records.append)))
    assert len(pages) == 3 and len(records) == 3
    assert records[1].url.endswith("/pages/token?after=10")
