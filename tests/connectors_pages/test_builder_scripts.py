"""Choosing custom scripts in the connector builder: an endpoint's pre-request and post-request scripts, script
pagination and an authentication method's scripts are picked from the company's deployed scripts, saved under
the keys the runtime reads, shown on the builder pages and run by "Try it" against the real local API. Another
company's script is refused, a stored reference is kept, and a script a connector uses cannot be deleted."""
from __future__ import annotations

from app.connectors.models import InstalledConnector
from app.extensions import db
from app.scripts import services as script_services
from app.scripts.models import Script
from tests import factories
from tests.connectors_pages import helpers
from tests.connectors_pages.helpers import text

HX = {"HX-Request": "true"}
REFUSED = "deployed scripts, or none."
TRACE = """
def handle(data):
    data["request"]["headers"]["X-Trace"] = "weft-" + data["variables"].get("status", "")
    return data
"""
TAG = """
import json

def handle(data):
    body = json.loads(data["response"]["body"])
    body["tagged"] = True
    data["response"]["body"] = json.dumps(body)
    return data
"""
SIGN = """
def handle(data):
    data["request"]["headers"]["X-Signed"] = "sig-" + data["variables"]["api_key"][-4:]
    return data
"""
# The list_orders endpoint of shop_api.definition() as the endpoint form posts it.
LIST_ORDERS = {"name": "List orders", "entity": "orders", "direction": "receive", "method": "GET", "path": "/orders",
               "data_type": "json", "pagination_type": "none", "query-0-name": "status", "query-0-value": "{{status}}",
               "variables-0-key": "status", "variables-0-label": "Status", "variables-0-default": "open"}
API_KEY_METHOD = {"name": "API key", "type": "api_key", "settings-placement": "header", "settings-name": "X-Api-Key",
                  "settings-prefix": "", "settings-value": "{{api_key}}", "variables-0-key": "api_key",
                  "variables-0-label": "API key", "variables-0-required": "y", "variables-0-secret": "y"}


def _script(company_id: int, name: str, code: str, deploy: bool = True) -> int:
    script = script_services.create_script(helpers.company(company_id), name, "python", code=code)
    if deploy:
        script_services.deploy(script)
    return script.id


def _definition(app, connector_id: int) -> dict:
    with app.app_context():
        return db.session.get(InstalledConnector, connector_id).definition


def _endpoint(app, connector_id: int, key: str) -> dict:
    return next(e for e in _definition(app, connector_id)["endpoints"] if e["key"] == key)


def test_endpoint_scripts_are_chosen_saved_shown_and_run_by_try_it(app, client, login, shop):
    me = login("manager")
    with app.app_context():
        connector = helpers.shop_connector(me["company_id"], shop.url)
        cid, iid = connector.id, helpers.shop_instance(connector).id
        trace, tag = _script(me["company_id"], "Add trace header", TRACE), _script(me["company_id"], "Tag orders", TAG)
        _script(me["company_id"], "Half written", TRACE, deploy=False)

    form = text(client.get(f"/connectors/{cid}/builder/endpoints/list_orders"))
    assert 'name="pre_request_script"' in form and 'name="post_request_script"' in form
    assert f'<option value="{trace}">Add trace header</option>' in form and "Tag orders" in form
    assert "Half written" not in form  # only scripts with a deployed version
    assert '<option selected value="">None</option>' in form

    saved = client.post(f"/connectors/{cid}/builder/endpoints/list_orders",
                        data={**LIST_ORDERS, "pre_request_script": str(trace), "post_request_script": str(tag)})
    assert saved.status_code == 303, text(saved)
    endpoint = _endpoint(app, cid, "list_orders")
    assert (endpoint["pre_request_script"], endpoint["post_request_script"]) == (trace, tag)
    assert endpoint["query"] == {"status": "{{status}}"}

    listing = text(client.get(f"/connectors/{cid}/builder/endpoints"))
    assert "Pre-request script: <span class=\"fw-semibold\">Add trace header</span>" in listing
    assert "Post-request script: <span class=\"fw-semibold\">Tag orders</span>" in listing
    form = text(client.get(f"/connectors/{cid}/builder/endpoints/list_orders"))
    assert f'<option selected value="{trace}">Add trace header</option>' in form
    assert f'<option selected value="{tag}">Tag orders</option>' in form

    tried = text(client.post(f"/connectors/{cid}/endpoints/list_orders/try", data={"instance_id": iid}, headers=HX))
    assert 'id="try-status">200 OK' in tried
    assert shop.requests[-1]["headers"]["X-Trace"] == "weft-open"  # the pre-request script changed the request
    assert "&#34;tagged&#34;: true" in tried  # the post-request script changed the response

    # Back to none: the keys stay in the definition, empty.
    client.post(f"/connectors/{cid}/builder/endpoints/list_orders",
                data={**LIST_ORDERS, "pre_request_script": "", "post_request_script": ""})
    endpoint = _endpoint(app, cid, "list_orders")
    assert (endpoint["pre_request_script"], endpoint["post_request_script"]) == (None, None)
    client.post(f"/connectors/{cid}/endpoints/list_orders/try", data={"instance_id": iid})
    assert "X-Trace" not in shop.requests[-1]["headers"]


