"""Endpoint field tags: typed in the builder, saved, shown again on the endpoint page, and read by the map's auto-map,
which pairs a source and a target field with the same tag when their names differ. Also: the connector page shows
the scripts its endpoints and authentication methods use, by name."""
from __future__ import annotations

import copy

from app.connectors import services
from app.connectors.models import InstalledConnector
from app.extensions import db
from app.flows.panels import automap
from app.scripts import services as script_services
from tests.connectors_pages import helpers
from tests.connectors_pages.helpers import text
from tests.connectors_pages.shop_api import definition
from tests.flows_panels.helpers import HX, draft, make_flow, payload_step

LIST_ORDERS = {"name": "List orders", "entity": "orders", "direction": "receive", "method": "GET", "path": "/orders",
               "data_type": "json", "pagination_type": "none", "query-0-name": "status", "query-0-value": "{{status}}",
               "variables-0-key": "status", "variables-0-label": "Status", "variables-0-default": "open"}


def _endpoint(app, connector_id: int, key: str) -> dict:
    with app.app_context():
        found = db.session.get(InstalledConnector, connector_id).definition["endpoints"]
    return next(e for e in found if e["key"] == key)


def test_the_builder_saves_field_tags_and_shows_them_again(app, client, login, shop):
    me = login("manager")
    with app.app_context():
        cid = helpers.shop_connector(me["company_id"], shop.url).id
    url = f"/connectors/{cid}/builder/endpoints/list_orders"

    added = client.post(url, data={**LIST_ORDERS, "_add": "field_tags"}, headers=HX)
    assert added.status_code == 200 and 'name="field_tags-0-name"' in text(added)
    assert not _endpoint(app, cid, "list_orders").get("field_tags")  # a row added, nothing saved

    untagged = client.post(url, data={**LIST_ORDERS, "field_tags-0-name": "orders.*.email", "field_tags-0-value": ""})
    assert untagged.status_code == 422 and "Give this field a tag." in text(untagged)
    nameless = client.post(url, data={**LIST_ORDERS, "field_tags-0-name": "", "field_tags-0-value": "customer email"})
    assert nameless.status_code == 422 and "Give the field this tag belongs to" in text(nameless)

    saved = client.post(url, data={**LIST_ORDERS, "field_tags-0-name": "orders.*.email",
                                   "field_tags-0-value": " customer email ", "field_tags-1-name": "orders.*.id",
                                   "field_tags-1-value": "order id", "field_tags-2-name": "", "field_tags-2-value": ""})
    assert saved.status_code == 303, text(saved)
    assert _endpoint(app, cid, "list_orders")["field_tags"] == {"orders.*.email": "customer email",
                                                                 "orders.*.id": "order id"}
    page = text(client.get(url))
    assert "Field tags" in page
    assert 'name="field_tags-0-name"' in page and 'value="orders.*.email"' in page and 'value="customer email"' in page

    removed = client.post(url, data={**LIST_ORDERS, "field_tags-0-name": "orders.*.id",
                                     "field_tags-0-value": "order id"})
    assert removed.status_code == 303
    assert _endpoint(app, cid, "list_orders")["field_tags"] == {"orders.*.id": "order id"}


def test_auto_map_pairs_fields_with_the_same_tag_when_names_differ():
    outcome = automap.propose(["mail", "id", "contact.mail"], ["EmailAddress", "Id"],
                              source_tags={"mail": "Customer  email"}, target_tags={"EmailAddress": "customer email"})
    assert [(p.source, p.target, p.how) for p in outcome.proposals] == [
        ("mail", "EmailAddress", "tag"), ("id", "Id", "path")]
    untagged = automap.propose(["mail"], ["EmailAddress"])
    assert untagged.proposals == []
    # two sources with the same tag: left for the user, not guessed
    doubled = automap.propose(["mail", "email2"], ["EmailAddress"], source_tags={"mail": "x", "email2": "x"},
                              target_tags={"EmailAddress": "x"})
    assert doubled.proposals == []


def _tagged_shop() -> dict:
    shop = {"key": "tagged-shop", "name": "Tagged shop", "version": "1", "category": "ecommerce",
            "base_url": "http://127.0.0.1:9", "variables": [],
            "auth_methods": [{"key": "none", "name": "No authentication", "type": "none"}],
            "endpoints": [
                {"key": "list_customers", "name": "List customers", "entity": "customers", "direction": "receive",
                 "method": "GET", "path": "/customers", "field_tags": {"mail": "customer email"},
                 "schema": {"type": "object", "properties": {"mail": {"type": "string"},
                                                             "name": {"type": "string"}}}},
                {"key": "create_contact", "name": "Create contact", "entity": "contacts", "direction": "send",
                 "method": "POST", "path": "/contacts", "field_tags": {"EmailAddress": "Customer email"},
                 "schema": {"type": "object", "properties": {"EmailAddress": {"type": "string"},
                                                             "Name": {"type": "string"}}}}]}
    return shop


def test_the_map_panel_auto_maps_tagged_fields_of_endpoint_data_models(app, client, login):
    me = login("user")
    with app.app_context():
        connector = services.create_connector(helpers.company(me["company_id"]), _tagged_shop())
        iid = services.add_instance(connector, "Shop", "none", {}).id
    step = {"id": "m", "type": "map", "version": 1, "name": "Customers", "config": {"rules": []}}
    flow_id = make_flow(app, me["company_id"], [payload_step(), step])
    data = {"expected_revision": str(draft(app, flow_id)[0]), "name": "Customers", "per_record": "y",
            "source_kind": "model", "source_model": f"{iid}:list_customers",
            "target_kind": "model", "target_model": f"{iid}:create_contact"}
    response = client.post(f"/flows/{flow_id}/steps/m/panel/map/automap", headers=HX, data=data)
    page = text(response)
    assert response.status_code == 200, page
    rules = next(s for s in draft(app, flow_id)[1]["steps"] if s["id"] == "m")["config"]["rules"]
    assert {"source": "mail", "target": "EmailAddress"} in rules and {"source": "name", "target": "Name"} in rules
    assert "same field tag" in page


def test_the_connector_page_shows_the_scripts_by_name(app, client, login, shop):
    me = login("manager")
    with app.app_context():
        company = helpers.company(me["company_id"])
        script = script_services.create_script(company, "Sign requests", "python",
                                               code="def handle(data):\n    return data\n")
        script_services.deploy(script)
        shop_def = copy.deepcopy(definition(shop.url))
        shop_def["endpoints"][0]["post_request_script"] = script.id
        shop_def["auth_methods"][0]["pre_request_script"] = script.id
        cid = services.create_connector(company, shop_def).id
    page = text(client.get(f"/connectors/{cid}"))
    endpoints = page.split('id="endpoints"')[1].split('id="auth-methods"')[0]
    methods = page.split('id="auth-methods"')[1]
    assert "Post-request script: <span" in endpoints and "Sign requests</span>" in endpoints
    assert "Pre-request script: <span" in methods and "Sign requests</span>" in methods
    assert f">{script.id}<" not in page  # the name, not the id
