"""The connector shape's response script in its panel: chosen from the company's deployed scripts, kept when the
panel is saved as it stands, refused for another company's script, hidden for protocol connectors, run by the
flow against a real local API, and protecting the script from deletion while the flow is deployed."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from app.companies.models import Company
from app.connectors import services as connector_services
from app.extensions import db
from app.flows.models import Flow
from app.scripts import services as script_services
from app.scripts.models import Script
from tests import factories
from tests.connectors_pages import helpers as shop_helpers
from tests.connectors_pages.shop_api import ShopApi
from tests.flows_panels.helpers import (
    HX,
    get_panel,
    html,
    make_flow,
    payload_step,
    run_flow,
    save,
    step_of,
    step_output,
)

TAG = """
import json

def handle(data):
    body = json.loads(data["response"]["body"])
    data["response"]["body"] = json.dumps({"count": len(body["orders"]), "filter": body["filter"]})
    return data
"""


@pytest.fixture(scope="module")
def shop():
    server = ShopApi()
    yield server
    server.close()


class _FormValues(HTMLParser):
    """What a browser submits from the panel's form as it is shown: inputs, ticked boxes, selected options."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._first: str | None = None
        self._inside = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "step-form":
            self._inside = True
        if not self._inside or "disabled" in a:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values[a["name"]] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self._select, self._first = a["name"], None
        elif tag == "option" and self._select:
            if self._first is None:
                self._first = a.get("value", "")
                self.values.setdefault(self._select, self._first)
            if "selected" in a:
                self.values[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._inside = False


def form_values(page: str) -> dict[str, str]:
    parser = _FormValues()
    parser.feed(page)
    parser.values.pop("expected_revision", None)  # save() sends the draft's current revision
    return parser.values


def _script(app, company_id: int, name: str, code: str = TAG, deploy: bool = True) -> int:
    with app.app_context():
        script = script_services.create_script(db.session.get(Company, company_id), name, "python", code=code)
        if deploy:
            script_services.deploy(script)
        return script.id


def _shop_instance(app, company_id: int, url: str) -> int:
    with app.app_context():
        return shop_helpers.shop_instance(shop_helpers.shop_connector(company_id, url)).id


def _step(instance_id: int, **config) -> dict:
    return {"id": "c", "type": "connector", "version": 1,
            "config": {"instance_id": instance_id, "endpoint": "list_orders", **config}}


def test_the_response_script_is_offered_kept_on_save_and_run(app, client, login, worker, shop):
    me = login("manager")
    instance_id = _shop_instance(app, me["company_id"], shop.url)
    counter = _script(app, me["company_id"], "Count orders")
    _script(app, me["company_id"], "Unfinished", deploy=False)
    flow_id = make_flow(app, me["company_id"], [payload_step(), _step(instance_id, response_script=counter)])

    page = html(get_panel(client, flow_id, "c"))
    assert 'id="response_script"' in page and "Unfinished" not in page
    assert f'<option value="{counter}" selected>Count orders</option>' in page
    values = form_values(page)
    assert values["response_script"] == str(counter)

    # Saving the panel as it stands (a name changed, nothing else) keeps the response script.
    response = save(client, flow_id, "c", {**values, "name": "Order count"}, app=app)
    assert response.status_code == 200, html(response)
    config = step_of(app, flow_id, "c")["config"]
    assert config["response_script"] == counter and config["endpoint"] == "list_orders"

    run_id, status = run_flow(app, client, worker, flow_id)
    assert status == "success"
    assert step_output(app, run_id, "c") == {"count": 2, "filter": "open"}  # the script rewrote the response

    # Choosing "None" removes it.
    response = save(client, flow_id, "c", {**values, "response_script": ""}, app=app)
    assert response.status_code == 200, html(response)
    assert "response_script" not in step_of(app, flow_id, "c")["config"]


def test_a_stored_reference_to_an_undeployed_script_is_kept(app, client, login, shop):
    me = login("manager")
    instance_id = _shop_instance(app, me["company_id"], shop.url)
    _script(app, me["company_id"], "Count orders", deploy=False)
    flow_id = make_flow(app, me["company_id"], [payload_step(), _step(instance_id, response_script="Count orders")])
    page = html(get_panel(client, flow_id, "c"))
    assert '<option value="Count orders" selected>Count orders (no deployed version)</option>' in page
    response = save(client, flow_id, "c", form_values(page), app=app)
    assert response.status_code == 200, html(response)
    assert step_of(app, flow_id, "c")["config"]["response_script"] == "Count orders"


def test_another_companys_script_is_refused(app, client, login, shop):
    me = login("manager")
    instance_id = _shop_instance(app, me["company_id"], shop.url)
    with app.app_context():
        other_id = factories.company().id
    foreign = _script(app, other_id, "Their counter")
    flow_id = make_flow(app, me["company_id"], [payload_step(), _step(instance_id)])
    page = html(get_panel(client, flow_id, "c"))
    assert "Their counter" not in page
    response = save(client, flow_id, "c", {**form_values(page), "response_script": str(foreign)}, app=app)
    assert response.status_code == 422
    assert "deployed scripts, or none." in html(response) and "Their counter" not in html(response)
    assert "response_script" not in step_of(app, flow_id, "c")["config"]


def test_protocol_connectors_have_no_response_script(app, client, login):
    me = login("manager")
    with app.app_context():
        sftp = connector_services.install_connector(db.session.get(Company, me["company_id"]), "sftp")
        instance_id = connector_services.add_instance(sftp, "Files", "user-pass", {
            "host": "127.0.0.1", "username": "weft", "password": "secret"}).id
    script_id = _script(app, me["company_id"], "Count orders")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {
        "id": "c", "type": "connector", "version": 1,
        "config": {"instance_id": instance_id, "endpoint": "list_files", "response_script": script_id}}])
    page = html(get_panel(client, flow_id, "c"))
    assert 'id="endpoint"' in page and 'id="response_script"' not in page
    response = save(client, flow_id, "c", {**form_values(page), "response_script": str(script_id)}, app=app)
    assert response.status_code == 200, html(response)
    assert "response_script" not in step_of(app, flow_id, "c")["config"]  # the shape would refuse it


def test_deleting_a_response_script_of_a_deployed_flow_is_refused(app, client, login, shop):
    me = login("manager")
    instance_id = _shop_instance(app, me["company_id"], shop.url)
    counter = _script(app, me["company_id"], "Count orders")
    flow_id = make_flow(app, me["company_id"], [payload_step(), _step(instance_id, response_script=counter)],
                        name="Order counts", deploy=True)
    refused = client.post(f"/scripts/{counter}/delete", headers=HX)
    body = html(refused)
    assert refused.status_code == 422 and "cannot be deleted" in body
    assert f'<a href="/flows/{flow_id}">Order counts</a>' in body and "response script" in body
    with app.app_context():
        assert db.session.get(Script, counter) is not None
        assert db.session.get(Flow, flow_id).deployed is not None
