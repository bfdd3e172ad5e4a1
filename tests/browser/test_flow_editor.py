"""A manager builds a flow on the canvas with real drag and drop, deploys it, runs it, then reorders and skips."""
from __future__ import annotations

from app.extensions import db
from tests import factories
from tests.browser.helpers import changes_canvas, drag, revision, root_steps, run_and_wait, sign_in, tray

ORDERS = '[{"id": 1, "sku": "RED-1", "qty": 2}, {"id": 2, "sku": "BLUE-9", "qty": 5}]'
START = {"trigger": {"type": "manual", "config": {}},
         "steps": [{"id": "s1", "type": "manual_payload", "version": 1, "name": "Sample orders",
                    "config": {"format": "json", "body": ORDERS}}]}


def test_build_deploy_run_then_reorder_and_skip(app, live_server, worker_process, page):
    with app.app_context():
        company = factories.company("Acme Retail")
        manager = factories.user(company, role="manager")
        factories.flow(company, name="Orders to the warehouse", definition=START, deploy=False)
        email = manager.email
        db.session.remove()
    worker_process()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, email)
    page.click("text=Process flows")
    page.click("text=Orders to the warehouse")
    page.wait_for_selector("#canvas[data-editable='1']")
    assert root_steps(page) == ["manual_payload"]

    # trigger → manual payload → map → route with two paths → a shape on each path
    changes_canvas(page, lambda: drag(page, tray(page, "Map"), page.locator("#step-s1")))
    assert root_steps(page) == ["manual_payload", "map"]
    last = page.locator("#canvas .weft-flow > .weft-list > .weft-node").last.locator(".weft-step")
    changes_canvas(page, lambda: drag(page, tray(page, "Route"), last))
    assert root_steps(page) == ["manual_payload", "map", "route"]
    paths = page.locator("#canvas .weft-node[data-step-type=route] .weft-path .weft-list")
    assert paths.count() == 2
    changes_canvas(page, lambda: drag(page, tray(page, "Map"), paths.nth(0), "into"))
    changes_canvas(page, lambda: drag(page, tray(page, "Flow control"), paths.nth(1), "into"))
    route = page.locator("#canvas .weft-node[data-step-type=route]")
    assert route.locator(".weft-path").nth(0).locator(".weft-node[data-step-type=map]").count() == 1
    assert route.locator(".weft-path").nth(1).locator(".weft-node[data-step-type=flow_control]").count() == 1
    assert page.locator("#problem-count").count() == 0, "every shape is complete with its defaults"

    # keyboard: a shape added by mistake is selected and deleted with Delete (after a question); Ctrl+Z
    # brings it back and takes the adding back too; Escape closes the drawer
    changes_canvas(page, lambda: tray(page, "Split").click())
    assert root_steps(page)[-1] == "split" and page.locator("#problem-count").is_visible()
    page.locator("#canvas .weft-node[data-step-type=split] [data-step-open]").click()
    assert page.locator("#drawer").is_visible()
    page.keyboard.press("Escape")
    assert page.locator("#drawer").is_hidden()
    page.once("dialog", lambda dialog: dialog.accept())
    changes_canvas(page, lambda: page.keyboard.press("Delete"))
    assert root_steps(page) == ["manual_payload", "map", "route"]
    changes_canvas(page, lambda: page.keyboard.press("Control+z"), expect_message="Undone: delete Split")
    assert root_steps(page)[-1] == "split"
    changes_canvas(page, lambda: page.keyboard.press("Control+z"), expect_message="Undone: add Split")
    assert root_steps(page) == ["manual_payload", "map", "route"]

    # deploy, run, success
    page.click("#deploy-button")
    page.click("#confirm-deploy")
    page.wait_for_selector("text=Version 1 is deployed")
    messages = run_and_wait(page)
    assert messages[-1] == "Run finished: success."
    assert not any("skipped" in m for m in messages)

    # reorder two shapes (the route above the map), skip the map, deploy again
    page.click("text=Process flows")
    page.click("text=Orders to the warehouse")
    page.wait_for_selector("#canvas[data-editable='1']")
    route_card = page.locator("#canvas .weft-flow > .weft-list > .weft-node[data-step-type=route] > .weft-step")
    map_card = page.locator("#canvas .weft-flow > .weft-list > .weft-node[data-step-type=map] > .weft-step")
    changes_canvas(page, lambda: drag(page, route_card, map_card, "before"))
    assert root_steps(page) == ["manual_payload", "route", "map"]
    map_node = page.locator("#canvas .weft-flow > .weft-list > .weft-node[data-step-type=map]")
    map_node.locator(".weft-step-menu").first.click()
    changes_canvas(page, lambda: map_node.locator(".weft-skip-toggle").first.click())
    assert map_node.locator(".weft-skip-badge").is_visible()
    page.click("#deploy-button")
    page.wait_for_selector("#deploy-body [data-change=moved]")
    assert "now skipped" in page.locator("#deploy-body").inner_text()
    page.click("#confirm-deploy")
    page.wait_for_selector("text=Version 2 is deployed")

    messages = run_and_wait(page)
    skipped = [i for i, m in enumerate(messages) if "flow step skipped" in m]
    assert len(skipped) == 1 and messages[skipped[0]].startswith("Map")
    route_started = next(i for i, m in enumerate(messages) if m.startswith("Route") and "start" in m)
    assert route_started < skipped[0], "the route now runs before the skipped map"
    assert messages[-1] == "Run finished: success."
    assert errors == []


