"""Duplicating a flow into another company a partner user manages: the dialog offers the companies the
user may edit flows in; the copy lands there as a draft, its references remapped by name or cleared
(and listed), never pointing at the source company's rows; no access is a 404 and nothing is created."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from app.caches.models import CacheDefinition
from app.companies.models import Company
from app.connectors import services as connectors
from app.connectors.models import InstalledConnector, Instance
from app.extensions import db
from app.flows.models import Flow, Label
from app.insights.models import NotificationGroup
from app.lookups.models import LookupTable
from app.scripts.models import Script
from tests import factories
from tests.flows_editor.conftest import HX, html

SHOP = {"key": "shop", "name": "Shop", "version": "1", "category": "other", "base_url": "http://127.0.0.1:9",
        "variables": [], "auth_methods": [{"key": "none", "name": "No auth", "type": "none"}],
        "endpoints": [{"key": "push", "name": "Push order", "entity": "orders", "direction": "send",
                       "method": "POST", "path": "/orders"}]}


def instance(company, name: str) -> int:
    connector = db.session.execute(select(InstalledConnector).where(
        InstalledConnector.company_id == company.id)).scalar_one_or_none()
    connector = connector or connectors.create_connector(company, SHOP)
    return connectors.add_instance(connector, name, "none", {}).id


def add(row):
    db.session.add(row)
    db.session.commit()
    return row


def source_flow(app, partner) -> dict:
    """A Northwind flow naming Northwind's rows everywhere; Acme has some of them (by name), not others."""
    with app.app_context():
        home, acme = db.session.get(Company, partner.id), db.session.get(Company, partner.acme)
        ids = {"eu": instance(home, "Shop EU"), "main": instance(home, "Main store"),
               "acme_main": instance(acme, "Main store"),
               "script": add(Script(company_id=home.id, name="Split names")).id,
               "units": add(LookupTable(company_id=home.id, name="units")).id,
               "acme_units": add(LookupTable(company_id=acme.id, name="units")).id,
               "ops": add(NotificationGroup(company_id=home.id, name="Ops", emails=["ops@northwind.example"])).id,
               "acme_ops": add(NotificationGroup(company_id=acme.id, name="Ops", emails=["ops@acme.example"])).id,
               "oncall": add(NotificationGroup(company_id=home.id, name="On call", emails=["x@northwind.example"])).id}
        add(CacheDefinition(company_id=home.id, name="customers", level="company"))
        definition = {"trigger": {"type": "manual", "config": {}}, "steps": [
            {"id": "c1", "type": "connector", "version": 1, "name": "Push EU",
             "config": {"instance_id": ids["eu"], "instance_name": "Shop EU", "endpoint": "push"}},
            {"id": "r", "type": "route", "version": 1, "config": {"method": "all"}, "paths": [
                {"id": "pa", "name": "A", "config": {}, "steps": [
                    {"id": "c2", "type": "connector", "version": 1,
                     "config": {"instance_id": ids["main"], "endpoint": "push"}},
                    {"id": "sc", "type": "script", "version": 1,
                     "config": {"script_id": ids["script"], "script_name": "Split names"}}]},
                {"id": "pb", "name": "B", "config": {}, "steps": [
                    {"id": "m", "type": "map", "version": 1, "config": {"rules": [
                        {"source": "unit", "target": "unit", "transforms": [
                            {"fn": "cross_reference", "params": {"table": str(ids["units"])}}]},
                        {"source": "id", "target": "name", "transforms": [
                            {"fn": "cache_lookup", "params": {"cache": "customers"}}]}]}}]}]},
            {"id": "n", "type": "notify", "version": 1, "config": {
                "template": "done", "level": "info", "channels": "email_log", "groups": [ids["ops"], ids["oncall"]]}},
        ]}
        flow = factories.flow(home, name="Orders to ERP", definition=definition, deploy=False)
        flow.failure_group_ids = [ids["ops"], ids["oncall"]]
        flow.failure_emails = ["lead@northwind.example"]
        flow.labels = [add(Label(company_id=home.id, name="erp", colour="#6f42c1"))]
        db.session.commit()
        ids["flow"] = flow.id
        return ids


