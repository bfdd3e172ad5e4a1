"""Connector services: catalog, install/update/remove, instances with encrypted credentials, usage
checks against deployed flows, and the connection test."""
from __future__ import annotations

import json

import pytest

from app.connectors import catalog, services
from app.connectors.definitions import validate_definition
from app.connectors.models import InstalledConnector, Instance
from app.extensions import db
from tests import factories
from tests.connectors.conftest import endpoint, make_definition

KEY_AUTH = {"key": "key", "name": "Key", "type": "api_key", "settings": {"name": "X-Api-Key"},
            "variables": [{"key": "api_key", "label": "API key", "required": True, "secret": True}]}


def _flow_using(company, instance_id, endpoint_key="list", deploy=True, nested=False):
    step = {"id": "c1", "type": "connector", "version": 1,
            "config": {"instance_id": instance_id, "endpoint": endpoint_key}}
    steps = [step]
    if nested:  # a connector inside a route path is found too
        paths = [{"id": "p", "name": "A", "steps": [step]}, {"id": "q", "name": "B", "steps": []}]
        steps = [{"id": "r", "type": "route", "version": 1, "config": {}, "paths": paths}]
    flow = factories.flow(company, name="Orders sync", deploy=deploy, definition={"trigger": {"type": "manual"},
                                                                                  "steps": steps})
    return flow


def test_every_catalog_definition_is_valid():
    keys = catalog.keys()
    assert len(keys) == 115  # the reference list plus the SQL database connector
    for key in keys:
        definition = catalog.get(key)
        assert definition["key"] == key
        assert validate_definition(definition) == [], key


@pytest.mark.parametrize("key", ["shopify", "woocommerce", "bigcommerce", "hubspot", "netsuite", "klaviyo",
                                 "adobe-commerce-magento"])
def test_the_main_commerce_connectors_cover_the_core_entities(key):
    definition = catalog.get(key)
    entities = {e["entity"] for e in definition["endpoints"]}
    assert {"orders", "products", "customers"} <= entities
    if key != "hubspot":  # HubSpot has no inventory or fulfilment objects
        assert {"inventory"} <= entities
    paginated = {e["entity"] for e in definition["endpoints"] if e["direction"] == "receive" and e.get("pagination")}
    assert {"orders", "products", "customers"} <= paginated, key


def test_catalog_entries_search_and_copies():
    cards = catalog.entries(query="shop")
    assert {"Shopify", "Shopware"} <= {c["name"] for c in cards}
    first = catalog.get("shopify")
    first["name"] = "changed"
    assert catalog.get("shopify")["name"] == "Shopify"


def test_install_freezes_a_copy_and_refuses_duplicates(ctx):
    company = factories.company()
    row = services.install_connector(company, "shopify")
    assert row.source == "catalog" and row.definition["base_url"].startswith("https://{{store_name}}")
    with pytest.raises(services.ConnectorServiceError, match="already installed"):
        services.install_connector(company, "shopify")
    with pytest.raises(services.ConnectorServiceError, match="no prebuilt connector"):
        services.install_connector(company, "nope")
    assert [c.key for c in services.installed_connectors(company.id)] == ["shopify"]


def test_a_custom_definition_is_validated(ctx):
    company = factories.company()
    bad = {"key": "Bad Key", "name": "", "base_url": "https://x/{{nope}}", "auth_methods": [
        {"key": "a", "name": "A", "type": "kerberos"}], "endpoints": [
        {"key": "e", "name": "E", "direction": "sideways", "method": "FETCH", "path": "/x",
         "pagination": {"type": "page_number", "limit": "many"}}]}
    with pytest.raises(services.ConnectorServiceError) as exc:
        services.create_connector(company, bad)
    text = " ".join(exc.value.problems)
    for expected in ("needs a key", "needs a name", "unknown authentication type 'kerberos'",
                     "Unknown variable {{nope}}", "direction must be", "HTTP method must be",
                     "'Limit' must be a whole number"):
        assert expected in text


def test_instances_encrypt_secrets_and_keep_clear_values_readable(ctx, api):
    company = factories.company()
    connector = services.create_connector(company, make_definition(
        api.url, auth=KEY_AUTH, variables=[{"key": "shop", "label": "Shop", "required": True}]))
    with pytest.raises(services.ConnectorServiceError) as exc:
        services.add_instance(connector, "", "key", {}, retries=5)
    assert {"The instance needs a name.", "'Shop' is required.", "'API key' is required.",
            "Retries must be a whole number from 0 to 2."} <= set(exc.value.problems)
    instance = services.add_instance(connector, "Live", "key", {"shop": "acme", "api_key": "key-12345-secret"},
                                     timeout_seconds=20, rate_limit_per_minute=60)
    raw = json.dumps({c.name: str(getattr(instance, c.name)) for c in Instance.__table__.columns})
    assert "key-12345-secret" not in raw
    assert instance.variables == {"shop": "acme"} and instance.timeout_seconds == 20
    assert services.instance_values(instance) == {"values": {"shop": "acme", "api_key": ""},
                                                  "secrets_set": ["api_key"]}


