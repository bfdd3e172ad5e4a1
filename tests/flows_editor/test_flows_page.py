"""The process flows page: list, search, filters, pagination, create, rename, duplicate, enable, delete, labels."""
from __future__ import annotations

import re

from app import tenancy
from app.extensions import db
from app.flows.models import Flow, Label
from app.runs.models import Run
from tests.flows_editor.conftest import HX, html

SCHEDULED = {"trigger": {"type": "schedule", "config": {"schedules": [{"kind": "hourly", "every": 1, "minute": 15}]}},
             "steps": [{"id": "m", "type": "map", "version": 1, "config": {"rules": []}}]}


def names_in(page: str) -> list[str]:
    return re.findall(r'<a class="fw-semibold" href="/flows/\d+">([^<]+)</a>', page)


def test_the_list_shows_status_schedule_versions_latest_run_and_allowance(app, client, login, make_flow):
    me = login("manager")
    scheduled = make_flow(me["company_id"], definition=SCHEDULED, name="Hourly stock")
    make_flow(me["company_id"], name="Draft only", deploy=False)
    with app.app_context():
        flow = db.session.get(Flow, scheduled)
        db.session.add(Run(company_id=flow.company_id, flow_id=flow.id, version_id=flow.deployed.id,
                           trigger="manual", status="failure"))
        db.session.commit()
    page = html(client.get("/flows/"))
    assert names_in(page) == ["Draft only", "Hourly stock"]
    assert "2 flows · 1 deployed and enabled" in page
    assert "Every hour at :15" in page and "2 / v1" in page and "1 / –" in page
    assert 'data-status="failure"' in page and "Never run" in page
    assert 'role="switch"' in page and "Not deployed" in page


def test_search_filters_and_pagination(app, client, login, make_flow):
    me = login("user")
    for n in range(27):
        make_flow(me["company_id"], name=f"Flow {n:02d}", deploy=n % 3 == 0)
    make_flow(me["company_id"], name="Shopify orders 100%", deploy=False)
    first = html(client.get("/flows/"))
    assert len(names_in(first)) == 25 and "page=2" in first
    second = html(client.get("/flows/?page=2"))
    assert names_in(second) == ["Flow 25", "Flow 26", "Shopify orders 100%"]
    assert names_in(html(client.get("/flows/?q=shopify", headers=HX))) == ["Shopify orders 100%"]
    assert names_in(html(client.get("/flows/?q=100%25"))) == ["Shopify orders 100%"], "% is literal text"
    assert len(names_in(html(client.get("/flows/?status=deployed")))) == 9
    assert len(names_in(html(client.get("/flows/?status=undeployed")))) == 19
    with app.app_context():
        db.session.query(Flow).filter(Flow.name == "Flow 01").update({"enabled": False})
        db.session.commit()
    assert names_in(html(client.get("/flows/?status=disabled"))) == ["Flow 01"]
    assert len(names_in(html(client.get("/flows/?status=enabled&page=2")))) == 2
    fragment = html(client.get("/flows/?q=nothing-like-this", headers=HX))
    assert "<html" not in fragment and "No process flows match these filters." in fragment


def test_an_empty_company_sees_a_friendly_empty_state(client, login):
    login("user")
    page = html(client.get("/flows/"))
    assert "No process flows in" in page and "New process flow" in page


def test_create_a_flow_opens_its_canvas_and_bad_names_are_refused_inline(app, client, login, read_flow):
    me = login("user")
    form = html(client.get("/flows/new", headers=HX))
    assert 'id="new-form"' in form and "<html" not in form
    bad = client.post("/flows/new", headers=HX, data={"name": "  ", "description": ""})
    assert bad.status_code == 422 and "Give the flow a name." in html(bad)
    made = client.post("/flows/new", headers=HX, data={"name": "Orders to ERP", "description": "Nightly"})
    assert made.status_code == 204
    flow_id = int(made.headers["HX-Redirect"].rsplit("/", 1)[-1])
    assert read_flow(flow_id, lambda f: (f.name, f.description, f.enabled, [v.status for v in f.versions],
                                         f.draft.created_by_id)) == ("Orders to ERP", "Nightly", False, ["draft"],
                                                                     me["user_id"])
    page = html(client.get(f"/flows/{flow_id}"))
    assert "is ready: drag shapes from the tray" in page and "Drop a shape here" in page


def test_rename(client, login, make_flow, read_flow):
    me = login("user")
    flow_id = make_flow(me["company_id"], name="Old")
    assert 'value="Old"' in html(client.get(f"/flows/{flow_id}/rename", headers=HX))
    bad = client.post(f"/flows/{flow_id}/rename", headers=HX, data={"name": ""})
    assert bad.status_code == 422
    done = client.post(f"/flows/{flow_id}/rename", headers=HX, data={"name": "New name", "next": "/flows/?q=new"})
    assert done.headers["HX-Redirect"] == "/flows/?q=new"
    assert read_flow(flow_id, lambda f: f.name) == "New name"
    elsewhere = client.post(f"/flows/{flow_id}/rename", headers=HX, data={"name": "x", "next": "https://evil.example/"})
    assert elsewhere.headers["HX-Redirect"] == "/flows/"


