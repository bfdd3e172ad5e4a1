"""Connectors & instances: the list, adding and editing instances (secrets never shown back, stored
encrypted), connection tests against a real local API, and removals refused while deployed flows use them."""
from __future__ import annotations

import json

from app import crypto
from app.connectors import services
from app.connectors.models import InstalledConnector, Instance
from app.extensions import db
from tests.connectors_pages import helpers
from tests.connectors_pages.helpers import text
from tests.connectors_pages.shop_api import API_KEY, definition


def _setup(app, login, shop, role="manager", with_instance=False):
    me = login(role)
    with app.app_context():
        connector = helpers.shop_connector(me["company_id"], shop.url)
        ids = {"company_id": me["company_id"], "connector_id": connector.id}
        if with_instance:
            ids["instance_id"] = helpers.shop_instance(connector).id
    return ids


def test_an_empty_company_is_told_how_to_start(client, login):
    login("manager")
    page = text(client.get("/connectors/"))
    assert "No connectors are installed in" in page
    for action in ("Browse the marketplace", "Build your own", "Import a Postman collection"):
        assert action in page
    assert "0 connectors installed" in page


def test_adding_an_instance_stores_the_secret_encrypted_and_never_shows_it(app, client, login, shop):
    ids = _setup(app, login, shop)
    form = text(client.get(f"/connectors/{ids['connector_id']}/instances/new"))
    assert 'type="password"' in form and "API key" in form and "Test connection" in form

    refused = client.post(f"/connectors/{ids['connector_id']}/instances/new",
                          data={"name": "", "auth_method": "api-key", "values-v0": API_KEY})
    assert refused.status_code == 422
    assert "Give the instance a name" in text(refused) and API_KEY not in text(refused)

    saved = client.post(f"/connectors/{ids['connector_id']}/instances/new",
                        data={"name": "Live shop", "auth_method": "api-key", "values-v0": API_KEY,
                              "timeout_seconds": "20", "retries": "1"})
    assert saved.status_code == 303 and "#instance-" in saved.headers["Location"]
    detail = text(client.get(f"/connectors/{ids['connector_id']}"))
    assert "Live shop is saved." in detail and "Live shop" in detail and API_KEY not in detail
    with app.app_context():
        instance = db.session.query(Instance).one()
        row = json.dumps({c.name: str(getattr(instance, c.name)) for c in Instance.__table__.columns})
        assert API_KEY not in row
        assert crypto.decrypt_json(instance.credentials_enc) == {"api_key": API_KEY}
        assert (instance.timeout_seconds, instance.retries) == (20, 1)
        instance_id = instance.id
    edit = text(client.get(f"/connectors/instances/{instance_id}/edit"))
    assert 'value="Live shop"' in edit and 'name="timeout_seconds" type="number" value="20"' in edit
    assert API_KEY not in edit and "•••• stored" in edit and "Replace" in edit
    assert "Leave it empty to keep the stored value." in edit
    assert API_KEY not in text(client.get("/connectors/"))


def test_a_missing_secret_is_asked_for_by_name(app, client, login, shop):
    ids = _setup(app, login, shop)
    response = client.post(f"/connectors/{ids['connector_id']}/instances/new",
                           data={"name": "Live", "auth_method": "api-key", "values-v0": ""})
    assert response.status_code == 422 and "Enter the api key." in text(response)


def test_editing_with_a_blank_secret_keeps_it_and_a_new_one_replaces_it(app, client, login, shop):
    ids = _setup(app, login, shop, with_instance=True)
    url = f"/connectors/instances/{ids['instance_id']}/edit"
    response = client.post(url, data={"name": "Renamed shop", "auth_method": "api-key", "values-v0": "",
                                      "retries": "2", "timeout_seconds": "30"})
    assert response.status_code == 303
    with app.app_context():
        instance = db.session.get(Instance, ids["instance_id"])
        assert instance.name == "Renamed shop"
        assert crypto.decrypt_json(instance.credentials_enc) == {"api_key": API_KEY}
    client.post(url, data={"name": "Renamed shop", "auth_method": "api-key", "values-v0": "sk_new_0123456789",
                           "retries": "2"})
    with app.app_context():
        assert crypto.decrypt_json(db.session.get(Instance, ids["instance_id"]).credentials_enc) == {
            "api_key": "sk_new_0123456789"}
    assert "sk_new_0123456789" not in text(client.get(url))


def test_test_connection_against_a_real_api_shows_success_and_a_401(app, client, login, shop):
    ids = _setup(app, login, shop, with_instance=True)
    ok = client.post(f"/connectors/instances/{ids['instance_id']}/test", headers={"HX-Request": "true"})
    body = text(ok)
    assert ok.status_code == 200 and "<html" not in body
    assert "Connection works." in body and "200 OK" in body and f"GET {shop.url}/me" in body
    assert API_KEY not in body and "••••" in body
    assert shop.requests[-1]["headers"]["X-Api-Key"] == API_KEY

    with app.app_context():
        wrong = helpers.shop_instance(db.session.get(InstalledConnector, ids["connector_id"]),
                                      api_key="sk_wrong_key_123456", name="Old key")
        wrong_id = wrong.id
    failed = text(client.post(f"/connectors/instances/{wrong_id}/test", headers={"HX-Request": "true"}))
    assert "The connection failed." in failed
    assert "HTTP 401 UNAUTHORIZED" in failed.upper() and "Invalid API key" in failed
    assert "sk_wrong_key_123456" not in failed


