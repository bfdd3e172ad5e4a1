"""The connector builder, step by step through the pages: details, variables, authentication, endpoints,
inline validation from validate_definition, repeating rows, and "Try it" against a real local API."""
from __future__ import annotations

from app import crypto
from app.connectors import services
from app.connectors.models import InstalledConnector
from app.extensions import db
from tests.connectors_pages import helpers
from tests.connectors_pages.helpers import text
from tests.connectors_pages.shop_api import API_KEY


def _definition(app, connector_id):
    with app.app_context():
        return db.session.get(InstalledConnector, connector_id).definition


def test_building_a_connector_step_by_step(app, client, login, shop):
    login("manager")
    start = text(client.get("/connectors/new"))
    assert "Build a connector" in start and "Create and continue" in start

    missing = client.post("/connectors/new", data={"name": "", "base_url": ""})
    assert missing.status_code == 422
    assert "Give the connector a name." in text(missing)
    assert "Enter the address every endpoint starts with" in text(missing)

    created = client.post("/connectors/new", data={
        "name": "Acme WMS", "version": "1", "icon": "bi-box-seam", "category": "wms",
        "description": "Stock and orders.", "base_url": shop.url + "/{{region}}", "test_path": "/me"})
    # The base URL names a variable that does not exist yet: validate_definition says so, inline.
    assert created.status_code == 422 and "Base URL: Unknown variable {{region}}" in text(created)
    created = client.post("/connectors/new", data={
        "name": "Acme WMS", "version": "1", "icon": "bi-box-seam", "category": "wms", "base_url": shop.url,
        "test_path": "/me"})
    assert created.status_code == 303 and created.headers["Location"].endswith("/builder/variables")
    with app.app_context():
        connector = db.session.query(InstalledConnector).one()
        cid = connector.id
        assert (connector.key, connector.source, connector.definition["test"]) == (
            "acme-wms", "custom", {"method": "GET", "path": "/me"})
    page = text(client.get(created.headers["Location"]))
    assert "Acme WMS is created." in page and "No connector variables" in page

    # Step 2: rows are added and removed without saving, then saved.
    added = client.post(f"/connectors/{cid}/builder/variables", data={"_add": "variables"},
                        headers={"HX-Request": "true"})
    assert added.status_code == 200 and 'name="variables-0-key"' in text(added) and "<html" not in text(added)
    bad = client.post(f"/connectors/{cid}/builder/variables",
                      data={"variables-0-key": "9 lives", "variables-0-label": "x"})
    assert bad.status_code == 422 and "A key starts with a letter" in text(bad)
    saved = client.post(f"/connectors/{cid}/builder/variables", data={
        "variables-0-key": "warehouse", "variables-0-label": "Warehouse code", "variables-0-required": "y",
        "variables-0-help": "e.g. LON1", "variables-1-key": "", "variables-1-label": ""})
    assert saved.status_code == 303
    assert _definition(app, cid)["variables"] == [{"key": "warehouse", "label": "Warehouse code", "required": True,
                                                   "secret": False, "help": "e.g. LON1"}]
    removed = client.post(f"/connectors/{cid}/builder/variables", data={
        "variables-0-key": "warehouse", "variables-0-label": "Warehouse code", "_remove": "variables-0"})
    assert removed.status_code == 200 and 'value="warehouse"' not in text(removed)

    # Step 3: the type sets the settings and default variables.
    auth_page = text(client.get(f"/connectors/{cid}/builder/auth"))
    assert "No authentication methods yet" in auth_page
    refreshed = client.post(f"/connectors/{cid}/builder/auth/new",
                            data={"name": "Key", "type": "api_key", "_refresh": "1"})
    body = text(refreshed)
    assert refreshed.status_code == 200 and 'value="X-API-Key"' in body and 'value="api_key"' in body
    saved = client.post(f"/connectors/{cid}/builder/auth/new", data={
        "name": "API key", "type": "api_key", "settings-placement": "header", "settings-name": "X-Api-Key",
        "settings-prefix": "", "settings-value": "{{api_key}}", "variables-0-key": "api_key",
        "variables-0-label": "API key", "variables-0-required": "y", "variables-0-secret": "y"})
    assert saved.status_code == 303
    method = _definition(app, cid)["auth_methods"][0]
    assert (method["key"], method["type"], method["settings"]["name"], method["settings"].get("prefix", "")) == (
        "api-key", "api_key", "X-Api-Key", "")
    assert method["variables"] == [{"key": "api_key", "label": "API key", "required": True, "secret": True}]

    # Step 4: an endpoint; a typo in a variable is reported by validate_definition.
    typo = client.post(f"/connectors/{cid}/builder/endpoints/new", data={
        "name": "Get order", "direction": "receive", "method": "GET", "path": "/orders/{{order}}",
        "data_type": "json", "pagination_type": "none", "variables-0-key": "order_id", "variables-0-label": "Order ID",
        "variables-0-required": "y"})
    assert typo.status_code == 422 and "Unknown variable {{order}}" in text(typo)
    saved = client.post(f"/connectors/{cid}/builder/endpoints/new", data={
        "name": "Get order", "entity": "orders", "direction": "receive", "method": "GET",
        "path": "/orders/{{order_id}}", "data_type": "json", "pagination_type": "none", "variables-0-key": "order_id",
        "variables-0-label": "Order ID", "variables-0-required": "y", "headers-0-name": "X-Client",
        "headers-0-value": "weft"})
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/builder/endpoints/get_order")
    endpoint = _definition(app, cid)["endpoints"][0]
    assert (endpoint["key"], endpoint["path"], endpoint["headers"], endpoint["pagination"]) == (
        "get_order", "/orders/{{order_id}}", {"X-Client": "weft"}, None)
    listing = text(client.get(f"/connectors/{cid}/builder/endpoints"))
    assert "Get order" in listing and "GET /orders/{{order_id}}" in listing
    details = text(client.get(f"/connectors/{cid}/builder"))
    assert "1 authentication method" in details and "1 endpoint" in details
    assert 'value="Acme WMS"' in details and f'value="{shop.url}"' in details and 'value="/me"' in details
    edit = text(client.get(f"/connectors/{cid}/builder/auth/api-key"))
    assert 'value="API key"' in edit and 'value="X-Api-Key"' in edit