def test_editing_keeps_a_blank_secret_and_forgets_tokens_when_credentials_change(ctx, api):
    from app import crypto

    company = factories.company()
    connector = services.create_connector(company, make_definition(api.url, auth=KEY_AUTH))
    instance = services.add_instance(connector, "Live", "key", {"api_key": "first-secret"})
    instance.oauth_token_enc = crypto.encrypt_json({"access_token": "x"})
    db.session.commit()
    services.update_instance(instance, name="Renamed", values={"api_key": ""})
    assert crypto.decrypt_json(instance.credentials_enc) == {"api_key": "first-secret"}
    assert instance.oauth_token_enc is not None and instance.name == "Renamed"
    services.update_instance(instance, values={"api_key": "second-secret"}, pool_size=4)
    assert crypto.decrypt_json(instance.credentials_enc) == {"api_key": "second-secret"}
    assert instance.oauth_token_enc is None and instance.pool_size == 4


def test_an_instance_used_by_a_deployed_flow_cannot_be_removed(ctx, api):
    company = factories.company()
    connector = services.create_connector(company, make_definition(api.url, endpoints=[endpoint("list", "/x")]))
    instance = services.add_instance(connector, "Live", "none", {})
    _flow_using(company, instance.id, deploy=False)  # a draft does not block
    assert services.flows_using(company.id, [instance.id]) == []
    assert len(services.flows_using(company.id, [instance.id], statuses=("deployed", "draft"))) == 1
    _flow_using(company, instance.id, nested=True)
    with pytest.raises(services.InUseError) as exc:
        services.remove_instance(instance)
    assert "Orders sync" in str(exc.value) and exc.value.usages[0].step_id == "c1"
    with pytest.raises(services.InUseError):
        services.remove_connector(connector)
    with pytest.raises(services.ConnectorServiceError, match="uses the endpoint 'list'"):
        services.update_connector(connector, make_definition(api.url, endpoints=[endpoint("other", "/y")]))


def test_removing_an_unused_connector_removes_its_instances(ctx, api):
    company = factories.company()
    connector = services.create_connector(company, make_definition(api.url, endpoints=[endpoint("list", "/x")]))
    services.add_instance(connector, "Live", "none", {})
    services.remove_connector(connector)
    assert db.session.query(Instance).count() == 0 and db.session.query(InstalledConnector).count() == 0


def test_updating_refuses_to_drop_an_auth_method_in_use(ctx, api):
    company = factories.company()
    connector = services.create_connector(company, make_definition(api.url, auth=KEY_AUTH))
    services.add_instance(connector, "Live", "key", {"api_key": "k-123456"})
    with pytest.raises(services.ConnectorServiceError, match="uses the authentication method 'key'"):
        services.update_connector(connector, make_definition(api.url))
    updated = services.update_connector(connector, make_definition(api.url, auth=KEY_AUTH) | {"version": "2"})
    assert updated.version == "2"


def test_update_a_catalog_connector_to_the_newest_copy(ctx):
    company = factories.company()
    row = services.install_connector(company, "klaviyo")
    row.definition = {**row.definition, "version": "0"}
    db.session.commit()
    assert services.update_connector(row).version == catalog.get("klaviyo")["version"]


def test_connection_test_reports_success_and_failure(ctx, api):
    company = factories.company()
    connector = services.create_connector(company, make_definition(
        api.url, auth=KEY_AUTH, endpoints=[endpoint("check", "/auth/header")]))
    good = services.add_instance(connector, "Good", "key", {"api_key": "key-12345-secret"})
    bad = services.add_instance(connector, "Bad", "key", {"api_key": "wrong-key-value"})
    result = services.test_connection(good)
    assert result.ok and "→ 200" in result.message
    result = services.test_connection(bad)
    assert not result.ok and "HTTP 401" in result.message and "wrong-key-value" not in result.message


def test_credentials_can_be_tested_before_the_instance_is_saved(ctx, api):
    company = factories.company()
    connector = services.create_connector(company, make_definition(
        api.url, auth=KEY_AUTH, endpoints=[endpoint("check", "/auth/header")]))
    assert services.test_values(connector, "key", {"api_key": "key-12345-secret"}).ok
    result = services.test_values(connector, "key", {"api_key": "nope-nope"})
    assert not result.ok and "401" in result.message
    assert db.session.query(Instance).count() == 0