def test_script_pagination_is_chosen_from_the_deployed_scripts(app, client, login, shop):
    me = login("manager")
    with app.app_context():
        cid = helpers.shop_connector(me["company_id"], shop.url).id
        pager = _script(me["company_id"], "One page only", "def handle(data):\n    data['next'] = None\n"
                                                           "    return data\n")
    data = {**LIST_ORDERS, "name": "Scripted orders", "pagination_type": "script"}
    refreshed = text(client.post(f"/connectors/{cid}/builder/endpoints/new", data={**data, "_refresh": "1"}))
    assert 'name="pagination-script"' in refreshed and f'<option value="{pager}">One page only</option>' in refreshed
    missing = client.post(f"/connectors/{cid}/builder/endpoints/new", data=data)
    assert missing.status_code == 422 and "Choose the script." in text(missing)
    saved = client.post(f"/connectors/{cid}/builder/endpoints/new", data={**data, "pagination-script": str(pager)})
    assert saved.status_code == 303, text(saved)
    assert _endpoint(app, cid, "scripted_orders")["pagination"] == {"type": "script", "script": pager}
    listing = text(client.get(f"/connectors/{cid}/builder/endpoints"))
    assert "Pagination script: <span class=\"fw-semibold\">One page only</span>" in listing


def test_auth_method_scripts_are_chosen_saved_and_run_on_every_request(app, client, login, shop):
    me = login("manager")
    with app.app_context():
        connector = helpers.shop_connector(me["company_id"], shop.url)
        cid, iid = connector.id, helpers.shop_instance(connector).id
        sign = _script(me["company_id"], "Sign requests", SIGN)

    form = text(client.get(f"/connectors/{cid}/builder/auth/api-key"))
    assert 'name="pre_request_script"' in form and f'<option value="{sign}">Sign requests</option>' in form
    # Changing the type re-renders the form; the chosen script stays chosen.
    refreshed = text(client.post(f"/connectors/{cid}/builder/auth/api-key",
                                 data={**API_KEY_METHOD, "type": "token", "_refresh": "1",
                                       "pre_request_script": str(sign)}))
    assert f'<option selected value="{sign}">Sign requests</option>' in refreshed

    saved = client.post(f"/connectors/{cid}/builder/auth/api-key",
                        data={**API_KEY_METHOD, "pre_request_script": str(sign), "post_request_script": ""})
    assert saved.status_code == 303, text(saved)
    method = _definition(app, cid)["auth_methods"][0]
    assert (method["pre_request_script"], method["post_request_script"]) == (sign, None)
    listing = text(client.get(f"/connectors/{cid}/builder/auth"))
    assert "Pre-request script: <span class=\"fw-semibold\">Sign requests</span>" in listing

    tried = text(client.post(f"/connectors/{cid}/endpoints/get_order/try", data={"instance_id": iid,
                                                                                "values-v0": "1001"}))
    assert 'id="try-status">200 OK' in tried
    assert shop.requests[-1]["headers"]["X-Signed"] == "sig-4f60"  # the method's script saw the credentials
    assert "sig-4f60" not in tried  # what an auth script writes is masked like a credential

    # A new method starts with the scripts chosen on its form.
    added = client.post(f"/connectors/{cid}/builder/auth/new",
                        data={**API_KEY_METHOD, "name": "Signed key", "post_request_script": str(sign)})
    assert added.status_code == 303, text(added)
    method = _definition(app, cid)["auth_methods"][1]
    assert (method["pre_request_script"], method["post_request_script"]) == (None, sign)


