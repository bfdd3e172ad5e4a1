"""Grant rules for team access to linked companies, through the services and through the pages."""
from __future__ import annotations

import pytest

from app.accounts.errors import AccountError
from app.accounts.models import User
from app.audit import AuditEntry
from app.companies import access
from app.companies.models import Company, TeamAccess
from app.extensions import db
from tests import factories
from tests.companies.conftest import member, text


def load(partner):
    get = db.session.get
    return (get(Company, partner.acme), {key: get(User, uid) for key, uid in partner.ids.items()})


def test_a_manager_with_access_grants_another_manager(ctx, partner):
    acme, team = load(partner)
    access.grant(team["manager"], acme, team["manager2"])
    assert access.has_access(team["manager2"], acme)
    actions = {(e.company_id, e.action) for e in db.session.query(AuditEntry)}
    assert {(partner.acme, "team_access.granted"), (partner.id, "team_access.granted")} <= actions


def test_an_administrator_with_access_grants_and_revokes(ctx, partner):
    acme, team = load(partner)
    access.grant(team["admin"], acme, team["manager2"])
    access.revoke(team["admin"], acme, team["manager2"])
    assert not access.has_access(team["manager2"], acme)


def test_granting_twice_keeps_one_grant(ctx, partner):
    acme, team = load(partner)
    access.grant(team["admin"], acme, team["manager"])
    assert db.session.query(TeamAccess).filter_by(company_id=acme.id, user_id=team["manager"].id).count() == 1


def test_without_access_yourself_you_cannot_grant(ctx, partner):
    acme, team = load(partner)
    with pytest.raises(AccountError, match="need access to Acme Retail yourself"):
        access.grant(team["manager2"], acme, team["manager2"])


@pytest.mark.parametrize("actor", ["user", "readonly"])
def test_users_below_manager_cannot_grant(ctx, partner, actor):
    acme, team = load(partner)
    db.session.add(TeamAccess(user_id=team[actor].id, company_id=acme.id))
    db.session.commit()
    with pytest.raises(AccountError, match="Only administrators and managers"):
        access.grant(team[actor], acme, team["manager2"])


@pytest.mark.parametrize("target", ["user", "readonly"])
def test_only_managers_and_administrators_can_be_given_access(ctx, partner, target):
    acme, team = load(partner)
    with pytest.raises(AccountError, match="only managers and administrators"):
        access.grant(team["admin"], acme, team[target])


def test_people_outside_the_team_cannot_be_given_access(ctx, partner):
    acme, team = load(partner)
    outsider = member(factories.company("Elsewhere"), "manager", "m@elsewhere.example")
    native = db.session.get(User, partner.native)
    for person in (outsider, native):
        with pytest.raises(AccountError, match="your own team"):
            access.grant(team["admin"], acme, person)


def test_a_deleted_team_member_cannot_be_given_access(ctx, partner):
    acme, team = load(partner)
    from app.timeutil import utcnow

    team["manager2"].deleted_at = utcnow()
    db.session.commit()
    with pytest.raises(AccountError):
        access.grant(team["admin"], acme, team["manager2"])


def test_nobody_revokes_their_own_access(ctx, partner):
    acme, team = load(partner)
    with pytest.raises(AccountError, match="your own access"):
        access.revoke(team["manager"], acme, team["manager"])


def test_only_an_administrator_revokes_an_administrator(ctx, partner):
    acme, team = load(partner)
    with pytest.raises(AccountError, match="Only an administrator"):
        access.revoke(team["manager"], acme, team["admin"])
    second_admin = member(db.session.get(Company, partner.id), "administrator", "admin2@northwind.example")
    db.session.add(TeamAccess(user_id=second_admin.id, company_id=acme.id))
    db.session.commit()
    access.revoke(second_admin, acme, team["admin"])
    assert not access.has_access(team["admin"], acme)


def test_a_manager_with_access_revokes_another_manager(ctx, partner):
    acme, team = load(partner)
    access.grant(team["admin"], acme, team["manager2"])
    access.revoke(team["manager"], acme, team["manager2"])
    assert not access.has_access(team["manager2"], acme)


