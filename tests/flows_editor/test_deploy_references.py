"""Deploying checks that the lookups and scripts a flow's shapes name exist in the company (and that the scripts are
deployed), naming the shape and the map rule, so a typo shows before a run fails on it."""
from __future__ import annotations

from app.companies.models import Company
from app.extensions import db
from tests import factories
from tests.flows_editor.conftest import HX, html, revision_of

CODE = "def handle(data):\n    return data\n"


def setup_company(app, company_id: int) -> dict:
    from app.lookups import services as lookups
    from app.scripts import services as scripts

    with app.app_context():
        company = db.session.get(Company, company_id)
        lookups.create_table(company, "Units")
        tidy = scripts.create_script(company, "Tidy", "python", code=CODE)
        scripts.deploy(tidy)
        unfinished = scripts.create_script(company, "Unfinished", "python", code=CODE)
        other = factories.company("Other Co")
        foreign = scripts.create_script(other, "Theirs", "python", code=CODE)
        scripts.deploy(foreign)
        return {"tidy": tidy.id, "unfinished": unfinished.id, "foreign": foreign.id}


def definition(ids: dict) -> dict:
    rules = [{"source": "a", "target": "a"},
             {"source": "u", "target": "u", "transforms": [{"fn": "cross_reference", "params": {"table": "Units"}}]},
             {"source": "w", "target": "w", "transforms": [{"fn": "cross_reference", "params": {"table": "unitz"}}]},
             {"source": "s", "target": "s", "transforms": [{"fn": "script", "params": {"script": "Unfinished"}}]},
             {"source": "t", "target": "t", "transforms": [{"fn": "script", "params": {"script": str(ids["tidy"])}}]}]
    return {"trigger": {"type": "manual", "config": {}}, "steps": [
        {"id": "m", "type": "map", "version": 1, "name": "Orders", "config": {"rules": rules}},
        {"id": "r", "type": "route", "version": 1, "config": {"method": "all"}, "paths": [
            {"id": "pa", "name": "A", "config": {}, "steps": [
                {"id": "s", "type": "script", "version": 1, "name": "Clean up",
                 "config": {"script_id": ids["foreign"]}}]},
            {"id": "pb", "name": "B", "config": {}, "steps": []}]}]}


def test_missing_lookups_and_scripts_stop_the_deploy_naming_shape_and_rule(app, client, login, make_flow, read_flow):
    me = login("manager")
    ids = setup_company(app, me["company_id"])
    flow_id = make_flow(me["company_id"], definition=definition(ids), deploy=False)

    text = html(client.get(f"/flows/{flow_id}/deploy", headers=HX))
    assert "Map ‘Orders’: rule 3 uses the lookup ‘unitz’, which does not exist" in text
    assert ("Map ‘Orders’: rule 4 uses the script ‘Unfinished’, which has no deployed version "
            "(deploy it on the scripts page)") in text
    # Another company's script id is not this company's script, whatever the number.
    assert f"Script ‘Clean up’ uses the script ‘{ids['foreign']}’, which does not exist" in text
    assert "rule 2" not in text and "rule 5" not in text, "existing, deployed references are fine"
    assert 'id="confirm-deploy"' not in text

    rev = revision_of(html(client.get(f"/flows/{flow_id}")))
    refused = client.post(f"/flows/{flow_id}/deploy", headers=HX, data={"revision": rev})
    assert refused.status_code == 422 and "rule 3 uses the lookup ‘unitz’" in html(refused)
    assert read_flow(flow_id, lambda f: [v.status for v in f.versions]) == ["draft"]

    # Fix each: make the lookup, deploy the script, pick this company's script; then the deploy goes through.
    from app.flows import drafts
    from app.lookups import services as lookups
    from app.scripts import services as scripts
    from app.scripts.models import Script

    with app.app_context():
        lookups.create_table(db.session.get(Company, me["company_id"]), "unitz")
        scripts.deploy(db.session.get(Script, ids["unfinished"]))
    read_flow(flow_id, lambda f: drafts.update_step(f, "s", config={"script_id": ids["tidy"]},
                                                    expected_revision=rev, actor=None))
    text = html(client.get(f"/flows/{flow_id}/deploy", headers=HX))
    assert "does not exist" not in text and 'id="confirm-deploy"' in text
    done = client.post(f"/flows/{flow_id}/deploy", headers=HX, data={"revision": rev + 1})
    assert done.status_code in (200, 204), html(done)
    assert read_flow(flow_id, lambda f: f.deployed.number) == 1


def test_a_connector_response_script_must_exist_and_be_deployed(app, client, login, make_flow):
    me = login("manager")
    setup_company(app, me["company_id"])
    flow_id = make_flow(me["company_id"], deploy=False, definition={"trigger": {"type": "manual"}, "steps": [
        {"id": "c", "type": "connector", "version": 1, "name": "Send orders",
         "config": {"instance_id": 1, "endpoint": "x", "response_script": "Unfinished"}}]})
    text = html(client.get(f"/flows/{flow_id}/deploy", headers=HX))
    assert "Send orders’ uses the response script ‘Unfinished’, which has no deployed version" in text
