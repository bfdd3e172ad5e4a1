"""The canvas endpoints as the page uses them: every structural change, revisions, undo and manual runs."""
from __future__ import annotations

import io
import json
import re

from app.extensions import db
from app.flows import drafts
from app.runs.models import Run
from tests.flows_editor.conftest import HX, draft_ids, html, revision_of


def open_canvas(client, flow_id) -> tuple[str, int]:
    page = html(client.get(f"/flows/{flow_id}"))
    return page, revision_of(page)


def test_the_canvas_shows_title_tray_steps_paths_and_copy_link(client, login, make_flow):
    me = login("user")
    flow_id = make_flow(me["company_id"], name="Orders")
    page, _ = open_canvas(client, flow_id)
    assert f"Flow #{flow_id}" in page and "Orders" in page and "Version 2 · Draft" in page
    assert f'data-copy="http://localhost/flows/{flow_id}?company={me["company_id"]}"' in page
    assert "Standard shapes" in page and "Advanced shapes" in page
    assert 'data-shape-type="try_catch"' in page and "Rename, reshape and transform fields" in page
    for step_id in ("s1", "r1", "m1", "s2"):
        assert f'data-step-id="{step_id}"' in page
    assert page.count('class="weft-path"') == 2 and 'data-path-id="pb"' in page and "Drop a shape here" in page
    assert 'id="trigger-panel"' in page, "the trigger panel stays reachable from the trigger shape"
    for control in ('id="run-now"', 'id="run-form"', 'id="run-with-payload"', 'hx-disabled-elt',
                    'id="open-settings"', 'id="return-to-trigger"', 'id="undo-button"'):
        assert control in page, control
    assert 'id="deploy-button"' not in page, "users build; managers deploy"


def test_adding_moving_skipping_noting_and_deleting_shapes(app, client, login, make_flow, read_flow):
    me = login("user")
    flow_id = make_flow(me["company_id"])
    _, rev = open_canvas(client, flow_id)

    added = client.post(f"/flows/{flow_id}/steps", headers=HX, data={"type": "filter", "path_id": "pb", "index": 0,
                                                                     "revision": rev})
    assert added.status_code == 200 and 'id="canvas"' in html(added) and "<html" not in html(added)
    assert revision_of(html(added)) == rev + 1
    new_id = read_flow(flow_id, lambda f: f.draft.steps[1]["paths"][1]["steps"][0]["id"])
    assert re.fullmatch(r"s[0-9a-f]{8}", new_id)
    assert "needs setup" in html(added) and "Add at least one condition." in html(added)

    rev += 1
    moved = client.post(f"/flows/{flow_id}/steps/s2/move", headers=HX, data={"path_id": "root", "index": 0,
                                                                             "revision": rev})
    assert moved.status_code == 200
    assert read_flow(flow_id, draft_ids) == ["s2", "s1", "r1"]

    rev += 1
    client.post(f"/flows/{flow_id}/steps/m1/move", headers=HX, data={"path_id": "pb", "index": 5, "revision": rev})
    paths = read_flow(flow_id, lambda f: [[s["id"] for s in p["steps"]] for p in f.draft.steps[2]["paths"]])
    assert paths == [[], [new_id, "m1"]]

    rev += 1
    skipped = client.post(f"/flows/{flow_id}/steps/m1/skip", headers=HX, data={"skip": "1", "revision": rev})
    assert "weft-skipped" in html(skipped) and "skipped</span>" in html(skipped)
    rev += 1
    noted = client.post(f"/flows/{flow_id}/steps/m1/note", headers=HX, data={"note": "Ask Sam about SKUs",
                                                                             "revision": rev})
    assert "Ask Sam about SKUs" in html(noted)
    assert read_flow(flow_id, lambda f: drafts.find_step(f.draft.definition, "m1")[0]) == {
        "id": "m1", "type": "map", "version": 1, "config": {"rules": []}, "skip": True, "note": "Ask Sam about SKUs"}

    rev += 1
    deleted = client.post(f"/flows/{flow_id}/steps/r1/delete", headers=HX, data={"revision": rev})
    assert 'data-step-id="r1"' not in html(deleted) and 'data-step-id="m1"' not in html(deleted)
    assert read_flow(flow_id, draft_ids) == ["s2", "s1"]
    assert read_flow(flow_id, lambda f: f.deployed.steps[1]["id"]) == "r1", "the deployed version is untouched"