def test_the_canvas_and_an_open_settings_panel_stay_in_step(app, live_server, page):
    """Skipping the shape whose panel is open reloads the panel (so saving it cannot unskip); a change to another
    shape lets the panel save; a panel save shows on the canvas; unsaved panel edits are never overwritten."""
    from app.flows import editor

    with app.app_context():
        if editor.PANELS_BLUEPRINT not in app.blueprints:
            import pytest

            pytest.skip("the settings panels are not registered")
        company = factories.company("Acme Retail")
        user = factories.user(company, role="user")
        two_maps = {"trigger": {"type": "manual"}, "steps": [
            {"id": "a", "type": "map", "version": 1, "config": {"rules": [{"source": "x", "target": "y"}]}},
            {"id": "b", "type": "map", "version": 1, "config": {"rules": [{"source": "x", "target": "z"}]}}]}
        flow_id = factories.flow(company, name="Two maps", definition=two_maps).id
        email = user.email
        db.session.remove()
    sign_in(page, live_server, email)
    page.goto(f"{live_server}/flows/{flow_id}")
    panel_revision = page.locator("#drawer input[name=expected_revision]")

    page.locator("#step-a [data-step-open]").click()
    page.wait_for_selector("#drawer input[name=expected_revision]", state="attached")
    page.locator("#step-a .weft-step-menu").click()
    changes_canvas(page, lambda: page.locator("#step-a .weft-skip-toggle").click())
    page.wait_for_function("() => document.querySelector('#drawer input[name=skip]').checked")
    assert panel_revision.input_value() == revision(page)

    page.locator("#step-b .weft-step-menu").click()
    changes_canvas(page, lambda: page.locator("#step-b .weft-skip-toggle").click())
    assert panel_revision.input_value() == revision(page), "another shape's change does not block this panel"
    page.locator("#drawer input[name=name]").fill("Tidy fields")
    changes_canvas(page, lambda: page.locator("#drawer-body button:has-text('Save')").first.click())
    assert page.locator("#step-a .weft-step-label").inner_text() == "Tidy fields"
    assert page.locator("#step-a .weft-skip-badge").is_visible(), "the canvas's skip survived the panel save"

    page.locator("#drawer input[name=name]").fill("Unsaved")
    page.locator("#step-a .weft-step-menu").click()
    changes_canvas(page, lambda: page.locator("#step-a .weft-skip-toggle").click())
    assert page.locator("#drawer input[name=name]").input_value() == "Unsaved"
    assert panel_revision.input_value() != revision(page), "the panel's save will be refused, not applied"