def flows_in(app, company_id: int) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Flow.id)).where(Flow.company_id == company_id)).scalar_one()


def test_the_dialog_offers_this_company_and_the_managed_ones(app, client, partner, sign_in):
    ids = source_flow(app, partner)
    sign_in(partner.emails["manager"])
    dialog = html(client.get(f"/flows/{ids['flow']}/duplicate", headers=HX))
    assert "<html" not in dialog and 'id="duplicate-form"' in dialog
    offered = re.findall(r'name="company" value="(\d+)"', dialog)
    assert offered == [str(partner.id), str(partner.acme), str(partner.globex)]
    assert "This company (Northwind Partners)" in dialog and "Acme Retail" in dialog


def test_a_copy_into_a_managed_company_remaps_by_name_and_clears_the_rest(app, client, partner, sign_in):
    ids = source_flow(app, partner)
    sign_in(partner.emails["manager"])
    made = client.post(f"/flows/{ids['flow']}/duplicate", headers=HX, data={"company": partner.acme})
    assert made.status_code == 204
    target = made.headers["HX-Redirect"]
    copy_id = int(re.match(r"/flows/(\d+)\?company=(\d+)$", target).group(1))
    assert target.endswith(f"?company={partner.acme}")
    with app.app_context():
        copy = db.session.get(Flow, copy_id)
        assert (copy.company_id, copy.name, copy.enabled) == (partner.acme, "Orders to ERP", False)
        assert [(v.status, v.company_id) for v in copy.versions] == [("draft", partner.acme)]
        steps = copy.draft.definition["steps"]
        pushed_eu, route, notify = steps
        main, script = route["paths"][0]["steps"]
        rules = route["paths"][1]["steps"][0]["config"]["rules"]
        assert "instance_id" not in pushed_eu["config"] and pushed_eu["config"]["endpoint"] == "push"
        assert main["config"]["instance_id"] == ids["acme_main"], "the same instance name of the same connector"
        assert "script_id" not in script["config"] and "script_name" not in script["config"]
        assert rules[0]["transforms"][0]["params"]["table"] == str(ids["acme_units"])
        assert rules[1]["transforms"][0]["params"]["cache"] == ""
        assert notify["config"]["groups"] == [ids["acme_ops"]]
        assert copy.failure_group_ids == [ids["acme_ops"]] and copy.failure_emails == ["lead@northwind.example"]
        assert [(label.name, label.colour, label.company_id) for label in copy.labels] == [
            ("erp", "#6f42c1", partner.acme)]
        kept = [(Instance, main["config"]["instance_id"]), (LookupTable, rules[0]["transforms"][0]["params"]["table"]),
                *((NotificationGroup, i) for i in notify["config"]["groups"] + copy.failure_group_ids)]
        assert {db.session.get(model, int(i)).company_id for model, i in kept} == {partner.acme}, \
            "every reference left points at the target company's rows"
        source = db.session.get(Flow, ids["flow"])
        assert source.draft.steps[0]["config"]["instance_id"] == ids["eu"], "the original is untouched"

    landed = client.get(target)
    assert landed.status_code == 303 and landed.headers["Location"] == f"/flows/{copy_id}"
    page = html(client.get(f"/flows/{copy_id}"))
    assert "You are now working in Acme Retail" in page
    for cleared in ("“Push EU” (Connector): connector instance “Shop EU” of Shop", "Script: script “Split names”",
                    "Map: cache “customers”", "Notify: notification group “On call”",
                    "Failure emails: notification group “On call”"):
        assert cleared in page, cleared
    assert "Main store" not in page.split("cleared")[1].split("</div>")[0], "a remapped instance is not listed"