def test_another_companys_script_is_refused(app, client, login, shop):
    me = login("manager")
    with app.app_context():
        cid = helpers.shop_connector(me["company_id"], shop.url).id
        other = factories.company()
        foreign = _script(other.id, "Their signer", SIGN)
    form = text(client.get(f"/connectors/{cid}/builder/endpoints/list_orders"))
    assert "Their signer" not in form

    refused = client.post(f"/connectors/{cid}/builder/endpoints/list_orders",
                          data={**LIST_ORDERS, "pre_request_script": str(foreign)})
    assert refused.status_code == 422
    assert REFUSED in text(refused)
    assert "Their signer" not in text(refused)
    assert _endpoint(app, cid, "list_orders").get("pre_request_script") is None

    refused = client.post(f"/connectors/{cid}/builder/auth/api-key",
                          data={**API_KEY_METHOD, "post_request_script": str(foreign)})
    assert refused.status_code == 422
    assert REFUSED in text(refused)
    assert _definition(app, cid)["auth_methods"][0].get("post_request_script") is None

    refused = client.post(f"/connectors/{cid}/builder/endpoints/new",
                          data={**LIST_ORDERS, "name": "Paged", "pagination_type": "script",
                                "pagination-script": str(foreign)})
    assert refused.status_code == 422 and len(_definition(app, cid)["endpoints"]) == 3


def test_a_stored_reference_is_kept_when_the_form_is_saved(app, client, login, shop):
    """A definition imported from JSON names a script this company has not deployed: the form shows it and
    saving other changes keeps it."""
    me = login("manager")
    with app.app_context():
        connector = helpers.shop_connector(me["company_id"], shop.url)
        definition = dict(connector.definition)
        definition["endpoints"] = [{**e, "post_request_script": "Legacy checker"} if e["key"] == "list_orders"
                                   else e for e in definition["endpoints"]]
        connector.definition = definition
        db.session.commit()
        cid = connector.id
        _script(me["company_id"], "Drafty", TAG, deploy=False)
    form = text(client.get(f"/connectors/{cid}/builder/endpoints/list_orders"))
    assert ('<option selected value="Legacy checker">Script “Legacy checker” (not found in this company)</option>'
            in form)
    saved = client.post(f"/connectors/{cid}/builder/endpoints/list_orders",
                        data={**LIST_ORDERS, "name": "All orders", "post_request_script": "Legacy checker"})
    assert saved.status_code == 303, text(saved)
    endpoint = _endpoint(app, cid, "list_orders")
    assert (endpoint["name"], endpoint["post_request_script"]) == ("All orders", "Legacy checker")
    listing = text(client.get(f"/connectors/{cid}/builder/endpoints"))
    assert "Post-request script: <span class=\"fw-semibold\">Legacy checker</span>" in listing


def test_deleting_a_script_a_connector_uses_is_refused(app, client, login, shop):
    me = login("manager")
    with app.app_context():
        cid = helpers.shop_connector(me["company_id"], shop.url).id
        sign = _script(me["company_id"], "Sign requests", SIGN)
    client.post(f"/connectors/{cid}/builder/auth/api-key", data={**API_KEY_METHOD, "pre_request_script": str(sign)})
    refused = client.post(f"/scripts/{sign}/delete", headers=HX)
    body = text(refused)
    assert refused.status_code == 422 and "cannot be deleted" in body
    assert "Acme Shop (connector)" in body and "authentication method “API key” pre-request script" in body
    with app.app_context():
        assert db.session.get(Script, sign) is not None

    # Once the method no longer names it, the script can go.
    client.post(f"/connectors/{cid}/builder/auth/api-key", data={**API_KEY_METHOD, "pre_request_script": ""})
    assert client.post(f"/scripts/{sign}/delete", headers=HX).headers["HX-Redirect"] == "/scripts/"
    with app.app_context():
        assert db.session.get(Script, sign) is None