def test_paths_are_added_renamed_and_removed(client, login, make_flow, read_flow):
    me = login("user")
    flow_id = make_flow(me["company_id"])
    _, rev = open_canvas(client, flow_id)
    added = client.post(f"/flows/{flow_id}/steps/r1/paths", headers=HX, data={"revision": rev})
    assert "Route 3" in html(added)
    new_path = read_flow(flow_id, lambda f: f.draft.steps[1]["paths"][2]["id"])
    client.post(f"/flows/{flow_id}/steps/r1/paths/{new_path}/rename", headers=HX,
                data={"name": "Wholesale", "revision": rev + 1})
    client.post(f"/flows/{flow_id}/steps/r1/paths/pa/delete", headers=HX, data={"revision": rev + 2})
    assert read_flow(flow_id, lambda f: [p["name"] for p in f.draft.steps[1]["paths"]]) == ["B", "Wholesale"]
    refused = client.post(f"/flows/{flow_id}/steps/r1/paths/pb/rename", headers=HX, data={"name": " ",
                                                                                          "revision": rev + 3})
    assert "Give the path a name." in html(refused)


def test_new_route_branch_and_try_catch_come_with_their_paths(client, login, make_flow, read_flow):
    me = login("user")
    flow_id = make_flow(me["company_id"], definition={"trigger": {"type": "manual"}, "steps": []})
    _, rev = open_canvas(client, flow_id)
    for offset, kind in enumerate(("route", "branch", "try_catch")):
        client.post(f"/flows/{flow_id}/steps", headers=HX, data={"type": kind, "index": 99, "revision": rev + offset})
    names = read_flow(flow_id, lambda f: [[p["name"] for p in s["paths"]] for s in f.draft.steps])
    assert names == [["Route 1", "Route 2"], ["Branch 1", "Branch 2"], ["Try", "Catch"]]
    page, _ = open_canvas(client, flow_id)
    assert "Every shape is set up." in page
    unknown = client.post(f"/flows/{flow_id}/steps", headers=HX, data={"type": "teleport", "revision": rev + 3})
    assert "Unknown shape type" in html(unknown)


def test_undo_takes_back_structural_changes_but_keeps_later_settings(client, login, make_flow, read_flow, app):
    me = login("user")
    flow_id = make_flow(me["company_id"])
    _, rev = open_canvas(client, flow_id)
    client.post(f"/flows/{flow_id}/steps/s2/move", headers=HX, data={"path_id": "pa", "index": 0, "revision": rev})
    with app.app_context():
        from app.flows.models import Flow

        flow = db.session.get(Flow, flow_id)
        drafts.update_step(flow, "s2", config={"rules": [{"source": "id", "target": "order_id"}]},
                           expected_revision=rev + 1, actor=None)
    page, rev = open_canvas(client, flow_id)
    assert "move Map" in page
    undone = client.post(f"/flows/{flow_id}/undo", headers=HX, data={"revision": rev})
    assert "Undone: move Map." in html(undone)
    assert read_flow(flow_id, draft_ids) == ["s1", "r1", "s2"]
    assert read_flow(flow_id, lambda f: f.draft.steps[2]["config"]["rules"][0]["target"]) == "order_id"
    nothing = client.post(f"/flows/{flow_id}/undo", headers=HX, data={"revision": rev + 1})
    assert "There is nothing to undo." in html(nothing)


def test_two_windows_editing_one_draft_never_lose_a_change(client, login, make_flow, read_flow):
    """Both windows loaded revision R. The first change wins; the second is refused with the canvas as it is."""
    me = login("user")
    flow_id = make_flow(me["company_id"])
    _, seen = open_canvas(client, flow_id)
    first = client.post(f"/flows/{flow_id}/steps", headers=HX, data={"type": "map", "index": 0, "revision": seen})
    assert first.status_code == 200 and "canvas-message" not in html(first)
    second = client.post(f"/flows/{flow_id}/steps/s2/delete", headers=HX, data={"revision": seen})
    assert second.status_code == 200
    assert "This flow changed in another window" in html(second)
    assert 'data-stale="1"' in html(second) and revision_of(html(second)) == seen + 1
    ids = read_flow(flow_id, draft_ids)
    assert len(ids) == 4 and "s2" in ids, "the first window's shape is there and the stale delete did nothing"
    # the same for a settings panel save (drafts.update_step) racing a canvas change
    again = client.post(f"/flows/{flow_id}/steps/s2/skip", headers=HX, data={"skip": "1", "revision": seen + 1})
    assert "canvas-message" not in html(again)
    stale_note = client.post(f"/flows/{flow_id}/steps/s2/note", headers=HX, data={"note": "x", "revision": seen + 1})
    assert "changed in another window" in html(stale_note)
    assert read_flow(flow_id, lambda f: drafts.find_step(f.draft.definition, "s2")[0].get("note")) is None
    assert read_flow(flow_id, lambda f: drafts.find_step(f.draft.definition, "s2")[0].get("skip")) is True