def test_a_copy_inside_the_company_keeps_its_references(app, client, partner, sign_in):
    ids = source_flow(app, partner)
    sign_in(partner.emails["manager"])
    made = client.post(f"/flows/{ids['flow']}/duplicate", headers=HX,
                       data={"company": partner.id, "name": "Orders to ERP (EU)"})
    copy_id = int(made.headers["HX-Redirect"].rsplit("/", 1)[-1])
    with app.app_context():
        copy = db.session.get(Flow, copy_id)
        assert (copy.company_id, copy.name) == (partner.id, "Orders to ERP (EU)")
        assert copy.draft.steps[0]["config"]["instance_id"] == ids["eu"]
        assert copy.failure_group_ids == sorted([ids["ops"], ids["oncall"]])


def test_no_access_means_404_and_nothing_is_created(app, client, partner, sign_in):
    ids = source_flow(app, partner)
    before = flows_in(app, partner.acme)
    sign_in(partner.emails["manager2"])  # a manager of Northwind without a grant for Acme
    dialog = html(client.get(f"/flows/{ids['flow']}/duplicate", headers=HX))
    assert re.findall(r'name="company" value="(\d+)"', dialog) == [str(partner.id)]
    refused = client.post(f"/flows/{ids['flow']}/duplicate", headers=HX, data={"company": partner.acme})
    assert refused.status_code == 404 and "could not find" in html(refused)
    with app.app_context():
        stranger = factories.company("Elsewhere").id
    assert client.post(f"/flows/{ids['flow']}/duplicate", data={"company": stranger}).status_code == 404
    assert flows_in(app, partner.acme) == before and flows_in(app, stranger) == 0
    assert flows_in(app, partner.id) == 1, "no copy in the user's own company either"


def test_a_company_whose_plan_makes_flows_read_only_is_not_offered_and_refused(app, client, partner, sign_in):
    ids = source_flow(app, partner)
    with app.app_context():
        db.session.get(Company, partner.globex).tier = "blueprint_store"
        db.session.commit()
    sign_in(partner.emails["manager"])
    dialog = html(client.get(f"/flows/{ids['flow']}/duplicate", headers=HX))
    assert str(partner.globex) not in re.findall(r'name="company" value="(\d+)"', dialog)
    refused = client.post(f"/flows/{ids['flow']}/duplicate", data={"company": partner.globex})
    assert refused.status_code == 403 and "permission" in html(refused)
    assert flows_in(app, partner.globex) == 0


def test_a_native_user_cannot_copy_into_the_partner(app, client, partner, sign_in):
    with app.app_context():
        flow_id = factories.flow(db.session.get(Company, partner.acme), name="Acme flow").id
    sign_in(partner.native_email)
    dialog = html(client.get(f"/flows/{flow_id}/duplicate", headers=HX))
    assert re.findall(r'name="company" value="(\d+)"', dialog) == [str(partner.acme)]
    assert client.post(f"/flows/{flow_id}/duplicate", headers=HX, data={"company": partner.id}).status_code == 404
    assert flows_in(app, partner.id) == 0


def test_a_switched_team_member_copies_back_into_their_own_company(app, client, partner, sign_in):
    with app.app_context():
        flow_id = factories.flow(db.session.get(Company, partner.acme), name="Acme stock").id
    sign_in(partner.emails["manager"])
    assert client.get(f"/flows/?company={partner.acme}").status_code == 303  # switched into Acme
    dialog = html(client.get(f"/flows/{flow_id}/duplicate", headers=HX))
    assert re.findall(r'name="company" value="(\d+)"', dialog) == [
        str(partner.acme), str(partner.id), str(partner.globex)]
    made = client.post(f"/flows/{flow_id}/duplicate", headers=HX, data={"company": partner.id})
    copy_id = int(re.match(r"/flows/(\d+)\?company=", made.headers["HX-Redirect"]).group(1))
    with app.app_context():
        assert db.session.get(Flow, copy_id).company_id == partner.id
    client.get(made.headers["HX-Redirect"])  # the link takes the user back home, onto the copy
    page = html(client.get(f"/flows/{copy_id}"))
    assert "Acme stock" in page and "Everything it uses was found there by name" in page
