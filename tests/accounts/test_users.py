"""Settings → users through the pages: add (invite), search, roles, update, delete, restore, password resets."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts import users
from app.accounts.models import User
from app.audit import AuditEntry
from app.companies.models import Company
from app.extensions import db
from app.timeutil import utcnow
from tests import factories
from tests.accounts.helpers import get_user, link_in


def _colleague(app, company_id, role="user", **kwargs) -> dict:
    with app.app_context():
        user = factories.user(db.session.get(Company, company_id), role=role, **kwargs)
        return {"id": user.id, "email": user.email, "name": user.name}


def _count_users(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(User.id))).scalar_one()


def _actions(app) -> list[str]:
    with app.app_context():
        return [e.action for e in db.session.execute(
            select(AuditEntry).where(AuditEntry.action.like("user.%")).order_by(AuditEntry.id)).scalars()]


def test_an_administrator_adds_a_user_who_sets_a_password_from_the_email(app, client, login, smtp, worker):
    me = login("administrator")
    assert "Add user and send invitation" in client.get("/settings/users/new").get_data(as_text=True)
    response = client.post("/settings/users/new", data={"name": "Grace Hopper", "email": "Grace@Example.com"},
                           follow_redirects=True)
    assert "Grace Hopper is added with the User role" in response.get_data(as_text=True)
    with app.app_context():
        grace = db.session.execute(select(User).where(User.email == "grace@example.com")).scalar_one()
        assert (grace.role, grace.status, grace.company_id, grace.password_hash) == (
            "user", "pending", me["company_id"], None)
    worker.work()
    assert smtp[-1]["to"] == ["grace@example.com"]
    assert "You have been invited to" in smtp[-1]["message"]["Subject"]
    assert "has added you to" in smtp.text()
    stranger = app.test_client()
    assert stranger.post("/login", data={"email": "grace@example.com", "password": "Whatever!1x"}).status_code == 422
    path = link_in(smtp.text())
    assert "Welcome to Weft" in stranger.get(path).get_data(as_text=True)
    assert stranger.post(path, data={"password": "Amazing!Grace1", "confirm": "Amazing!Grace1"}).status_code == 303
    assert stranger.post("/login", data={"email": "grace@example.com", "password": "Amazing!Grace1"}
                         ).status_code == 303
    assert get_user(app, grace.id).status == "active"
    assert _actions(app) == ["user.created", "user.password_set"]


def test_a_manager_adds_users_but_users_and_read_only_cannot(app, client, login, worker):
    login("manager")
    assert client.post("/settings/users/new", data={"name": "New One", "email": "new1@example.com"}
                       ).status_code == 303
    for role in ("user", "read-only"):
        client.post("/logout")
        login(role)
        assert client.get("/settings/users/new").status_code == 403
        assert client.post("/settings/users/new", data={"name": "X", "email": "x@example.com"}).status_code == 403
        assert 'id="add-user"' not in client.get("/settings/").get_data(as_text=True)


def test_bad_input_and_taken_emails_are_refused_and_nothing_is_created(app, client, login):
    me = login("administrator")
    taken = _colleague(app, me["company_id"])
    elsewhere = factories_user_elsewhere(app)
    before = _count_users(app)
    for data, message in (({"name": "", "email": "a@example.com"}, "This field is required."),
                          ({"name": "A", "email": "not-an-email"}, "Invalid email address."),
                          ({"name": "A", "email": taken["email"].upper()}, "This email address is already in use."),
                          ({"name": "A", "email": elsewhere}, "This email address is already in use.")):
        response = client.post("/settings/users/new", data=data, headers={"HX-Request": "true"})
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    assert _count_users(app) == before


def factories_user_elsewhere(app) -> str:
    with app.app_context():
        return factories.user().email


def test_the_email_of_a_deleted_account_offers_restore(app, client, login):
    me = login("administrator")
    old = _colleague(app, me["company_id"])
    assert client.post(f"/settings/users/{old['id']}/delete").status_code == 303
    response = client.post("/settings/users/new", data={"name": "Again", "email": old["email"]})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "belongs to a deleted account" in body and f"/settings/users/{old['id']}/restore" in body
    client.post(f"/settings/users/{old['id']}/restore")
    assert get_user(app, old["id"]).status == "pending"


def test_users_tab_lists_role_2fa_and_status_and_searches(app, client, login):
    me = login("administrator")
    _colleague(app, me["company_id"], email="ada@example.com")
    _colleague(app, me["company_id"], role="read-only", email="alan@example.com")
    page = client.get("/settings/").get_data(as_text=True)
    for text in ("ada@example.com", "alan@example.com", "Read-only", "Role", "2FA", "Status", "Active"):
        assert text in page
    fragment = client.get("/settings/?q=ALAN", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "alan@example.com" in fragment and "ada@example.com" not in fragment and "<html" not in fragment
    empty = client.get("/settings/?q=zzz", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "No user matches" in empty


def test_another_companys_user_is_a_404(app, client, login):
    login("administrator")
    with app.app_context():
        stranger = factories.user()
    assert client.get(f"/settings/users/{stranger.id}").status_code == 404
    assert client.post(f"/settings/users/{stranger.id}/delete").status_code == 404
    assert client.post(f"/settings/users/{stranger.id}/reset-password").status_code == 404
    assert get_user(app, stranger.id).status == "active"


def test_an_administrator_updates_details_and_role(app, client, login):
    me = login("administrator")
    them = _colleague(app, me["company_id"])
    page = client.get(f"/settings/users/{them['id']}").get_data(as_text=True)
    assert 'type="password"' not in page  # passwords are never set on someone's behalf
    response = client.post(f"/settings/users/{them['id']}/edit",
                           data={"name": "Renamed", "email": "renamed@example.com", "role": "manager"})
    assert response.status_code == 303
    user = get_user(app, them["id"])
    assert (user.name, user.email, user.role) == ("Renamed", "renamed@example.com", "manager")
    assert _actions(app) == ["user.updated", "user.role_changed"]


def test_a_refused_role_change_leaves_everything_unchanged(app, client, login):
    me = login("administrator")
    them = _colleague(app, me["company_id"], role="manager")
    response = client.post(f"/settings/users/{them['id']}/edit",
                           data={"name": "Changed", "email": them["email"], "role": "administrator"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "(Administrator) cannot assign the Administrator role. Nothing was changed." in body
    user = get_user(app, them["id"])
    assert (user.name, user.role) == (them["name"], "manager")


def test_a_manager_manages_users_below_managers_only(app, client, login):
    me = login("manager")
    user = _colleague(app, me["company_id"], role="user")
    peer = _colleague(app, me["company_id"], role="manager")
    boss = _colleague(app, me["company_id"], role="administrator")
    ok = client.post(f"/settings/users/{user['id']}/edit", data={"name": "U", "email": user["email"],
                                                                 "role": "read-only"})
    assert ok.status_code == 303 and get_user(app, user["id"]).role == "read-only"
    promote = client.post(f"/settings/users/{user['id']}/edit", data={"name": "U", "email": user["email"],
                                                                      "role": "manager"})
    assert promote.status_code == 422 and "cannot assign the Manager role" in promote.get_data(as_text=True)
    for other in (peer, boss):
        refused = client.post(f"/settings/users/{other['id']}/edit",
                              data={"name": "X", "email": other["email"], "role": "user"})
        assert refused.status_code == 422
        assert "cannot change the account of someone with the" in refused.get_data(as_text=True)
        client.post(f"/settings/users/{other['id']}/delete")
        assert get_user(app, other["id"]).status == "active"
    assert get_user(app, peer["id"]).role == "manager"


def test_the_role_list_offers_only_what_the_actor_may_grant(app, client, login):
    me = login("manager")
    them = _colleague(app, me["company_id"])
    page = client.get(f"/settings/users/{them['id']}").get_data(as_text=True)
    assert 'value="read-only"' in page and 'value="user"' in page
    assert 'value="manager"' not in page and 'value="administrator"' not in page


def test_editing_with_a_taken_email_or_bad_input_is_refused(app, client, login):
    me = login("administrator")
    them = _colleague(app, me["company_id"])
    other = _colleague(app, me["company_id"])
    for data, message in (({"name": "", "email": them["email"], "role": "user"}, "This field is required."),
                          ({"name": "N", "email": "bad", "role": "user"}, "Invalid email address."),
                          ({"name": "N", "email": other["email"], "role": "user"}, "already in use")):
        response = client.post(f"/settings/users/{them['id']}/edit", data=data)
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert get_user(app, them["id"]).email == them["email"]


def test_delete_then_restore(app, client, login, smtp, worker):
    me = login("administrator")
    them = _colleague(app, me["company_id"])
    theirs = app.test_client()
    assert theirs.post("/login", data={"email": them["email"], "password": factories.PASSWORD}).status_code == 303
    response = client.post(f"/settings/users/{them['id']}/delete", follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "can no longer sign in" in body and f"/settings/users/{them['id']}/restore" in body
    assert get_user(app, them["id"]).status == "deleted"
    assert theirs.get("/dashboard").status_code == 302  # their open session ended
    assert theirs.post("/login", data={"email": them["email"], "password": factories.PASSWORD}).status_code == 422
    assert client.post(f"/settings/users/{me['user_id']}/delete").status_code == 303
    assert get_user(app, me["user_id"]).status == "active"  # nobody deletes themselves here

    response = client.post(f"/settings/users/{them['id']}/restore", follow_redirects=True)
    assert "stays inactive until a password is set" in response.get_data(as_text=True)
    restored = get_user(app, them["id"])
    assert (restored.status, restored.email) == ("pending", them["email"])
    # The old password is not reinstated.
    assert theirs.post("/login", data={"email": them["email"], "password": factories.PASSWORD}).status_code == 422
    assert client.post(f"/settings/users/{them['id']}/reset-password").status_code == 303
    worker.work()
    path = link_in(smtp.text())
    assert theirs.post(path, data={"password": "Back!again99", "confirm": "Back!again99"}).status_code == 303
    assert theirs.post("/login", data={"email": them["email"], "password": "Back!again99"}).status_code == 303
    assert _actions(app) == ["user.deleted", "user.restored", "user.password_reset_sent", "user.password_set"]


def test_a_password_reset_for_another_user_emails_them_a_single_use_link(app, client, login, smtp, worker):
    me = login("administrator")
    them = _colleague(app, me["company_id"])
    response = client.post(f"/settings/users/{them['id']}/reset-password", follow_redirects=True)
    assert f"We have emailed {them['email']} a link" in response.get_data(as_text=True)
    assert get_user(app, them["id"]).status == "active"  # the current password works until the link is used
    worker.work()
    message = smtp[-1]
    assert message["to"] == [them["email"]] and message["message"]["Subject"] == "Reset your Weft password"
    assert "has asked for a new password" in smtp.text() and "24 hours" in smtp.text()
    theirs = app.test_client()
    path = link_in(smtp.text())
    assert theirs.post(path, data={"password": "Brand!new123", "confirm": "Brand!new123"}).status_code == 303
    assert theirs.post(path, data={"password": "Brand!new456", "confirm": "Brand!new456"}).status_code == 410
    assert theirs.post("/login", data={"email": them["email"], "password": "Brand!new123"}).status_code == 303


def test_invitations_fall_back_to_eml_files_without_a_mail_server(app, client, login, worker):
    from tests.accounts.helpers import eml_messages

    login("administrator")
    client.post("/settings/users/new", data={"name": "Eml Person", "email": "eml@example.com"})
    worker.work()
    messages = eml_messages(app)
    assert messages and messages[-1]["To"] == "eml@example.com"
    assert "/password/" in messages[-1].get_body(("plain",)).get_content()


def _delete_in_another_company(app, email: str) -> dict:
    """An account with `email` in another company, deleted by its administrator there."""
    with app.app_context():
        company = factories.company()
        admin = factories.user(company, role="administrator")
        user = factories.user(company, role="user", email=email)
        users.delete(admin, user)
        return {"id": user.id, "company_id": company.id, "admin_email": admin.email}


def test_a_deleted_accounts_email_is_free_for_a_new_account_in_another_company(app, client, login, smtp, worker):
    gone = _delete_in_another_company(app, "moved@example.com")
    me = login("administrator")
    response = client.post("/settings/users/new", data={"name": "Moved On", "email": "Moved@Example.com"},
                           follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "Moved On is added with the User role" in body and "restore" not in body.lower()
    with app.app_context():
        rows = db.session.execute(select(User).where(User.email == "moved@example.com").order_by(User.id)).scalars()
        assert [(u.company_id, u.status) for u in rows] == [(gone["company_id"], "deleted"),
                                                           (me["company_id"], "pending")]
    worker.work()
    path = link_in(smtp.text())
    theirs = app.test_client()
    assert theirs.post(path, data={"password": "Moved!on2024", "confirm": "Moved!on2024"}).status_code == 303
    # Sign-in finds the live account, in the new company.
    assert theirs.post("/login", data={"email": "moved@example.com", "password": "Moved!on2024"}).status_code == 303
    assert "Moved On" in theirs.get("/account").get_data(as_text=True)


def test_a_deleted_account_whose_email_was_taken_again_cannot_be_restored(app, client):
    gone = _delete_in_another_company(app, "taken-again@example.com")
    with app.app_context():
        factories.user(email="taken-again@example.com")  # a new account elsewhere
    assert client.post("/login", data={"email": gone["admin_email"], "password": factories.PASSWORD}
                       ).status_code == 303
    response = client.post(f"/settings/users/{gone['id']}/restore", follow_redirects=True)
    assert "taken-again@example.com now belongs to another account, so this account cannot be restored." in (
        response.get_data(as_text=True))
    assert get_user(app, gone["id"]).status == "deleted"


def test_sign_in_ignores_deleted_accounts_with_the_same_email(app, client, login):
    _delete_in_another_company(app, "same@example.com")
    me = login("administrator")
    live = _colleague(app, me["company_id"], email="same@example.com")
    client.post("/logout")
    response = client.post("/login", data={"email": "same@example.com", "password": factories.PASSWORD})
    assert response.status_code == 303
    assert live["name"] in client.get("/account").get_data(as_text=True)


def test_the_database_keeps_emails_unique_among_accounts_that_are_not_deleted(app):
    with app.app_context():
        first = factories.user(email="dup@example.com")
        with pytest.raises(IntegrityError):
            factories.user(email="dup@example.com")
        db.session.rollback()
        first = db.session.get(User, first.id)
        first.deleted_at = utcnow()
        db.session.commit()
        again = factories.user(email="dup@example.com")
        assert again.id != first.id
