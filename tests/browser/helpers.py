"""Shared steps of the browser tests: signing in as a person does, and real drag and drop on the flow canvas."""
from __future__ import annotations

import re

from tests import factories


def revision(page) -> str:
    return page.locator("#canvas").get_attribute("data-revision")


def changes_canvas(page, action, expect_message: str | None = None):
    """Runs action (a drag or a click) and waits until the server has answered with a new canvas."""
    before = revision(page)
    action()
    page.wait_for_function("(before) => document.getElementById('canvas').dataset.revision !== before", arg=before,
                           timeout=10_000)
    page.wait_for_selector("#flow-editor:not(.weft-busy)")
    if expect_message:
        assert expect_message in page.locator("#canvas-message").inner_text()


GHOST = "document.querySelector('.sortable-ghost')"
PLACED = {
    # SortableJS moves the dragged element (class sortable-ghost) into place while the mouse moves.
    "into": f"(list) => list.contains({GHOST})",
    "after": f"(card) => card.closest('.weft-node').nextElementSibling === {GHOST}",
    "before": f"(card) => card.closest('.weft-node').previousElementSibling === {GHOST}",
}


def drag(page, source, target, where: str = "after"):
    """Press, move in small steps and release, as a person does (SortableJS listens to mouse events). Like a
    person, it aims again when the shapes it passes shift the canvas under the mouse."""
    s = source.bounding_box()
    page.mouse.move(s["x"] + s["width"] / 2, s["y"] + s["height"] / 2)
    page.mouse.down()
    page.mouse.move(s["x"] + s["width"] / 2 + 8, s["y"] + s["height"] / 2 + 8, steps=4)
    for _ in range(6):
        t = target.bounding_box()
        y = {"after": t["y"] + t["height"] * 0.8, "before": t["y"] + t["height"] * 0.2,
             "into": t["y"] + t["height"] / 2}[where]
        x = t["x"] + min(t["width"] / 2, 120)
        page.mouse.move(x, y, steps=15)
        page.mouse.move(x, y + 1, steps=2)
        if target.evaluate(PLACED[where]):
            break
    page.mouse.up()


def root_steps(page) -> list[str]:
    return page.locator("#canvas .weft-flow > .weft-list > .weft-node").evaluate_all(
        "nodes => nodes.map(n => n.dataset.stepType)")


def tray(page, label: str):
    return page.locator(f".weft-tray-item:has(strong:text-is('{label}'))")


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r"/dashboard$"))


def run_and_wait(page) -> list[str]:
    page.click("#run-now")
    page.wait_for_url(re.compile(r"/runs/\d+$"))
    page.wait_for_selector("#run-status [data-status=success]", timeout=30_000)
    return page.locator("#log-rows .weft-message").all_inner_texts()
