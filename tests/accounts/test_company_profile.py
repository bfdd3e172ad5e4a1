"""Settings → my company profile: general details, the banner, the security setting, and who may change them."""
from __future__ import annotations

from sqlalchemy import select

from app.audit import AuditEntry
from app.companies.models import Company
from app.extensions import db
from tests import factories
from tests.accounts.helpers import enrol


def _company_actions(app) -> list[str]:
    with app.app_context():
        return [e.action for e in db.session.execute(
            select(AuditEntry).where(AuditEntry.action.like("company.%")).order_by(AuditEntry.id)).scalars()]


def _company(app, company_id) -> Company:
    with app.app_context():
        return db.session.get(Company, company_id)


def test_an_administrator_saves_the_general_details_with_a_confirmation(app, client, login):
    me = login("administrator")
    response = client.post("/settings/profile", data={"name": "Acme Trading", "website": "acme.example",
                                                      "telephone": "+44 20 7946 0000", "email": "Hello@Acme.example"},
                           follow_redirects=True)
    assert "The company profile is saved." in response.get_data(as_text=True)
    company = _company(app, me["company_id"])
    assert (company.name, company.website, company.telephone, company.email) == (
        "Acme Trading", "https://acme.example", "+44 20 7946 0000", "hello@acme.example")
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "company.updated")).scalar_one()
        assert entry.details["changes"]["website"] == [None, "https://acme.example"]
        assert entry.actor_id == me["user_id"]


def test_bad_details_are_a_422_with_messages_and_nothing_is_saved(app, client, login):
    me = login("administrator")
    before = _company(app, me["company_id"]).name
    response = client.post("/settings/profile", data={"name": "", "website": "not a site", "telephone": "call me",
                                                      "email": "nope"}, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("This field is required.", "Enter a web address", "Enter a telephone number",
                    "Invalid email address."):
        assert message in body
    assert 'id="profile-form"' in body and "<html" not in body  # only the form block comes back
    assert _company(app, me["company_id"]).name == before
    with app.app_context():
        assert db.session.execute(select(AuditEntry).where(AuditEntry.action.like("company.%"))).first() is None


def test_a_manager_updates_contact_details_but_cannot_rename(app, client, login):
    me = login("manager")
    name = _company(app, me["company_id"]).name
    page = client.get("/settings/").get_data(as_text=True)
    assert "Only an administrator can rename the company." in page
    ok = client.post("/settings/profile", data={"name": name, "telephone": "0161 496 0000"})
    assert ok.status_code == 303
    refused = client.post("/settings/profile", data={"name": "Renamed Ltd", "telephone": "0161 496 0001"})
    assert refused.status_code == 422
    company = _company(app, me["company_id"])
    assert company.name == name and company.telephone == "0161 496 0000"


def test_users_and_read_only_see_the_profile_but_cannot_change_it(app, client, login):
    for role in ("user", "read-only"):
        client.post("/logout")
        login(role)
        page = client.get("/settings/").get_data(as_text=True)
        assert 'id="profile-details"' in page and 'id="profile-form"' not in page
        assert client.post("/settings/profile", data={"name": "X"}).status_code == 403
        assert client.post("/settings/banner", data={"banner": "Hi"}).status_code == 403


def test_the_banner_shows_on_every_page_for_every_user_until_cleared(app, client, login):
    admin = login("administrator")
    response = client.post("/settings/banner", data={"banner": "  Maintenance tonight 22:00-23:00  "},
                           follow_redirects=True)
    assert "The banner is showing to everyone in your company." in response.get_data(as_text=True)
    assert _company(app, admin["company_id"]).banner == "Maintenance tonight 22:00-23:00"
    other = app.test_client()
    with app.app_context():
        colleague = factories.user(db.session.get(Company, admin["company_id"]), role="read-only")
        outsider = factories.user(role="administrator")
    other.post("/login", data={"email": colleague.email, "password": factories.PASSWORD})
    for url in ("/dashboard", "/settings/", "/account"):
        assert "Maintenance tonight 22:00-23:00" in other.get(url).get_data(as_text=True), url
    stranger = app.test_client()
    stranger.post("/login", data={"email": outsider.email, "password": factories.PASSWORD})
    assert "Maintenance tonight" not in stranger.get("/dashboard").get_data(as_text=True)

    response = client.post("/settings/banner", data={"banner": ""}, follow_redirects=True)
    assert "The banner is cleared." in response.get_data(as_text=True)
    assert _company(app, admin["company_id"]).banner is None
    assert 'id="company-banner"' not in other.get("/dashboard").get_data(as_text=True)
    assert _company_actions(app) == ["company.banner_set", "company.banner_cleared"]


def test_a_manager_cannot_change_the_banner(app, client, login):
    me = login("manager")
    assert client.post("/settings/banner", data={"banner": "Hello"}).status_code == 403
    assert _company(app, me["company_id"]).banner is None


def test_a_too_long_banner_is_refused(app, client, login):
    me = login("administrator")
    response = client.post("/settings/banner", data={"banner": "x" * 501})
    assert response.status_code == 422 and "Field cannot be longer than 500 characters." in response.get_data(
        as_text=True)
    assert _company(app, me["company_id"]).banner is None


def test_an_administrator_requires_2fa_for_the_company(app, client, login):
    me = login("administrator")
    response = client.post("/settings/security", data={"require_2fa": "y"}, follow_redirects=True)
    assert "Two-factor authentication is now required" in response.get_data(as_text=True)
    assert _company(app, me["company_id"]).require_2fa is True
    # The administrator too is sent to set it up before anything else.
    assert client.get("/settings/").headers["Location"] == "/account/two-factor"
    enrol(client)
    client.post("/settings/security", data={})
    assert _company(app, me["company_id"]).require_2fa is False
    assert _company_actions(app) == ["company.2fa_required", "company.2fa_optional"]