def test_pagination_settings_follow_the_chosen_method(app, client, login, shop):
    me = login("manager")
    with app.app_context():
        cid = helpers.shop_connector(me["company_id"], shop.url).id
    data = {"name": "All orders", "direction": "receive", "method": "GET", "path": "/orders", "data_type": "json",
            "pagination_type": "limit_offset"}
    refreshed = text(client.post(f"/connectors/{cid}/builder/endpoints/new", data={**data, "_refresh": "1"}))
    assert "Offset parameter" in refreshed or "offset_param" in refreshed
    missing = client.post(f"/connectors/{cid}/builder/endpoints/new", data=data)
    assert missing.status_code == 422 and "Enter the limit." in text(missing)
    saved = client.post(f"/connectors/{cid}/builder/endpoints/new", data={
        **data, "pagination-limit": "50", "pagination-limit_param": "limit", "pagination-offset_param": "offset",
        "pagination-data_path": "orders", "records_path": "orders", "query-0-name": "status", "query-0-value": "open"})
    assert saved.status_code == 303
    endpoint = next(e for e in _definition(app, cid)["endpoints"] if e["name"] == "All orders")
    assert endpoint["pagination"] == {"type": "limit_offset", "limit_param": "limit", "offset_param": "offset",
                                      "limit": 50, "start_offset": 0, "data_path": "orders", "allow_empty": False}
    assert endpoint["query"] == {"status": "open"} and endpoint["records_path"] == "orders"


def test_removing_an_auth_method_an_instance_uses_is_refused(app, client, login, shop):
    me = login("manager")
    with app.app_context():
        connector = helpers.shop_connector(me["company_id"], shop.url)
        helpers.shop_instance(connector)
        cid = connector.id
    response = client.post(f"/connectors/{cid}/builder/auth/api-key/remove", follow_redirects=True)
    assert "The method was not removed" in text(response) and "uses the authentication method" in text(response)
    assert len(_definition(app, cid)["auth_methods"]) == 1