def test_the_canvas_fragment_answers_204_while_nothing_changed(client, login, make_flow):
    me = login("user")
    flow_id = make_flow(me["company_id"])
    _, rev = open_canvas(client, flow_id)
    assert client.get(f"/flows/{flow_id}/canvas?if_revision={rev}", headers=HX).status_code == 204
    fresh = client.get(f"/flows/{flow_id}/canvas?if_revision={rev - 1}", headers=HX)
    assert fresh.status_code == 200 and 'id="canvas"' in html(fresh) and "<html" not in html(fresh)


def test_a_removed_step_or_stale_move_is_explained(client, login, make_flow):
    me = login("user")
    flow_id = make_flow(me["company_id"])
    _, rev = open_canvas(client, flow_id)
    gone = client.post(f"/flows/{flow_id}/steps/nope/delete", headers=HX, data={"revision": rev})
    assert "no longer in the flow" in html(gone)
    inside = client.post(f"/flows/{flow_id}/steps/r1/move", headers=HX, data={"path_id": "pa", "revision": rev})
    assert "cannot be moved into one of its own paths" in html(inside)


def test_without_htmx_a_change_redirects_back_with_the_message(client, login, make_flow):
    me = login("user")
    flow_id = make_flow(me["company_id"])
    response = client.post(f"/flows/{flow_id}/steps/s2/delete", data={"revision": 0})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/flows/{flow_id}")
    assert "changed in another window" in html(client.get(f"/flows/{flow_id}"))


def test_the_step_drawer_shows_stored_settings_and_problems(client, login, make_flow):
    me = login("user")
    flow_id = make_flow(me["company_id"])
    drawer = client.get(f"/flows/{flow_id}/steps/s2/drawer", headers=HX)
    assert drawer.status_code == 200 and '"target": "code"' in html(drawer)
    assert client.get(f"/flows/{flow_id}/steps/zzz/drawer", headers=HX).status_code == 404
    old = client.get(f"/flows/{flow_id}/steps/s2/drawer?version=1", headers=HX)
    assert "read-only" in html(old)


def test_run_with_a_pasted_or_uploaded_payload_and_variable_overrides(app, client, login, make_flow, read_flow):
    me = login("user")
    definition = {"trigger": {"type": "manual"}, "variables": [
        {"name": "region", "type": "string", "default": "EU"}, {"name": "limit", "type": "number", "default": 10}],
        "steps": [{"id": "m", "type": "map", "version": 1, "config": {"rules": [{"source": "sku", "target": "c"}]}}]}
    flow_id = make_flow(me["company_id"], definition=definition)
    page, _ = open_canvas(client, flow_id)
    assert 'name="override-region"' in page and 'value="EU"' in page
    draft_id = read_flow(flow_id, lambda f: f.draft.id)

    bad = client.post(f"/flows/{flow_id}/run", headers=HX, data={
        "payload": "", "format": "json", "version": draft_id, "override-limit": "1", "var-limit": "ten"})
    assert bad.status_code == 422 and "“ten” is not a number." in html(bad)

    response = client.post(f"/flows/{flow_id}/run", data={
        "format": "text", "version": draft_id, "override-limit": "1", "var-limit": "25",
        "file": (io.BytesIO(b'{"sku": "RED-1"}'), "order.json")}, content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context():
        run = db.session.query(Run).one()
        assert run.variables == {"limit": 25} and run.version_id == draft_id
        from app.runs import logbook

        assert json.loads(logbook.store().get(run.company_id, run.input_ref)) == {"sku": "RED-1"}

    big = client.post(f"/flows/{flow_id}/run", data={
        "format": "json", "file": (io.BytesIO(b"x" * 100_001), "big.txt")}, content_type="multipart/form-data",
        headers=HX)
    assert big.status_code == 422 and "the limit is 100,000" in html(big)


def test_shapes_move_up_and_down_from_their_menu(client, login, make_flow, read_flow):
    """The keyboard-friendly way to reorder: the menu posts the same move as a drag."""
    me = login("user")
    flow_id = make_flow(me["company_id"])
    page, rev = open_canvas(client, flow_id)
    assert page.count("weft-move-up") == 2 and page.count("weft-move-down") == 2  # top level: 2 + 1, path A: 0
    assert '"index": 1' in page and '"path_id": "root"' in page
    client.post(f"/flows/{flow_id}/steps/s1/move", headers=HX, data={"path_id": "root", "index": 1, "revision": rev})
    assert read_flow(flow_id, draft_ids) == ["r1", "s1", "s2"]
