"""Deploying the draft (and being refused), the versions list, read-only older versions, restore and compare."""
from __future__ import annotations

from tests.flows_editor.conftest import HX, draft_ids, html, revision_of


def versions_of(flow) -> dict:
    return {v.number: v.status for v in flow.versions}


def test_deploy_is_refused_with_every_problem_listed(client, login, make_flow, read_flow):
    me = login("manager")
    flow_id = make_flow(me["company_id"], definition={"trigger": {"type": "manual"}, "steps": []}, deploy=False)
    rev = revision_of(html(client.get(f"/flows/{flow_id}")))
    client.post(f"/flows/{flow_id}/steps", headers=HX, data={"type": "filter", "revision": rev})
    client.post(f"/flows/{flow_id}/steps", headers=HX, data={"type": "set_variables", "index": 9,
                                                             "revision": rev + 1})
    step_id = read_flow(flow_id, lambda f: f.draft.steps[1]["id"])
    from app.flows import drafts

    read_flow(flow_id, lambda f: drafts.update_step(f, step_id, config={"meta": [
        {"key": "region", "value": "[[flow.variables.regoin]]"}]}, expected_revision=rev + 2, actor=None))

    check = client.get(f"/flows/{flow_id}/deploy", headers=HX)
    text = html(check)
    assert "cannot be deployed yet" in text and "Add at least one condition." in text
    assert "Unknown variable [[flow.variables.regoin]]" in text and "Settings › Flow variables" in text
    assert 'id="confirm-deploy"' not in text
    refused = client.post(f"/flows/{flow_id}/deploy", headers=HX, data={"revision": rev + 3})
    assert refused.status_code == 422 and "Add at least one condition." in html(refused)
    assert read_flow(flow_id, versions_of) == {1: "draft"}


def test_an_empty_flow_cannot_be_deployed(client, login, make_flow):
    me = login("manager")
    flow_id = make_flow(me["company_id"], definition={"trigger": {"type": "manual"}, "steps": []}, deploy=False)
    assert "Add at least one shape after the trigger." in html(client.get(f"/flows/{flow_id}/deploy", headers=HX))


def test_variables_set_by_a_set_variables_shape_count_as_known(client, login, make_flow):
    me = login("manager")
    flow_id = make_flow(me["company_id"], definition={"trigger": {"type": "manual"}, "steps": [
        {"id": "v", "type": "set_variables", "version": 1, "config": {"flow": [{"name": "since", "value": "1"}]}},
        {"id": "m", "type": "set_variables", "version": 1, "config": {"meta": [
            {"key": "since", "value": "[[flow.variables.since]]"}]}}]}, deploy=False)
    assert 'id="confirm-deploy"' in html(client.get(f"/flows/{flow_id}/deploy", headers=HX))


def test_deploy_freezes_the_draft_and_starts_a_new_one(app, client, login, make_flow, read_flow):
    me = login("manager")
    flow_id = make_flow(me["company_id"])
    page = html(client.get(f"/flows/{flow_id}"))
    rev = revision_of(page)
    client.post(f"/flows/{flow_id}/steps/s2/skip", headers=HX, data={"skip": "1", "revision": rev})
    preview = html(client.get(f"/flows/{flow_id}/deploy", headers=HX))
    assert "Changes since version 1" in preview and "now skipped" in preview and 'id="confirm-deploy"' in preview
    stale = client.post(f"/flows/{flow_id}/deploy", headers=HX, data={"revision": rev})
    assert stale.status_code == 422 and "changed in another window" in html(stale)

    done = client.post(f"/flows/{flow_id}/deploy", headers=HX, data={"revision": rev + 1})
    assert done.status_code == 204 and done.headers["HX-Redirect"] == f"/flows/{flow_id}"
    assert read_flow(flow_id, versions_of) == {1: "inactive", 2: "deployed", 3: "draft"}
    who = read_flow(flow_id, lambda f: (f.deployed.deployed_by_id, f.deployed.deployed_at is not None,
                                        f.draft.definition == f.deployed.definition))
    assert who == (me["user_id"], True, True)
    page = html(client.get(f"/flows/{flow_id}"))
    assert "Version 2 is deployed; version 3 is the new draft." in page and "Version 3 · Draft" in page

    listing = html(client.get(f"/flows/{flow_id}/versions", headers=HX))
    assert listing.count("data-version=") == 3 and "Deployed" in listing and "Inactive" in listing
    assert "User " in listing, "who deployed is shown"


