"""The flow settings drawer: general and run settings, failure emails, flow variables."""
from __future__ import annotations

from app.extensions import db
from app.insights.models import NotificationGroup
from tests import factories
from tests.flows_editor.conftest import HX, html

GOOD = {"name": "Orders", "description": "Nightly import", "priority": "high", "enabled": "y",
        "use_queued_time": "y", "concurrency_limit": "1", "retry_failed_runs": "2", "run_timeout_minutes": "30"}


def make_group(app, company_id, name="Ops") -> int:
    with app.app_context():
        group = NotificationGroup(company_id=company_id, name=name, emails=["ops@example.com"])
        db.session.add(group)
        db.session.commit()
        return group.id


def settings_of(flow):
    return (flow.name, flow.description, flow.priority, flow.enabled, flow.use_queued_time, flow.concurrency_limit,
            flow.retry_failed_runs, flow.run_timeout_seconds, flow.failure_group_ids)


def test_the_drawer_shows_every_setting(app, client, login, make_flow):
    me = login("manager")
    make_group(app, me["company_id"])
    flow_id = make_flow(me["company_id"])
    drawer = html(client.get(f"/flows/{flow_id}/settings", headers=HX))
    assert "<html" not in drawer
    for text in ("Queue priority", "Use queued time", "Runs of this flow at once", "Retry failed runs",
                 "Run timeout (minutes)", "Ops", "Flow variables", "Labels", "Versions", 'name="enabled"'):
        assert text in drawer, text
    assert "<html" in html(client.get(f"/flows/{flow_id}/settings")), "the same URL is a full page too"


def test_saving_settings(app, client, login, make_flow, read_flow):
    me = login("manager")
    group_id = make_group(app, me["company_id"])
    flow_id = make_flow(me["company_id"])
    saved = client.post(f"/flows/{flow_id}/settings", headers=HX, data={**GOOD, "failure_groups": [str(group_id)]})
    assert saved.status_code == 200 and "Settings saved." in html(saved)
    assert 'id="flow-title-name" hx-swap-oob="innerHTML"' in html(saved)
    assert read_flow(flow_id, settings_of) == ("Orders", "Nightly import", "high", True, True, 1, 2, 1800,
                                               [group_id])
    cleared = client.post(f"/flows/{flow_id}/settings", headers=HX, data={
        "name": "Orders", "priority": "medium", "retry_failed_runs": "0"})
    assert cleared.status_code == 200
    assert read_flow(flow_id, settings_of) == ("Orders", None, "medium", False, False, None, 0, None, [])


def test_invalid_settings_come_back_inline(app, client, login, make_flow, read_flow):
    me = login("manager")
    flow_id = make_flow(me["company_id"], name="Keep")
    stranger_group = make_group(app, factories_company(app), "Theirs")
    for data, message in (({**GOOD, "name": ""}, "Give the flow a name."),
                          ({**GOOD, "concurrency_limit": "0"}, "Between 1 and 100, or empty."),
                          ({**GOOD, "run_timeout_minutes": "99999"}, "Between 1 and 1440, or empty."),
                          ({**GOOD, "retry_failed_runs": "7"}, "Not a valid choice"),
                          ({**GOOD, "failure_groups": [str(stranger_group)]}, "no longer exists")):
        response = client.post(f"/flows/{flow_id}/settings", headers=HX, data=data)
        assert response.status_code == 422 and message in html(response), message
    assert read_flow(flow_id, lambda f: f.name) == "Keep"


def factories_company(app) -> int:
    with app.app_context():
        return factories.company().id


def test_users_edit_settings_but_only_managers_enable(client, login, make_flow, read_flow):
    me = login("user")
    flow_id = make_flow(me["company_id"])
    drawer = html(client.get(f"/flows/{flow_id}/settings", headers=HX))
    assert 'name="enabled"' not in drawer and "a manager or administrator can change this" in drawer
    client.post(f"/flows/{flow_id}/settings", headers=HX, data={**GOOD, "enabled": ""})
    assert read_flow(flow_id, lambda f: (f.name, f.enabled)) == ("Orders", True)


def test_flow_variables_are_added_checked_removed_and_saved_on_the_draft(client, login, make_flow, read_flow):
    me = login("user")
    flow_id = make_flow(me["company_id"])
    revision = read_flow(flow_id, lambda f: f.draft.revision)
    added = client.post(f"/flows/{flow_id}/variables", headers=HX, data={"action": "add", "revision": revision})
    assert html(added).count('name="var_name"') == 1
    rows = {"var_name": ["region", "limit", "debug", "filters", "1bad"],
            "var_type": ["string", "number", "boolean", "json", "string"],
            "var_default": ["EU", "ten", "true", '{"a": 1}', ""], "revision": revision}
    bad = client.post(f"/flows/{flow_id}/variables", headers=HX, data={**rows, "action": "save"})
    assert bad.status_code == 422
    assert "“ten” is not a number." in html(bad) and "Use letters, digits and _ only" in html(bad)
    removed = client.post(f"/flows/{flow_id}/variables", headers=HX, data={**rows, "action": "remove-4"})
    assert html(removed).count('name="var_name"') == 4 and "save to remove it" in html(removed)
    rows = {**rows, "var_name": rows["var_name"][:4], "var_type": rows["var_type"][:4],
            "var_default": ["EU", "10", "true", '{"a": 1}']}
    saved = client.post(f"/flows/{flow_id}/variables", headers=HX, data={**rows, "action": "save"})
    assert saved.status_code == 200 and "Flow variables saved on the draft." in html(saved)
    assert read_flow(flow_id, lambda f: (f.draft.variables, f.deployed.variables)) == ([
        {"name": "region", "type": "string", "default": "EU"}, {"name": "limit", "type": "number", "default": 10},
        {"name": "debug", "type": "boolean", "default": True}, {"name": "filters", "type": "json", "default": {"a": 1}},
    ], [])
    stale = client.post(f"/flows/{flow_id}/variables", headers=HX, data={**rows, "action": "save"})
    assert stale.status_code == 422 and "changed in another window" in html(stale)
    twice = client.post(f"/flows/{flow_id}/variables", headers=HX, data={
        "var_name": ["a", "a"], "var_type": ["string", "string"], "var_default": ["", ""], "revision": revision + 1})
    assert "Two variables have this name." in html(twice)
