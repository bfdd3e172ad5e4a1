"""Deploying and enabling flows within the tier's allowances: past the deployed-flows or deployed-connectors
allowance the deploy dialog, the enabled switch and the settings form refuse with the reason (422)."""
from __future__ import annotations

from app.companies.models import Company
from app.connectors import services as connectors
from app.extensions import db
from app.flows.models import Flow
from tests import factories
from tests.flows_editor.conftest import HX, ROUTED, html, revision_of

FULL = "already has 2 of its 2 deployed process flows"


def deployed(app, company_id: int, count: int) -> list[int]:
    """`count` deployed and enabled flows (the trial tier allows 2)."""
    with app.app_context():
        company = db.session.get(Company, company_id)
        return [factories.flow(company, name=f"Live {n}").id for n in range(count)]


def set_enabled(app, flow_id: int, enabled: bool) -> None:
    with app.app_context():
        db.session.get(Flow, flow_id).enabled = enabled
        db.session.commit()


def versions_of(flow) -> dict:
    return {v.number: v.status for v in flow.versions}


def test_deploying_an_enabled_flow_past_the_allowance_is_refused_until_one_is_disabled(
        app, client, login, make_flow, read_flow):
    me = login("manager")
    live = deployed(app, me["company_id"], 2)
    flow_id = make_flow(me["company_id"], deploy=False)  # enabled, never deployed: deploying adds one
    dialog = html(client.get(f"/flows/{flow_id}/deploy", headers=HX))
    assert FULL in dialog and 'id="deploy-allowance"' in dialog and 'id="confirm-deploy"' not in dialog
    rev = revision_of(html(client.get(f"/flows/{flow_id}")))
    refused = client.post(f"/flows/{flow_id}/deploy", headers=HX, data={"revision": rev})
    assert refused.status_code == 422 and FULL in html(refused) and "Disable a flow you no longer need" in html(refused)
    assert read_flow(flow_id, versions_of) == {1: "draft"}
    assert "2 of 2 deployed process flows" in html(client.get("/flows/")), "the header shows the allowance"

    set_enabled(app, live[0], False)
    done = client.post(f"/flows/{flow_id}/deploy", headers=HX, data={"revision": rev})
    assert done.status_code == 204
    assert read_flow(flow_id, versions_of) == {1: "deployed", 2: "draft"}


def test_redeploying_a_flow_that_already_counts_is_allowed_at_the_limit(app, client, login, read_flow):
    me = login("manager")
    first, _ = deployed(app, me["company_id"], 2)
    rev = revision_of(html(client.get(f"/flows/{first}")))
    assert client.post(f"/flows/{first}/deploy", headers=HX, data={"revision": rev}).status_code == 204


def test_enabling_past_the_allowance_is_refused_on_the_switch_and_in_settings(app, client, login, make_flow,
                                                                              read_flow):
    me = login("manager")
    live = deployed(app, me["company_id"], 2)
    flow_id = make_flow(me["company_id"])
    set_enabled(app, flow_id, False)  # deployed but disabled: uses no allowance, so deploying stays open
    assert 'id="confirm-deploy"' in html(client.get(f"/flows/{flow_id}/deploy", headers=HX))

    row = client.post(f"/flows/{flow_id}/enabled", headers=HX, data={"enabled": "1"})
    assert row.status_code == 422 and f'id="enable-refused-{flow_id}"' in html(row) and FULL in html(row)
    assert html(row).lstrip().startswith(f'<tr id="flow-row-{flow_id}"') and "checked" not in html(row).split(
        f'id="enabled-{flow_id}"')[1].split(">")[0], "the row comes back switched off"
    page = client.post(f"/flows/{flow_id}/enabled", data={"enabled": "1"})
    assert page.status_code == 303 and FULL in html(client.get(page.headers["Location"]))

    settings = client.post(f"/flows/{flow_id}/settings", headers=HX, data={
        "name": "Renamed", "priority": "medium", "retry_failed_runs": "0", "enabled": "y"})
    assert settings.status_code == 422 and FULL in html(settings)
    name, enabled = read_flow(flow_id, lambda f: (f.name, f.enabled))
    assert (enabled, name != "Renamed") == (False, True), "a refused save changes nothing"

    disabling = client.post(f"/flows/{live[0]}/enabled", headers=HX, data={"enabled": "0"})
    assert disabling.status_code == 200, "switching off is always allowed"
    assert client.post(f"/flows/{flow_id}/enabled", headers=HX, data={"enabled": "1"}).status_code == 200
    assert read_flow(flow_id, lambda f: f.enabled) is True


def connector_step(company, key: str) -> dict:
    definition = {"key": key, "name": key.title(), "version": "1", "category": "other",
                  "base_url": "http://127.0.0.1:9", "variables": [],
                  "auth_methods": [{"key": "none", "name": "No auth", "type": "none"}],
                  "endpoints": [{"key": "push", "name": "Push", "entity": "orders", "direction": "send",
                                 "method": "POST", "path": "/orders"}]}
    instance = connectors.add_instance(connectors.create_connector(company, definition), key, "none", {})
    return {"id": f"c{instance.id}", "type": "connector", "version": 1,
            "config": {"instance_id": instance.id, "endpoint": "push"}}


def test_a_deploy_that_brings_in_a_connector_past_the_allowance_is_refused(app, client, login, read_flow):
    me = login("manager")
    with app.app_context():
        company = db.session.get(Company, me["company_id"])
        company.tier = "standard"  # 10 deployed flows, 2 deployed connectors
        db.session.commit()
        for key in ("shop", "erp"):
            factories.flow(company, name=key, definition={**ROUTED, "steps": [connector_step(company, key)]})
        third = factories.flow(company, name="crm", deploy=False,
                               definition={**ROUTED, "steps": [connector_step(company, "crm")]}).id
    rev = revision_of(html(client.get(f"/flows/{third}")))
    refused = client.post(f"/flows/{third}/deploy", headers=HX, data={"revision": rev})
    assert refused.status_code == 422
    assert "1 more connector into use, past the Standard tier&#39;s allowance of 2 deployed connectors" in html(refused)
    assert read_flow(third, versions_of) == {1: "draft"}
