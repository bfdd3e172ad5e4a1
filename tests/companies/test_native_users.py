"""Partner team members manage a linked company's native users, under the accounts issue's grant rules."""
from __future__ import annotations

from app.accounts.models import User
from app.extensions import db
from tests.companies.conftest import text


def switched(client, sign_in, partner, who):
    sign_in(partner.emails[who])
    assert client.post(f"/companies/{partner.acme}/switch").status_code == 303


def test_a_switched_manager_adds_a_native_user_to_the_linked_company(app, client, partner, sign_in):
    switched(client, sign_in, partner, "manager")
    users_page = text(client.get("/settings/"))
    assert "admin@acme.example" in users_page and "manager2@northwind.example" not in users_page
    response = client.post("/settings/users/new", data={"name": "Nina Native", "email": "nina@acme.example"})
    assert response.status_code == 303
    with app.app_context():
        nina = db.session.query(User).filter_by(email="nina@acme.example").one()
        assert (nina.company_id, nina.role, nina.password_hash) == (partner.acme, "user", None)


def test_a_switched_manager_changes_roles_within_the_managers_rules(app, client, partner, sign_in):
    switched(client, sign_in, partner, "manager")
    client.post("/settings/users/new", data={"name": "Nina Native", "email": "nina@acme.example"})
    with app.app_context():
        nina_id = db.session.query(User).filter_by(email="nina@acme.example").one().id
    lowered = client.post(f"/settings/users/{nina_id}/edit",
                          data={"name": "Nina Native", "email": "nina@acme.example", "role": "read-only"})
    assert lowered.status_code == 303
    refused = client.post(f"/settings/users/{nina_id}/edit",
                          data={"name": "Nina Native", "email": "nina@acme.example", "role": "manager"})
    assert refused.status_code == 422 and "cannot assign the Manager role" in text(refused)
    assert client.post(f"/settings/users/{partner.native}/delete").status_code == 303
    with app.app_context():
        assert db.session.get(User, nina_id).role == "read-only"
        assert db.session.get(User, partner.native).deleted_at is None, "a manager cannot delete an administrator"


def test_a_switched_administrator_promotes_resets_and_removes(app, client, partner, sign_in):
    switched(client, sign_in, partner, "admin")
    client.post("/settings/users/new", data={"name": "Nina Native", "email": "nina@acme.example"})
    with app.app_context():
        nina_id = db.session.query(User).filter_by(email="nina@acme.example").one().id
    promoted = client.post(f"/settings/users/{nina_id}/edit",
                           data={"name": "Nina Native", "email": "nina@acme.example", "role": "manager"})
    assert promoted.status_code == 303
    assert client.post(f"/settings/users/{nina_id}/reset-password").status_code == 303
    assert client.post(f"/settings/users/{nina_id}/delete").status_code == 303
    with app.app_context():
        nina = db.session.get(User, nina_id)
        assert nina.role == "manager" and nina.deleted_at is not None


def test_while_switched_the_partners_own_users_are_out_of_reach(client, partner, sign_in):
    switched(client, sign_in, partner, "admin")
    assert client.get(f"/settings/users/{partner.ids['manager2']}").status_code == 404
    assert client.post(f"/settings/users/{partner.ids['manager2']}/delete").status_code == 404


def test_a_switched_read_only_member_cannot_add_users(app, client, partner, sign_in):
    # A grant held by someone below manager is dormant: they never act in the linked company.
    from app.companies.models import TeamAccess

    with app.app_context():
        db.session.add(TeamAccess(user_id=partner.ids["readonly"], company_id=partner.acme))
        db.session.commit()
    sign_in(partner.emails["readonly"])
    assert client.post(f"/companies/{partner.acme}/switch").status_code == 404
    assert client.post("/settings/users/new", data={"name": "X", "email": "x@acme.example"}).status_code == 403