def test_copying_and_removing_endpoints(app, client, login, shop):
    me = login("manager")
    with app.app_context():
        cid = helpers.shop_connector(me["company_id"], shop.url).id
    copied = client.post(f"/connectors/{cid}/builder/endpoints/list_orders/duplicate")
    assert copied.headers["Location"].endswith("/builder/endpoints/list_orders_copy")
    assert "List orders (copy)" in text(client.get(copied.headers["Location"]))
    client.post(f"/connectors/{cid}/builder/endpoints/list_orders_copy/remove")
    assert [e["key"] for e in _definition(app, cid)["endpoints"]] == ["list_orders", "get_order", "create_order"]


def test_a_prebuilt_connector_is_copied_before_it_is_edited(app, client, login):
    me = login("manager")
    with app.app_context():
        cid = services.install_connector(helpers.company(me["company_id"]), "shopify").id
    response = client.get(f"/connectors/{cid}/builder/endpoints", follow_redirects=True)
    assert "is a prebuilt connector that Weft keeps up to date" in text(response)
    copied = client.post(f"/connectors/{cid}/copy")
    assert copied.status_code == 303 and "/builder" in copied.headers["Location"]
    with app.app_context():
        twin = db.session.query(InstalledConnector).filter_by(key="shopify-copy").one()
        assert twin.source == "custom" and twin.name == "Shopify (copy)"
    assert "Shopify (copy)" in text(client.get(copied.headers["Location"]))


def test_try_it_shows_the_request_and_the_response_with_secrets_masked(app, client, login, shop):
    me = login("manager")
    with app.app_context():
        connector = helpers.shop_connector(me["company_id"], shop.url)
        cid, iid = connector.id, helpers.shop_instance(connector).id
        wrong = helpers.shop_instance(connector, api_key="sk_expired_999999", name="Expired").id
    page = text(client.get(f"/connectors/{cid}/builder/endpoints/get_order"))
    assert "Try it" in page and "Live shop" in page and "Order ID" in page

    needs = client.post(f"/connectors/{cid}/endpoints/get_order/try", data={"instance_id": iid, "values-v0": ""})
    assert "Enter a value for: Order ID." in text(needs) and not shop.requests

    tried = client.post(f"/connectors/{cid}/endpoints/get_order/try", data={"instance_id": iid, "values-v0": "1001"},
                        headers={"HX-Request": "true"})
    body = text(tried)
    assert tried.status_code == 200 and "<html" not in body and 'id="try-panel"' in body
    assert 'id="try-status">200 OK' in body and f"GET {shop.url}/orders/1001" in body
    assert "&#34;customer&#34;: &#34;Ada Lovelace&#34;" in body  # pretty-printed
    assert "X-Api-Key" in body and "••••" in body and API_KEY not in body
    assert shop.requests[-1]["headers"]["X-Api-Key"] == API_KEY

    failed = text(client.post(f"/connectors/{cid}/endpoints/get_order/try",
                              data={"instance_id": wrong, "values-v0": "1"}))
    assert 'id="try-status">401 UNAUTHORIZED' in failed  # the reason phrase as the server sent it
    assert "Invalid API key" in failed and "sk_expired_999999" not in failed

    sent = text(client.post(f"/connectors/{cid}/endpoints/create_order/try",
                            data={"instance_id": iid, "payload": '{"sku": "A-1", "qty": 3}'}))
    assert 'id="try-status">201 CREATED' in sent and "&#34;qty&#34;: 3" in sent
    assert shop.requests[-1]["body"] == '{"sku":"A-1","qty":3}'
    with app.app_context():
        assert crypto.decrypt_json(db.session.get(services.Instance, iid).credentials_enc) == {"api_key": API_KEY}


def test_a_protocol_connectors_endpoints_are_not_edited_in_the_builder(app, client, login):
    me = login("manager")
    with app.app_context():
        sftp = services.install_connector(helpers.company(me["company_id"]), "sftp")
        twin_id = client.post(f"/connectors/{sftp.id}/copy").headers["Location"].split("/")[2]
    listing = text(client.get(f"/connectors/{twin_id}/builder/endpoints"))
    assert "SFTP (copy) uses SFTP, not HTTP" in listing and "List files" in listing
    assert 'id="add-endpoint"' not in listing
    response = client.get(f"/connectors/{twin_id}/builder/endpoints/list_files", follow_redirects=True)
    assert "Export the JSON, change it and import it" in text(response)
