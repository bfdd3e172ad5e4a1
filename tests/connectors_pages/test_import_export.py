"""Definition JSON export and import (with a validation report), and importing Postman v2.1 collections."""
from __future__ import annotations

import json

import pytest

from app.connectors import postman, services
from app.connectors.models import InstalledConnector
from app.extensions import db
from tests.connectors_pages import helpers, postman_samples
from tests.connectors_pages.helpers import text, upload
from tests.connectors_pages.shop_api import API_KEY


def test_export_then_import_into_another_company_round_trips(app, client, login, shop):
    me = login("manager")
    with app.app_context():
        original = helpers.shop_connector(me["company_id"], shop.url)
        cid, definition = original.id, original.definition
    exported = client.get(f"/connectors/{cid}/export")
    assert exported.status_code == 200 and exported.mimetype == "application/json"
    assert exported.headers["Content-Disposition"] == 'attachment; filename="acme-shop.json"'
    data = exported.get_data()
    assert json.loads(data) == definition

    client.post("/logout")
    login("manager")  # a new company
    response = client.post("/connectors/import", data=upload(data, "acme-shop.json"),
                           content_type="multipart/form-data")
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "Acme Shop was imported." in page and "List orders" in page
    with app.app_context():
        copies = db.session.query(InstalledConnector).filter(InstalledConnector.id != cid).all()
        assert len(copies) == 1 and copies[0].definition == definition and copies[0].source == "custom"

    again = client.post("/connectors/import", data=upload(data), content_type="multipart/form-data")
    assert again.status_code == 422 and "is already installed (Acme Shop)" in text(again)
    changed = json.loads(data)
    changed["name"] = "Acme Shop v2"
    replaced = client.post("/connectors/import", data=upload(json.dumps(changed).encode(), replace="y"),
                           content_type="multipart/form-data")
    assert replaced.status_code == 303
    with app.app_context():
        assert db.session.get(InstalledConnector, copies[0].id).name == "Acme Shop v2"


