"""Settings → notification groups: administrators add, edit and delete groups; addresses are checked."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.insights.models import NotificationGroup
from tests import factories


def groups_of(app, company_id):
    with app.app_context():
        return [(g.name, g.emails) for g in db.session.execute(
            select(NotificationGroup).where(NotificationGroup.company_id == company_id)
            .order_by(NotificationGroup.name)).scalars()]


def test_an_administrator_adds_edits_and_deletes_a_group(app, client, login):
    me = login("administrator")
    page = client.get("/settings/notifications/")
    assert page.status_code == 200 and "No notification groups" in page.get_data(as_text=True)
    assert me["email"] in page.get_data(as_text=True)  # company users can be picked

    response = client.post("/settings/notifications/new", data={
        "name": "Ops team", "users": [me["email"]], "emails": "Night@Example.com, night@example.com\nboss@example.com"})
    assert response.status_code == 303
    assert groups_of(app, me["company_id"]) == [
        ("Ops team", [me["email"], "night@example.com", "boss@example.com"])]
    page = client.get("/settings/notifications/").get_data(as_text=True)
    assert "Ops team" in page and "Notification group &#39;Ops team&#39; saved." in page

    with app.app_context():
        group_id = db.session.execute(select(NotificationGroup.id)).scalar_one()
    form = client.get(f"/settings/notifications/{group_id}").get_data(as_text=True)
    assert "night@example.com" in form and "Edit Ops team" in form
    response = client.post(f"/settings/notifications/{group_id}", data={"name": "Ops", "emails": "ops@example.com"})
    assert response.status_code == 303
    assert groups_of(app, me["company_id"]) == [("Ops", ["ops@example.com"])]

    response = client.post(f"/settings/notifications/{group_id}/delete", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/settings/notifications/"
    assert groups_of(app, me["company_id"]) == []


def test_bad_addresses_and_taken_names_re_render_the_form_with_422(app, client, login):
    me = login("administrator")
    new = "/settings/notifications/new"
    response = client.post(new, data={"name": "Ops", "emails": "ops@example.com, not-an-email"},
                           headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Not a valid email address: not-an-email" in body
    assert "<html" not in body  # only the form block, for htmx to swap
    response = client.post(new, data={"name": "Ops", "emails": ""})
    assert response.status_code == 422
    assert "Add at least one email address or pick a user." in response.get_data(as_text=True)

    assert client.post(new, data={"name": "Ops", "emails": "a@example.com"}).status_code == 303
    response = client.post(new, data={"name": "Ops", "emails": "b@example.com"})
    assert response.status_code == 422 and "There is already a group called" in response.get_data(as_text=True)
    assert groups_of(app, me["company_id"]) == [("Ops", ["a@example.com"])]


def test_users_below_administrator_cannot_manage_groups(client, login):
    login("user")
    assert client.get("/settings/notifications/").status_code == 403
    assert client.post("/settings/notifications/new", data={"name": "x", "emails": "x@example.com"}).status_code == 403


def test_another_companys_group_is_not_found(app, client, login):
    with app.app_context():
        stranger = factories.company("Stranger")
        row = NotificationGroup(company_id=stranger.id, name="Hidden", emails=["h@stranger.test"])
        db.session.add(row)
        db.session.commit()
        group_id, stranger_id = row.id, stranger.id
    login("administrator")
    assert client.get(f"/settings/notifications/{group_id}").status_code == 404
    edit = f"/settings/notifications/{group_id}"
    assert client.post(edit, data={"name": "Mine", "emails": "m@x.test"}).status_code == 404
    assert client.post(f"/settings/notifications/{group_id}/delete").status_code == 404
    assert "Hidden" not in client.get("/settings/notifications/").get_data(as_text=True)
    assert groups_of(app, stranger_id) == [("Hidden", ["h@stranger.test"])]
