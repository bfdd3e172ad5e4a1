"""A manager builds connector receive → map → connector send on the canvas with real drag and drop, sets each shape
up in its panel, deploys, runs, and the sink receives the mapped records, in real Chromium."""
from __future__ import annotations

import json
import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.connectors import services as connector_services
from app.extensions import db
from tests import factories
from tests.browser.helpers import changes_canvas, drag, root_steps, run_and_wait, sign_in, tray

CUSTOMERS = [{"name": "Ada", "city": "London"}, {"name": "Alan", "city": "Wilmslow"}]


class SourceAndSink:
    """GET /customers answers two records; POST /contacts keeps what it was sent."""

    def __init__(self):
        self.received: list = []
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wsgi(self, environ, start_response):
        request = Request(environ)
        if request.path == "/customers" and request.method == "GET":
            response = Response(json.dumps(CUSTOMERS), content_type="application/json")
        elif request.path == "/contacts" and request.method == "POST":
            self.received.append(json.loads(request.get_data() or b"null"))
            response = Response('{"ok": true}', 201, content_type="application/json")
        else:
            response = Response("{}", 404, content_type="application/json")
        return response(environ, start_response)


@pytest.fixture
def api():
    server = SourceAndSink()
    yield server
    server.server.shutdown()


def crm_instance(company, base_url: str):
    definition = {"key": "crm", "name": "CRM", "version": "1", "category": "other", "base_url": base_url,
                  "variables": [], "auth_methods": [{"key": "none", "name": "No auth", "type": "none"}],
                  "endpoints": [
                      {"key": "customers", "name": "List customers", "entity": "customers", "direction": "receive",
                       "method": "GET", "path": "/customers"},
                      {"key": "contacts", "name": "Create contacts", "entity": "contacts", "direction": "send",
                       "method": "POST", "path": "/contacts"}]}
    connector = connector_services.create_connector(company, definition)
    return connector_services.add_instance(connector, "CRM live", "none", {}, retries=0)


def from_tray(page, label: str):
    item = tray(page, label)
    item.scroll_into_view_if_needed()  # the tray scrolls on its own; a shape low in it must be in view to grab
    return item


def last_card(page):
    return page.locator("#canvas .weft-flow > .weft-list > .weft-node").last.locator(".weft-step").first


def _open(page, node):
    """Open a node's panel and wait for THAT step's form (the drawer may still hold the last panel)."""
    step_id = node.get_attribute("data-step-id")
    node.locator("[data-step-open]").first.click()
    drawer = page.locator("#drawer")
    drawer.locator(f"#step-panel[data-step-id='{step_id}'] #step-form").wait_for()
    return drawer


def open_panel(page, step_type: str):
    return _open(page, page.locator(f"#canvas .weft-node[data-step-type={step_type}]").first)


def set_up_connector(page, instance_id: int, endpoint: str, nth: int):
    drawer = _open(page, page.locator("#canvas .weft-node[data-step-type=connector]").nth(nth))
    drawer.locator("select[name=instance_id]").select_option(str(instance_id))
    drawer.locator(f"select[name=endpoint] option[value={endpoint}]").wait_for(state="attached")
    drawer.locator("select[name=endpoint]").select_option(endpoint)
    page.wait_for_function(
        f"() => document.querySelector('#drawer select[name=endpoint]')?.value === '{endpoint}'")
    drawer.locator("#step-save").click()
    drawer.locator("#step-saved").wait_for()
    page.keyboard.press("Escape")


def test_receive_map_send_built_on_the_canvas_delivers_mapped_records(app, live_server, worker_process, page, api):
    with app.app_context():
        company = factories.company("Acme Retail")
        manager = factories.user(company, role="manager")
        instance_id = crm_instance(company, api.url).id
        factories.flow(company, name="Customers to contacts",
                       definition={"trigger": {"type": "manual", "config": {}}, "steps": []}, deploy=False)
        email = manager.email
        db.session.remove()
    worker_process()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, email)
    page.click("text=Process flows")
    page.click("text=Customers to contacts")
    page.wait_for_selector("#canvas[data-editable='1']")
    assert root_steps(page) == []

    root = page.locator("#canvas .weft-flow > .weft-list")
    changes_canvas(page, lambda: drag(page, from_tray(page, "Connector"), root, "into"))
    assert root_steps(page) == ["connector"]
    set_up_connector(page, instance_id, "customers", 0)

    changes_canvas(page, lambda: drag(page, from_tray(page, "Map"), last_card(page)))
    assert root_steps(page) == ["connector", "map"]
    drawer = open_panel(page, "map")
    drawer.locator("#map-rules [data-add-row]").last.click()
    rule = drawer.locator("[data-rule]").nth(0)
    rule.locator("input[name$='-source']").fill("name")
    rule.locator("input[name$='-target']").fill("contact")
    drawer.locator("#step-save").click()
    drawer.locator("#step-saved").wait_for()
    page.keyboard.press("Escape")

    changes_canvas(page, lambda: drag(page, from_tray(page, "Connector"), last_card(page)))
    assert root_steps(page) == ["connector", "map", "connector"]
    set_up_connector(page, instance_id, "contacts", 1)
    page.wait_for_selector("#canvas .weft-node[data-step-type=connector]:nth-child(3) >> text=CRM live")
    assert page.locator("#problem-count").count() == 0, "every shape is set up"

    page.click("#deploy-button")
    page.click("#confirm-deploy")
    page.wait_for_selector("text=Version 1 is deployed")
    messages = run_and_wait(page)
    assert messages[-1] == "Run finished: success."
    assert api.received == [[{"contact": "Ada"}, {"contact": "Alan"}]]
    assert errors == []