def test_an_invalid_definition_gets_a_validation_report_and_nothing_is_installed(app, client, login):
    login("manager")
    bad = {"key": "Bad Key!", "name": "", "base_url": "https://x.test/{{nope}}", "auth_methods": [],
           "endpoints": [{"key": "e", "name": "E", "direction": "sideways", "method": "GET", "path": "/"}]}
    response = client.post("/connectors/import", data=upload(json.dumps(bad).encode()),
                           content_type="multipart/form-data", headers={"HX-Request": "true"})
    body = text(response)
    assert response.status_code == 422 and "<html" not in body
    assert "The definition was not imported. The file has these problems:" in body
    for problem in ("needs a key", "needs a name", "Unknown variable {{nope}}", "direction must be"):
        assert problem in body
    broken = client.post("/connectors/import", data=upload(b'{"key": "x",'), content_type="multipart/form-data")
    assert broken.status_code == 422 and "The file is not valid JSON" in text(broken)
    collection = postman_samples.as_bytes(postman_samples.shop_collection())
    wrong_door = client.post("/connectors/import", data=upload(collection), content_type="multipart/form-data")
    assert "This is a Postman collection" in text(wrong_door)
    missing = client.post("/connectors/import", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "Choose a .json file." in text(missing)
    with app.app_context():
        assert db.session.query(InstalledConnector).count() == 0


def test_a_postman_collection_becomes_endpoints_variables_and_auth():
    draft = postman.convert(postman_samples.as_bytes(postman_samples.shop_collection()))
    d = draft.definition
    assert d["name"] == "Acme Shop API" and d["base_url"] == "{{baseUrl}}/{{apiVersion}}"
    assert [(v["key"], v.get("default")) for v in d["variables"]] == [
        ("baseUrl", "https://api.acme-shop.test"), ("apiVersion", "2024-10")]
    bearer, api_key = d["auth_methods"]
    assert (bearer["type"], bearer["settings"]["prefix"], bearer["settings"]["value"]) == ("token", "Bearer ",
                                                                                         "{{accessToken}}")
    assert bearer["variables"] == [{"key": "accessToken", "label": "Access token", "required": True, "secret": True}]
    assert (api_key["type"], api_key["settings"]["name"], api_key["settings"]["placement"]) == (
        "api_key", "X-Catalog-Key", "header")
    endpoints = {e["key"]: e for e in d["endpoints"]}
    assert list(endpoints) == ["list_orders", "get_order", "create_order", "search_products_graphql",
                               "update_stock", "ping"]
    orders = endpoints["list_orders"]
    assert (orders["entity"], orders["direction"], orders["method"], orders["path"]) == ("Orders", "receive", "GET",
                                                                                        "/orders")
    assert orders["query"] == {"status": "open", "limit": "50", "created_after": "{{created_after}}"}
    assert orders["headers"] == {"Accept": "application/json", "X-Store": "{{storeCode}}"}
    assert {v["key"]: v["required"] for v in orders["variables"]} == {"storeCode": False, "created_after": False}
    assert endpoints["get_order"]["path"] == "/orders/{{orderId}}"
    assert endpoints["get_order"]["variables"][0]["required"] is True
    create = endpoints["create_order"]
    assert create["direction"] == "send" and create["body"]["lines"][0] == {"sku": "ABC-1", "qty": 2}
    graphql = endpoints["search_products_graphql"]
    assert graphql["body"]["variables"] == {"first": 25} and graphql["auth_methods"] == ["api-key"]
    assert endpoints["update_stock"]["data_type"] == "form" and endpoints["update_stock"]["body"] == {
        "sku": "{{sku}}", "qty": "{{qty}}"}
    assert endpoints["ping"]["auth_methods"] is None and endpoints["ping"]["entity"] == "general"
    assert "tok_live_should_not_be_copied" not in json.dumps(d)
    assert any("scripts were not imported" in n for n in draft.notes)


def test_oauth_and_host_based_collections():
    d = postman.convert(postman_samples.oauth_collection()).definition
    assert d["base_url"] == "https://api.helpdesk.test/v2" and d["variables"] == []
    oauth, basic = d["auth_methods"]
    assert oauth["type"] == "oauth2_authorization_code" and oauth["settings"]["pkce"] is True
    assert oauth["settings"]["authorize_url"] == "https://id.helpdesk.test/oauth/authorize"
    assert oauth["settings"]["client_auth"] == "basic" and oauth["settings"]["scope"] == "tickets.read tickets.write"
    assert {v["key"]: v["secret"] for v in oauth["variables"]} == {"clientId": False, "clientSecret": True}
    assert basic["type"] == "basic" and "hunter2!" not in json.dumps(d)
    assert [e["path"] for e in d["endpoints"]] == ["/tickets", "/tickets/{{id}}", "/exports"]


@pytest.mark.parametrize("content, message", [
    (b"{not json", "The file is not valid JSON"),
    (b"", "The file is empty."),
    (json.dumps({"info": {"name": "x", "schema": "https://schema.getpostman.com/json/collection/v2.0.0/collection.json"},
                 "item": []}).encode(), "This is Postman Collection v2.0.0; Weft reads Collection v2.1"),
    (json.dumps({"requests": [], "order": []}).encode(), "old Postman Collection v1 file"),
    (json.dumps({"name": "Prod", "values": [], "_postman_variable_scope": "environment"}).encode(),
     "This is a Postman environment"),
    (json.dumps({"info": {"name": "x", "schema": postman_samples.SCHEMA}, "item": [{"name": "Loose"}]}).encode(),
     "Item 'Loose' has neither a request nor items."),
    (json.dumps({"info": {"name": "x", "schema": postman_samples.SCHEMA}, "item": []}).encode(),
     "The collection has no requests"),
])
def test_files_that_are_not_v21_collections_are_refused_clearly(content, message):
    with pytest.raises(postman.PostmanError) as exc:
        postman.convert(content)
    assert message in " ".join(exc.value.problems)


def test_importing_a_collection_on_the_page_then_using_it(app, client, login, shop):
    login("manager")
    collection = {
        "info": {"name": "Local shop", "schema": postman_samples.SCHEMA},
        "auth": {"type": "apikey", "apikey": [{"key": "key", "value": "X-Api-Key"},
                                             {"key": "value", "value": "{{key}}"},
                                             {"key": "in", "value": "header"}]},
        "item": [{"name": "Orders", "item": [
            {"name": "List orders", "request": {"method": "GET", "url": f"{shop.url}/orders?status=open"}},
            {"name": "Get order", "request": {"method": "GET", "url": f"{shop.url}/orders/:id"}}]}],
    }
    response = client.post("/connectors/import/postman", data=upload(json.dumps(collection).encode(), name="My shop"),
                           content_type="multipart/form-data")
    assert response.status_code == 303 and response.headers["Location"].endswith("/builder/endpoints")
    page = text(client.get(response.headers["Location"]))
    assert "My shop was imported from Postman with 2 endpoints and 1 authentication method(s)." in page
    assert "List orders" in page and "Get order" in page and "Orders".upper() in page.upper()
    with app.app_context():
        connector = db.session.query(InstalledConnector).one()
        assert connector.source == "postman" and connector.definition["base_url"] == shop.url
        instance = services.add_instance(connector, "Local", "api-key", {"key": API_KEY})
        cid, iid = connector.id, instance.id
    tried = text(client.post(f"/connectors/{cid}/endpoints/get_order/try",
                             data={"instance_id": iid, "values-v0": "1002"}))
    assert "200 OK" in tried and "Alan Turing" in tried and API_KEY not in tried
    assert shop.requests[-1]["path"] == "/orders/1002"


def test_a_malformed_collection_on_the_page_creates_nothing(app, client, login):
    login("manager")
    response = client.post("/connectors/import/postman", data=upload(b'{"info": {}, "item": 3}'),
                           content_type="multipart/form-data", headers={"HX-Request": "true"})
    body = text(response)
    assert response.status_code == 422 and "<html" not in body
    assert "The collection could not be imported:" in body and "needs an &#39;info&#39; section" in body
    with app.app_context():
        assert db.session.query(InstalledConnector).count() == 0


def test_credentials_used_directly_in_requests_are_stored_as_secrets():
    collection = {
        "info": {"name": "Header key API", "schema": postman_samples.SCHEMA},
        "variable": [{"key": "host", "value": "https://api.example.test"},
                     {"key": "apiSecret", "value": "s3cr3t-value", "type": "secret"}],
        "item": [{"name": "Stock", "request": {
            "method": "GET", "url": "{{host}}/stock?sku={{sku}}",
            "header": [{"key": "X-Api-Key", "value": "{{apiKey}}"},
                       {"key": "X-Signature", "value": "{{apiSecret}}"}]}}],
    }
    draft = postman.convert(collection)
    d = draft.definition
    assert [v["key"] for v in d["variables"]] == ["host"]
    (method,) = d["auth_methods"]
    assert method["type"] == "none"
    assert [(v["key"], v["secret"]) for v in method["variables"]] == [("apiSecret", True), ("apiKey", True)]
    assert [v["key"] for v in d["endpoints"][0]["variables"]] == ["sku"]
    assert "s3cr3t-value" not in json.dumps(d)
    assert any("'apiKey' looks like a credential" in n for n in draft.notes)