def test_typed_credentials_are_tested_before_saving(app, client, login, shop):
    ids = _setup(app, login, shop, with_instance=True)
    fresh = text(client.post(f"/connectors/{ids['connector_id']}/instances/test",
                             data={"name": "New", "auth_method": "api-key", "values-v0": API_KEY}))
    assert "Connection works." in fresh and API_KEY not in fresh
    bad = text(client.post(f"/connectors/{ids['connector_id']}/instances/test",
                           data={"name": "New", "auth_method": "api-key", "values-v0": "nope-nope-nope"}))
    assert "The connection failed." in bad and "401" in bad and "nope-nope-nope" not in bad
    # Editing: a blank secret is tested with the stored one.
    kept = text(client.post(f"/connectors/instances/{ids['instance_id']}/test-values",
                            data={"name": "Live shop", "auth_method": "api-key", "values-v0": ""}))
    assert "Connection works." in kept


def test_an_instance_a_deployed_flow_uses_cannot_be_removed(app, client, login, shop):
    ids = _setup(app, login, shop, with_instance=True)
    with app.app_context():
        flow_id = helpers.flow_using(ids["company_id"], ids["instance_id"], name="Nightly orders").id
    detail = text(client.get(f"/connectors/{ids['connector_id']}"))
    assert "Used by" in detail and "Nightly orders" in detail

    refused = client.post(f"/connectors/instances/{ids['instance_id']}/remove", headers={"HX-Request": "true"})
    body = text(refused)
    assert refused.status_code == 422 and "<html" not in body
    assert "The instance &#39;Live shop&#39; cannot be removed yet" in body
    assert f'href="/flows/{flow_id}"' in body and "Nightly orders" in body
    refused = client.post(f"/connectors/{ids['connector_id']}/remove")
    assert refused.status_code == 422 and "Acme Shop cannot be removed yet" in text(refused)
    assert "Nightly orders" in text(refused)
    with app.app_context():
        assert db.session.get(Instance, ids["instance_id"]) is not None

    with app.app_context():
        spare = helpers.shop_instance(db.session.get(InstalledConnector, ids["connector_id"]), name="Spare").id
    gone = client.post(f"/connectors/instances/{spare}/remove")
    assert gone.status_code == 303
    assert "The instance &#39;Spare&#39; was removed." in text(client.get(gone.headers["Location"]))
    with app.app_context():
        assert db.session.get(Instance, spare) is None


def test_removing_an_unused_connector_removes_its_instances(app, client, login, shop):
    ids = _setup(app, login, shop, with_instance=True)
    with app.app_context():
        helpers.flow_using(ids["company_id"], ids["instance_id"], name="Draft only", deploy=False)
    response = client.post(f"/connectors/{ids['connector_id']}/remove")
    assert response.status_code == 303 and response.headers["Location"].endswith("/connectors/")
    with app.app_context():
        assert db.session.query(InstalledConnector).count() == 0 and db.session.query(Instance).count() == 0


def test_the_list_expands_to_instances_and_shows_updates(app, client, login):
    me = login("manager")
    with app.app_context():
        shopify = services.install_connector(helpers.company(me["company_id"]), "shopify")
        services.add_instance(shopify, "EU store", "token", {"store_name": "acme-eu", "token": "shpat_abcdef123456"})
        shopify.version = "2020-01"  # pretend the catalog has moved on
        db.session.commit()
        connector_id, newest = shopify.id, services.catalog.get("shopify")["version"]
    listing = text(client.get("/connectors/"))
    assert f"Update available: {newest}" in listing and "1 instance" in listing and "EU store" in listing
    assert "1 connector installed" in listing and "shpat_abcdef123456" not in listing
    detail = text(client.get(f"/connectors/{connector_id}"))
    assert 'id="update-available"' in detail and "Make an editable copy" in detail
    assert client.post(f"/connectors/{connector_id}/update").status_code == 303
    with app.app_context():
        assert db.session.get(InstalledConnector, connector_id).version == newest
    assert "Update available" not in text(client.get("/connectors/"))


def test_an_oauth_instance_offers_authorise(app, client, login, shop):
    me = login("manager")
    oauth = {"key": "oauth", "name": "Sign in with Acme", "type": "oauth2_authorization_code",
             "settings": {"authorize_url": f"{shop.url}/authorize", "token_url": f"{shop.url}/token"},
             "variables": [{"key": "client_id", "label": "Client ID", "required": True},
                           {"key": "client_secret", "label": "Client secret", "required": True, "secret": True}]}
    with app.app_context():
        with_oauth = definition(shop.url)
        with_oauth["auth_methods"].append(oauth)
        connector = services.create_connector(helpers.company(me["company_id"]), with_oauth)
        connector_id = connector.id
    form = text(client.get(f"/connectors/{connector_id}/instances/new?auth_method=oauth"))
    assert "press <strong>Authorise</strong>" in form and "/connectors/oauth/callback" in form
    response = client.post(f"/connectors/{connector_id}/instances/new",
                           data={"name": "CRM", "auth_method": "oauth", "values-v0": "id-1",
                                 "values-v1": "cs-secret-1"})
    assert response.status_code == 303
    with app.app_context():
        instance_id = db.session.query(Instance).one().id
    detail = text(client.get(response.headers["Location"]))
    assert "Next, authorise Weft with the provider" in detail and "Not authorised yet" in detail
    assert f"/connectors/oauth/{instance_id}/start?next=/connectors/{connector_id}" in detail
    assert "cs-secret-1" not in detail