def test_duplicate_copies_shapes_settings_labels_and_triggers(app, client, login, make_flow, read_flow):
    me = login("user")
    definition = {"trigger": SCHEDULED["trigger"], "variables": [{"name": "x", "type": "string", "default": "1"}],
                  "steps": [{"id": "c", "type": "filter", "version": 1, "config": {}},  # unfinished: still copied
                            {"id": "k", "type": "connector", "version": 1, "config": {"instance_id": 42}}]}
    flow_id = make_flow(me["company_id"], name="Orders", deploy=False, definition={"trigger": {}, "steps": []})
    with app.app_context():
        from app.api import services as triggers

        flow = db.session.get(Flow, flow_id)
        flow.draft.definition = definition
        flow.priority, flow.concurrency_limit = "high", 2
        flow.labels = [Label(company_id=flow.company_id, name="erp", colour="#0d6efd")]
        db.session.commit()
        hook = triggers.create_webhook(flow, "New order")
        old_signature = hook.signature
    made = client.post(f"/flows/{flow_id}/duplicate", headers=HX)
    copy_id = int(made.headers["HX-Redirect"].rsplit("/", 1)[-1])
    copied = read_flow(copy_id, lambda f: (f.name, f.enabled, f.priority, f.concurrency_limit,
                                           [label.name for label in f.labels], [v.status for v in f.versions],
                                           f.draft.definition))
    assert copied == ("Copy of Orders", False, "high", 2, ["erp"], ["draft"], definition)
    with app.app_context(), tenancy.acting_as(me["company_id"]):
        from app.api import services as triggers

        hooks = triggers.webhooks_of(db.session.get(Flow, copy_id))
        assert [h.name for h in hooks] == ["New order"] and hooks[0].signature != old_signature
    assert "keep" not in html(client.get("/flows/"))  # the flash went to the canvas page
    again = client.post(f"/flows/{flow_id}/duplicate", headers=HX)
    assert read_flow(int(again.headers["HX-Redirect"].rsplit("/", 1)[-1]), lambda f: f.name) == "Copy of Orders (2)"


def test_enable_toggle_answers_with_the_row(client, login, make_flow, read_flow):
    me = login("manager")
    flow_id = make_flow(me["company_id"])
    row = client.post(f"/flows/{flow_id}/enabled", headers=HX, data={"enabled": "0"})
    assert row.status_code == 200 and html(row).lstrip().startswith(f'<tr id="flow-row-{flow_id}"')
    assert read_flow(flow_id, lambda f: f.enabled) is False
    client.post(f"/flows/{flow_id}/enabled", headers=HX, data={"enabled": "1"})
    assert read_flow(flow_id, lambda f: f.enabled) is True


def test_delete_asks_first_and_is_refused_while_a_run_is_active(app, client, login, make_flow, read_flow):
    me = login("manager")
    flow_id = make_flow(me["company_id"], name="Orders")
    assert 'hx-confirm="Delete “Orders” with its 2 versions' in html(client.get("/flows/"))
    with app.app_context():
        flow = db.session.get(Flow, flow_id)
        run = Run(company_id=flow.company_id, flow_id=flow.id, version_id=flow.deployed.id, trigger="manual",
                  status="running")
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    client.post(f"/flows/{flow_id}/delete", headers=HX)
    assert "has 1 run waiting or running" in html(client.get("/flows/"))
    with app.app_context():
        db.session.get(Run, run_id).status = "success"
        db.session.commit()
    client.post(f"/flows/{flow_id}/delete", headers=HX)
    page = html(client.get("/flows/"))
    assert "“Orders” was deleted." in page and names_in(page) == []
    with app.app_context():
        assert db.session.get(Flow, flow_id) is None and db.session.get(Run, run_id) is None


def test_labels_are_created_recoloured_assigned_filtered_and_deleted(app, client, login, make_flow, read_flow):
    me = login("user")
    tagged = make_flow(me["company_id"], name="Tagged")
    make_flow(me["company_id"], name="Plain")
    page = html(client.get("/flows/labels"))
    assert "production" in page and "staging" in page, "every company starts with the default labels"
    too_long = client.post("/flows/labels", headers=HX, data={"name": "x" * 21, "colour": "#dc3545"})
    assert too_long.status_code == 422
    duplicate = client.post("/flows/labels", headers=HX, data={"name": "Production", "colour": "#dc3545"})
    assert duplicate.status_code == 422 and "already a label called" in html(duplicate)
    made = client.post("/flows/labels", headers=HX, data={"name": "erp", "colour": "#dc3545"})
    assert made.status_code == 200 and "erp" in html(made)
    with app.app_context():
        label_id = db.session.query(Label).filter_by(name="erp").one().id
    assert 'value="erp"' in html(client.get(f"/flows/labels/{label_id}", headers=HX))
    client.post(f"/flows/labels/{label_id}", headers=HX, data={"edit-name": "ERP", "edit-colour": "#198754"})

    form = html(client.get(f"/flows/{tagged}/labels", headers=HX))
    assert f'value="{label_id}"' in form
    client.post(f"/flows/{tagged}/labels", headers=HX, data={"labels": [str(label_id)], "next": "/flows/"})
    assert read_flow(tagged, lambda f: [(lbl.name, lbl.colour) for lbl in f.labels]) == [("ERP", "#198754")]
    assert names_in(html(client.get(f"/flows/?label={label_id}"))) == ["Tagged"]
    assert "1 flow</a>" in html(client.get("/flows/labels"))
    from_settings = client.post(f"/flows/{tagged}/labels", headers=HX, data={"labels": [], "from": "settings"})
    assert 'id="label-section"' in html(from_settings) and "Labels saved." in html(from_settings)
    client.post(f"/flows/{tagged}/labels", headers=HX, data={"labels": [str(label_id)]})
    client.post(f"/flows/labels/{label_id}/delete", headers=HX)
    assert read_flow(tagged, lambda f: f.labels) == []
