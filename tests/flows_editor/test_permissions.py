"""Who may do what in the editor, and another company's flows are not found at all."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.flows.models import Label
from tests import factories
from tests.flows_editor.conftest import HX, ROUTED, html


def editor_posts(flow_id: int, label_id: int) -> list[str]:
    base = f"/flows/{flow_id}"
    return [f"{base}/steps", f"{base}/steps/s2/move", f"{base}/steps/s2/delete", f"{base}/steps/s2/skip",
            f"{base}/steps/s2/note", f"{base}/steps/r1/paths", f"{base}/steps/r1/paths/pa/rename",
            f"{base}/steps/r1/paths/pa/delete", f"{base}/undo", f"{base}/versions/1/restore", f"{base}/settings",
            f"{base}/variables", f"{base}/labels", f"{base}/rename", f"{base}/duplicate", "/flows/new",
            "/flows/labels", f"/flows/labels/{label_id}", f"/flows/labels/{label_id}/delete"]


@pytest.fixture
def label_of(app):
    def make(company_id: int) -> int:
        with app.app_context():
            label = Label(company_id=company_id, name="ops", colour="#0d6efd")
            db.session.add(label)
            db.session.commit()
            return label.id

    return make


def test_read_only_users_see_the_canvas_without_edit_controls_and_get_403(client, login, make_flow, label_of):
    me = login("read-only")
    flow_id = make_flow(me["company_id"])
    label_id = label_of(me["company_id"])
    page = html(client.get(f"/flows/{flow_id}"))
    assert 'data-step-id="r1"' in page and 'data-editable="0"' in page and 'id="read-only-banner"' in page
    for control in ("weft-tray", "weft-step-menu", "undo-button", "deploy-button", "Run now", "hx-confirm",
                    "Drop a shape here", "Add route"):
        assert control not in page, control
    listing = html(client.get("/flows/"))
    assert 'role="switch"' not in listing and "Rename" not in listing and "New process flow" not in listing
    for url in editor_posts(flow_id, label_id) + [f"/flows/{flow_id}/deploy", f"/flows/{flow_id}/delete",
                                                  f"/flows/{flow_id}/enabled"]:
        assert client.post(url, headers=HX, data={"revision": 1}).status_code == 403, url
    for url in (f"/flows/{flow_id}/settings", f"/flows/{flow_id}/versions", f"/flows/{flow_id}/compare",
                f"/flows/{flow_id}/steps/s2/drawer", "/flows/labels"):
        assert client.get(url, headers=HX).status_code == 200, url
    settings = html(client.get(f"/flows/{flow_id}/settings", headers=HX))
    assert "Save settings" not in settings and "Save variables" not in settings and "Save labels" not in settings


def test_users_build_but_do_not_deploy_enable_or_delete(client, login, make_flow):
    me = login("user")
    flow_id = make_flow(me["company_id"])
    page = html(client.get(f"/flows/{flow_id}"))
    assert "weft-tray" in page and 'id="deploy-button"' not in page
    assert client.get(f"/flows/{flow_id}/deploy", headers=HX).status_code == 403
    assert client.post(f"/flows/{flow_id}/deploy", headers=HX).status_code == 403
    assert client.post(f"/flows/{flow_id}/delete", headers=HX).status_code == 403
    assert client.post(f"/flows/{flow_id}/enabled", headers=HX, data={"enabled": "0"}).status_code == 403


def test_another_companys_flow_and_labels_are_not_found(app, client, login, label_of):
    login("administrator")
    with app.app_context():
        stranger = factories.company("Stranger Ltd")
        flow_id = factories.flow(stranger, name="Secret flow", definition=ROUTED).id
        stranger_id = stranger.id
    label_id = label_of(stranger_id)
    for url in editor_posts(flow_id, label_id) + [f"/flows/{flow_id}/deploy", f"/flows/{flow_id}/delete",
                                                  f"/flows/{flow_id}/enabled", f"/flows/{flow_id}/run"]:
        if url in ("/flows/new", "/flows/labels"):
            continue
        assert client.post(url, headers=HX, data={"revision": 1, "name": "x"}).status_code == 404, url
    for url in (f"/flows/{flow_id}", f"/flows/{flow_id}/canvas", f"/flows/{flow_id}/settings",
                f"/flows/{flow_id}/versions", f"/flows/{flow_id}/compare", f"/flows/{flow_id}/deploy",
                f"/flows/{flow_id}/steps/s2/drawer", f"/flows/{flow_id}/rename", f"/flows/{flow_id}/labels",
                f"/flows/labels/{label_id}"):
        response = client.get(url, headers=HX)
        assert response.status_code == 404, url
        assert "Secret flow" not in html(response)
    assert "Secret flow" not in html(client.get("/flows/?q=secret"))
    with app.app_context():
        from app.flows.models import Flow

        assert db.session.get(Flow, flow_id).name == "Secret flow"


def test_labels_of_another_company_cannot_be_assigned(app, client, login, make_flow, label_of, read_flow):
    me = login("user")
    flow_id = make_flow(me["company_id"])
    with app.app_context():
        stranger_id = factories.company().id
    theirs = label_of(stranger_id)
    response = client.post(f"/flows/{flow_id}/labels", headers=HX, data={"labels": [str(theirs)]})
    assert response.status_code == 422 and "no longer exists" in html(response)
    assert read_flow(flow_id, lambda f: f.labels) == []
