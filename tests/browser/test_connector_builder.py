"""A manager builds a small connector for a real local API in the builder, adds an instance, tests the
connection and uses "Try it" to see the response, in real Chromium (htmx row adds and type changes included)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests import factories
from tests.browser.helpers import sign_in
from tests.connectors_pages.shop_api import API_KEY, ShopApi


@pytest.fixture
def shop_api():
    server = ShopApi()
    yield server
    server.close()


def test_build_a_connector_add_an_instance_and_try_an_endpoint(app, live_server, page, shop_api):
    with app.app_context():
        user = factories.user(factories.company("Acme Retail"), role="manager")
        email = user.email
        db.session.remove()

    sign_in(page, live_server, email)

    page.click("nav >> text=Connectors & instances")
    expect(page.locator("#connectors-empty")).to_contain_text("No connectors are installed")
    page.click("#connectors-empty >> text=Build your own")

    # Step 1: basic details.
    page.fill("input[name=name]", "Acme Shop")
    page.fill("input[name=base_url]", shop_api.url)
    page.fill("input[name=test_path]", "/me")
    page.click("button:has-text('Create and continue')")
    page.wait_for_url(re.compile(r"/builder/variables$"))
    expect(page.locator(".alert-success")).to_contain_text("Acme Shop is created.")

    # Step 3: an API-key method; choosing the type fills in its settings (htmx swaps the form).
    page.click("#builder-steps >> text=Authentication")
    page.click("#add-method")
    page.fill("#method-form input[name=name]", "API key")
    page.select_option("#method-form select[name=type]", "api_key")
    expect(page.locator("#method-form input[name='settings-name']")).to_have_value("X-API-Key")
    expect(page.locator("#method-form input[name='variables-0-key']")).to_have_value("api_key")
    page.fill("#method-form input[name='settings-name']", "X-Api-Key")
    page.click("#method-form button:has-text('Save method')")
    page.wait_for_url(re.compile(r"/builder/auth#method-api-key$"))
    expect(page.locator("#method-list")).to_contain_text("API key")

    # Step 4: an endpoint with a variable and a query parameter, rows added in place.
    page.click("#builder-steps >> text=Endpoints")
    page.click("#add-endpoint")
    page.fill("#endpoint-form input[name=name]", "List orders")
    page.fill("#endpoint-form input[name=entity]", "orders")
    page.fill("#endpoint-form input[name=path]", "/orders")
    page.click("#endpoint-form button[name=_add][value=variables]")
    page.fill("#endpoint-form input[name='variables-0-key']", "status")
    page.fill("#endpoint-form input[name='variables-0-label']", "Status")
    page.fill("#endpoint-form input[name='variables-0-default']", "open")
    page.click("#endpoint-form button[name=_add][value=query]")
    page.fill("#endpoint-form input[name='query-0-name']", "status")
    page.fill("#endpoint-form input[name='query-0-value']", "{{status}}")
    expect(page.locator("#endpoint-form input[name=name]")).to_have_value("List orders")  # kept across the swaps
    page.click("#endpoint-form button:has-text('Save endpoint')")
    page.wait_for_url(re.compile(r"/builder/endpoints/list_orders$"))
    expect(page.locator("#try-no-instance")).to_contain_text("Add an instance")

    # An instance, then a connection test.
    page.click("#try-no-instance a:has-text('Add an instance')")
    page.fill("#instance-form input[name=name]", "Live shop")
    page.fill("#instance-form input[name='values-v0']", API_KEY)
    page.click("#test-values")
    expect(page.locator("#instance-test")).to_contain_text("Connection works.")
    page.click("#save-instance")
    page.wait_for_url(re.compile(r"/connectors/\d+#instance-\d+$"))
    expect(page.locator("#instances")).to_contain_text("Live shop")
    page.click("#instances >> text=Test connection")
    expect(page.locator("#instances [data-test-result]")).to_contain_text("Connection works.")

    # Try it from the builder.
    page.click("text=Open in the builder")
    page.click("#builder-steps >> text=Endpoints")
    page.click("#endpoint-list_orders >> text=List orders")
    expect(page.locator("#try-form input[name='values-v0']")).to_have_attribute("placeholder", "open")
    page.fill("#try-form input[name='values-v0']", "open")
    page.click("#try-send")
    expect(page.locator("#try-status")).to_have_text("200 OK")
    expect(page.locator("#try-body")).to_contain_text('"customer": "Ada Lovelace"')
    assert shop_api.requests[-1]["path"] == "/orders" and shop_api.requests[-1]["query"] == {"status": "open"}
    assert API_KEY not in page.content()