def test_an_older_version_opens_read_only_and_can_be_restored_then_undone(client, login, make_flow, read_flow):
    me = login("user")
    flow_id = make_flow(me["company_id"])
    rev = revision_of(html(client.get(f"/flows/{flow_id}")))
    client.post(f"/flows/{flow_id}/steps/r1/delete", headers=HX, data={"revision": rev})
    old = html(client.get(f"/flows/{flow_id}?version=1"))
    assert "You are looking at version 1 (deployed). It is read-only." in old
    assert 'data-editable="0"' in old and "weft-step-menu" not in old and 'data-step-id="r1"' in old
    assert client.get(f"/flows/{flow_id}?version=9").status_code == 404

    stale = client.post(f"/flows/{flow_id}/versions/1/restore", data={"revision": rev})
    assert stale.status_code == 303 and "changed in another window" in html(client.get(f"/flows/{flow_id}"))
    restored = client.post(f"/flows/{flow_id}/versions/1/restore", data={"revision": rev + 1})
    assert restored.status_code == 303
    assert read_flow(flow_id, draft_ids) == ["s1", "r1", "s2"]
    page = html(client.get(f"/flows/{flow_id}"))
    assert "Version 1 is now the draft." in page and "restore version 1" in page
    client.post(f"/flows/{flow_id}/undo", headers=HX, data={"revision": revision_of(page)})
    assert read_flow(flow_id, draft_ids) == ["s1", "s2"]
    assert client.post(f"/flows/{flow_id}/versions/2/restore", data={"revision": 1}).status_code == 303
    assert "already the draft" in html(client.get(f"/flows/{flow_id}"))


def test_compare_lists_added_removed_moved_and_changed_shapes(app, client, login, make_flow, read_flow):
    me = login("user")
    flow_id = make_flow(me["company_id"])
    rev = revision_of(html(client.get(f"/flows/{flow_id}")))
    client.post(f"/flows/{flow_id}/steps/m1/delete", headers=HX, data={"revision": rev})
    client.post(f"/flows/{flow_id}/steps", headers=HX, data={"type": "flow_control", "path_id": "pb",
                                                             "revision": rev + 1})
    client.post(f"/flows/{flow_id}/steps/s2/move", headers=HX, data={"path_id": "root", "index": 0,
                                                                    "revision": rev + 2})
    from app.flows import drafts

    read_flow(flow_id, lambda f: drafts.update_step(f, "s1", name="Orders", config={"format": "json", "body": "[]"},
                                                    expected_revision=rev + 3, actor=None))
    read_flow(flow_id, lambda f: drafts.set_variables(f, [{"name": "region", "type": "string", "default": "EU"}],
                                                      expected_revision=rev + 4, actor=None))
    page = html(client.get(f"/flows/{flow_id}/compare?from=1&to=2"))
    changes = {kind: page.count(f'data-change="{kind}"') for kind in ("added", "removed", "moved", "changed", "flow")}
    assert changes == {"added": 1, "removed": 1, "moved": 1, "changed": 1, "flow": 1}
    assert "Flow control" in page and "moved from position 3 to 1 in top level" in page
    assert "renamed from “Manual payload” to “Orders”" in page and "setting body changed" in page
    assert "Flow variable “region” added." in page
    same = html(client.get(f"/flows/{flow_id}/compare?from=1&to=1", headers=HX))
    assert "These two versions are the same." in same and "<html" not in same
    reverse = html(client.get(f"/flows/{flow_id}/compare?from=2&to=1"))
    assert "From version 1" in reverse