def test_revoking_someone_without_access_says_so(ctx, partner):
    acme, team = load(partner)
    with pytest.raises(AccountError, match="does not have access"):
        access.revoke(team["admin"], acme, team["manager2"])


def test_grants_for_a_company_of_another_partner_are_refused(ctx, partner):
    _acme, team = load(partner)
    other = factories.company("Other partner", is_partner=True)
    theirs = factories.company("Their client", parent_id=other.id)
    with pytest.raises(AccountError, match="not linked to your company"):
        access.grant(team["admin"], theirs, team["manager"])


# -- through the pages -----------------------------------------------------------------------------------

def test_the_access_tab_lists_the_team_with_their_access(client, partner, sign_in):
    sign_in(partner.emails["manager"])
    page = text(client.get(f"/companies/{partner.acme}/access"))
    assert 'data-access="yes"' in page and "admin@northwind.example" in page and "manager2@northwind.example" in page
    assert 'id="grant-form"' in page
    row = page.split(f'data-user="{partner.ids["manager2"]}"')[1].split("</tr>")[0]
    assert 'data-access="no"' in row


def test_giving_and_removing_access_through_the_page(app, client, partner, sign_in):
    sign_in(partner.emails["manager"])
    response = client.post(f"/companies/{partner.acme}/access", data={"user_id": partner.ids["manager2"]})
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "can now switch into Acme Retail" in page
    response = client.post(f"/companies/{partner.acme}/access/{partner.ids['manager2']}/revoke")
    assert response.status_code == 303
    assert "can no longer switch into Acme Retail" in text(client.get(response.headers["Location"]))
    with app.app_context():
        assert db.session.query(TeamAccess).filter_by(user_id=partner.ids["manager2"]).count() == 0


def test_a_refused_grant_re_renders_the_form_with_the_reason(client, partner, sign_in):
    sign_in(partner.emails["admin"])
    response = client.post(f"/companies/{partner.acme}/access", data={"user_id": partner.ids["user"]},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "only managers and administrators" in text(response) and "<html" not in text(response)
    empty = client.post(f"/companies/{partner.acme}/access", data={"user_id": "0"})
    assert empty.status_code == 422 and "Choose a team member" in text(empty)


def test_without_access_the_tab_is_read_only_and_changes_are_refused(client, partner, sign_in):
    sign_in(partner.emails["manager2"])
    page = text(client.get(f"/companies/{partner.acme}/access"))
    assert 'id="no-access-note"' in page and 'id="grant-form"' not in page
    response = client.post(f"/companies/{partner.acme}/access", data={"user_id": partner.ids["manager2"]})
    assert response.status_code == 422 and "need access to Acme Retail yourself" in text(response)
    revoke = client.post(f"/companies/{partner.acme}/access/{partner.ids['manager']}/revoke")
    assert revoke.status_code == 303
    assert "need access to Acme Retail yourself" in text(client.get(revoke.headers["Location"]))


@pytest.mark.parametrize("role", ["user", "readonly"])
def test_team_members_below_manager_cannot_open_managed_companies(client, partner, sign_in, role):
    sign_in(partner.emails[role])
    assert client.get("/companies/").status_code == 403
    assert client.get(f"/companies/{partner.acme}/access").status_code == 403
    assert client.post(f"/companies/{partner.acme}/access", data={"user_id": partner.ids[role]}).status_code == 403


def test_a_native_user_cannot_reach_the_partners_pages(client, partner, sign_in):
    sign_in(partner.native_email)
    assert client.get("/companies/").status_code == 403
    assert client.get(f"/companies/{partner.acme}/access").status_code == 403


def test_a_company_of_another_partner_is_a_404(app, client, partner, sign_in):
    with app.app_context():
        other = factories.company("Other partner", is_partner=True)
        theirs = factories.company("Their client", parent_id=other.id).id
    sign_in(partner.emails["admin"])
    for url in (f"/companies/{theirs}", f"/companies/{theirs}/access", f"/companies/{theirs}/subscription"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/companies/{theirs}/access", data={"user_id": partner.ids["manager2"]}).status_code == 404
    assert client.post(f"/companies/{theirs}/unlink").status_code == 404
