"""Who may do what on the connector pages, and another company's connectors and instances are a 404."""
from __future__ import annotations

from app.connectors.models import InstalledConnector, Instance
from app.extensions import db
from tests import factories
from tests.connectors_pages import helpers
from tests.connectors_pages.helpers import text


def test_a_read_only_user_sees_no_edit_controls_and_gets_403_on_changes(app, client, login, shop):
    me = login("read-only")
    with app.app_context():
        connector = helpers.shop_connector(me["company_id"], shop.url)
        instance = helpers.shop_instance(connector)
        cid, iid = connector.id, instance.id
    listing = text(client.get("/connectors/"))
    assert "Acme Shop" in listing and "Live shop" in listing
    for control in ("Build a connector", "Install from the marketplace", "Add an instance", "Import"):
        assert control not in listing
    detail = text(client.get(f"/connectors/{cid}"))
    assert "Live shop" in detail and "Export JSON" in detail
    for control in ("Test connection", "Remove", "Add an instance", "Open in the builder", "Try it", "Edit"):
        assert control not in detail, control
    assert client.get(f"/connectors/{cid}/export").status_code == 200

    for url in (f"/connectors/{cid}/instances/new", f"/connectors/instances/{iid}/edit", "/connectors/new",
                f"/connectors/{cid}/builder", f"/connectors/{cid}/builder/endpoints/list_orders", "/connectors/import",
                f"/connectors/{cid}/endpoints/list_orders/try"):
        assert client.get(url).status_code == 403, url
    for url in (f"/connectors/{cid}/instances/new", f"/connectors/instances/{iid}/edit",
                f"/connectors/instances/{iid}/test", f"/connectors/instances/{iid}/remove", f"/connectors/{cid}/remove",
                f"/connectors/{cid}/update", f"/connectors/{cid}/copy", "/connectors/new", "/connectors/import",
                "/connectors/import/postman", f"/connectors/{cid}/builder/variables",
                f"/connectors/{cid}/builder/endpoints/list_orders/remove",
                f"/connectors/{cid}/endpoints/list_orders/try",
                "/marketplace/connectors/shopify/install"):
        assert client.post(url, data={"name": "x"}).status_code == 403, url
    assert not shop.requests, "no request reached the provider"
    with app.app_context():
        assert db.session.query(Instance).count() == 1 and db.session.query(InstalledConnector).count() == 1


def test_a_user_may_look_but_not_change(app, client, login, shop):
    me = login("user")
    with app.app_context():
        cid = helpers.shop_connector(me["company_id"], shop.url).id
    assert client.get(f"/connectors/{cid}").status_code == 200
    assert client.post(f"/connectors/{cid}/remove").status_code == 403


def test_another_companys_connector_and_instance_are_not_found(app, client, login, shop):
    with app.app_context():
        stranger = factories.company("Stranger Ltd")
        connector = helpers.shop_connector(stranger.id, shop.url, key="secret-shop")
        connector.name = "Stranger shop"
        db.session.commit()
        instance = helpers.shop_instance(connector, name="Stranger instance")
        cid, iid = connector.id, instance.id
    login("administrator")
    for url in (f"/connectors/{cid}", f"/connectors/{cid}/export", f"/connectors/{cid}/instances/new",
                f"/connectors/instances/{iid}/edit", f"/connectors/{cid}/builder",
                f"/connectors/{cid}/builder/variables", f"/connectors/{cid}/builder/auth",
                f"/connectors/{cid}/builder/auth/api-key", f"/connectors/{cid}/builder/endpoints",
                f"/connectors/{cid}/builder/endpoints/list_orders", f"/connectors/{cid}/endpoints/list_orders/try"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Stranger" not in text(response)
    for url in (f"/connectors/{cid}/remove", f"/connectors/{cid}/update", f"/connectors/{cid}/copy",
                f"/connectors/instances/{iid}/test", f"/connectors/instances/{iid}/test-values",
                f"/connectors/instances/{iid}/remove", f"/connectors/instances/{iid}/edit",
                f"/connectors/{cid}/instances/new", f"/connectors/{cid}/instances/test",
                f"/connectors/{cid}/builder/endpoints/list_orders/remove",
                f"/connectors/{cid}/builder/auth/api-key/remove", f"/connectors/{cid}/endpoints/list_orders/try"):
        assert client.post(url, data={"name": "x"}).status_code == 404, url
    assert "Stranger" not in text(client.get("/connectors/"))
    assert not shop.requests
    with app.app_context():
        assert db.session.get(Instance, iid).name == "Stranger instance"


def test_trying_with_another_companys_instance_is_not_found(app, client, login, shop):
    with app.app_context():
        stranger = factories.company("Stranger Ltd")
        foreign = helpers.shop_instance(helpers.shop_connector(stranger.id, shop.url)).id
    me = login("manager")
    with app.app_context():
        mine = helpers.shop_connector(me["company_id"], shop.url)
        helpers.shop_instance(mine)
        cid = mine.id
    response = client.post(f"/connectors/{cid}/endpoints/list_orders/try", data={"instance_id": foreign})
    assert response.status_code == 422 and not shop.requests
