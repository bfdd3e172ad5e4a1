"""The marketplace's connectors tab: tiles, search, system types, pages, installing; the blueprints tab."""
from __future__ import annotations

import re

from app.connectors import catalog
from app.connectors.models import InstalledConnector
from app.extensions import db
from tests.connectors_pages.helpers import text


def test_install_from_the_marketplace_then_see_it_listed(app, client, login):
    login("manager")
    assert f"{len(catalog.keys())} connectors" in text(client.get("/marketplace/"))
    page = text(client.get("/marketplace/?q=shopify"))
    assert "Shopify" in page and 'aria-label="Install Shopify"' in page

    response = client.post("/marketplace/connectors/shopify/install")
    assert response.status_code == 303
    assert re.search(r"/connectors/\d+\?new=1$", response.headers["Location"])
    page = text(client.get(response.headers["Location"]))
    assert "Shopify is installed." in page
    assert "Next: add an instance." in page and "Add an instance" in page

    listing = text(client.get("/connectors/"))
    assert 'data-key="shopify"' in listing and "1 connector installed" in listing
    assert "Prebuilt" in listing and "0 instances" in listing
    tiles = text(client.get("/marketplace/?q=shopify"))
    assert 'data-installed="shopify"' in tiles and 'aria-label="Install Shopify"' not in tiles

    again = client.post("/marketplace/connectors/shopify/install", follow_redirects=True)
    assert "Shopify is already installed." in text(again)
    with app.app_context():
        assert db.session.query(InstalledConnector).count() == 1


def test_search_system_type_and_pages(client, login):
    login("user")
    wms = text(client.get("/marketplace/?category=wms"))
    assert 'data-key="peoplevox"' in wms and 'data-key="shopify"' not in wms
    assert "in Warehouse (WMS)" in wms

    first, second = text(client.get("/marketplace/")), text(client.get("/marketplace/?page=2"))
    assert "page 1 of 5" in first and "page 2 of 5" in second
    assert 'data-key="adobe-commerce-magento"' in first and 'data-key="adobe-commerce-magento"' not in second

    nothing = text(client.get("/marketplace/?q=no-such-system-xyz"))
    assert "No connectors match “no-such-system-xyz”" in nothing and "build your own" not in nothing  # a user

    fragment = client.get("/marketplace/?q=klaviyo", headers={"HX-Request": "true"})
    body = text(fragment)
    assert "<html" not in body and "Klaviyo" in body and "1 connector matching" in body
    assert "HX-Request" in fragment.headers["Vary"]


def test_a_listing_shows_what_the_connector_needs(client, login):
    login("manager")
    page = text(client.get("/marketplace/connectors/shopify"))
    assert "Admin API access token" in page and "List orders" in page and 'id="install"' in page
    assert client.get("/marketplace/connectors/no-such-thing").status_code == 404


def test_the_blueprints_tab_says_when_blueprints_arrive(client, login):
    login("read-only")
    page = text(client.get("/marketplace/blueprints"))
    assert "Blueprints are not available yet." in page and "Browse connectors" in page


def test_read_only_users_browse_but_cannot_install(app, client, login):
    login("read-only")
    page = text(client.get("/marketplace/?q=shopify"))
    assert "Shopify" in page and "Install" not in page
    assert "can install it" in text(client.get("/marketplace/connectors/shopify"))
    assert client.post("/marketplace/connectors/shopify/install").status_code == 403
    with app.app_context():
        assert db.session.query(InstalledConnector).count() == 0
