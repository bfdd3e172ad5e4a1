"""Switching into a linked company and back, the company link, and access ending mid-session."""
from __future__ import annotations

import re

from sqlalchemy import delete

from app.accounts.models import User
from app.audit import AuditEntry
from app.companies.models import Company, TeamAccess
from app.extensions import db
from tests.companies.conftest import text

HX = {"HX-Request": "true"}


def acting(response) -> str:
    return re.search(r'id="acting-company"[^>]*>([^<]*)<', text(response)).group(1)


def test_a_team_member_switches_in_sees_the_band_and_switches_back(app, client, partner, sign_in):
    sign_in(partner.emails["manager"])
    page = client.get("/dashboard")
    assert acting(page) == "Northwind Partners" and 'id="switched-band"' not in text(page)

    response = client.post(f"/companies/{partner.acme}/switch")
    assert response.status_code == 303 and response.headers["Location"] == "/dashboard"
    page = client.get("/dashboard")
    assert acting(page) == "Acme Retail"
    band = text(page).split('id="switched-band"')[1].split("</div>")[0]
    assert "Acme Retail" in band and "Northwind Partners" in band
    assert "You are now working in Acme Retail" in text(page)
    assert 'id="switch-back"' in text(page)
    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(company_id=partner.acme, action="company.switched_in").one()
        assert entry.actor_email == partner.emails["manager"]

    assert client.post("/companies/switch-back").status_code == 303
    page = client.get("/dashboard")
    assert acting(page) == "Northwind Partners" and 'id="switched-band"' not in text(page)


def test_switched_pages_show_the_linked_companys_data(app, client, partner, sign_in):
    from tests import factories

    with app.app_context():
        factories.flow(db.session.get(Company, partner.acme), name="Acme orders")
        factories.flow(db.session.get(Company, partner.id), name="Northwind billing")
    sign_in(partner.emails["admin"])
    assert "Northwind billing" in text(client.get("/flows/")) and "Acme orders" not in text(client.get("/flows/"))
    client.post(f"/companies/{partner.acme}/switch")
    flows = text(client.get("/flows/"))
    assert "Acme orders" in flows and "Northwind billing" not in flows


def test_switching_into_a_company_without_access_is_a_404(client, partner, sign_in):
    sign_in(partner.emails["manager2"])
    assert client.post(f"/companies/{partner.acme}/switch").status_code == 404
    assert acting(client.get("/dashboard")) == "Northwind Partners"


def test_switching_needs_the_manager_role(app, client, partner, sign_in):
    with app.app_context():
        db.session.add(TeamAccess(user_id=partner.ids["user"], company_id=partner.acme))
        db.session.commit()
    sign_in(partner.emails["user"])
    assert client.post(f"/companies/{partner.acme}/switch").status_code == 404


def test_a_company_that_is_not_linked_cannot_be_switched_into(app, client, partner, sign_in):
    from tests import factories

    with app.app_context():
        stranger = factories.company("Stranger Ltd")
        db.session.add(TeamAccess(user_id=partner.ids["admin"], company_id=stranger.id))  # a forged grant
        db.session.commit()
        stranger_id = stranger.id
    sign_in(partner.emails["admin"])
    assert client.post(f"/companies/{stranger_id}/switch").status_code == 404
    assert client.get(f"/flows/?company={stranger_id}").status_code == 404


def test_the_switch_list_shows_only_granted_companies_and_searches(client, partner, sign_in):
    sign_in(partner.emails["manager"])
    fragment = text(client.get("/companies/switch", headers=HX))
    assert "<html" not in fragment and "Acme Retail" in fragment and "Globex Wholesale" in fragment
    assert "Northwind Partners" in fragment
    searched = text(client.get("/companies/switch?q=glob", headers=HX))
    assert "Globex Wholesale" in searched and "Acme Retail" not in searched
    assert "No company you manage matches" in text(client.get("/companies/switch?q=zzz", headers=HX))
    assert "<html" in text(client.get("/companies/switch")), "the fragment URL is a page on direct load"


def test_the_switch_list_is_empty_without_grants(client, partner, sign_in):
    sign_in(partner.emails["manager2"])
    fragment = text(client.get("/companies/switch", headers=HX))
    assert "Acme Retail" not in fragment and "not been given access to any linked company" in fragment


def test_a_native_user_has_no_switch_menu(client, partner, sign_in):
    sign_in(partner.native_email)
    page = text(client.get("/dashboard"))
    assert 'id="switcher-search"' not in page and 'id="copy-company-link"' not in page
    assert acting(client.get("/dashboard")) == "Acme Retail"


def test_the_company_link_switches_and_lands_on_the_page(client, partner, sign_in):
    sign_in(partner.emails["manager"])
    client.post(f"/companies/{partner.acme}/switch")
    page = text(client.get("/runs/?status=failure"))
    link = re.search(r'id="copy-company-link" data-copy="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert link.startswith("http://localhost/runs/") and f"company={partner.acme}" in link and "status=failure" in link
    client.post("/companies/switch-back")

    response = client.get(link.removeprefix("http://localhost"))
    assert response.status_code == 303 and response.headers["Location"] == "/runs/?status=failure"
    assert acting(client.get("/runs/?status=failure")) == "Acme Retail"


def test_a_company_link_without_access_is_a_404(client, partner, sign_in):
    sign_in(partner.emails["manager2"])
    response = client.get(f"/flows/?company={partner.acme}")
    assert response.status_code == 404 and "Acme Retail" not in text(response)
    assert client.get("/flows/?company=abc").status_code == 404
    assert client.get("/flows/?company=999999").status_code == 404
    assert acting(client.get("/dashboard")) == "Northwind Partners"


def test_a_company_link_to_your_own_company_switches_back(client, partner, sign_in):
    sign_in(partner.emails["manager"])
    client.post(f"/companies/{partner.acme}/switch")
    response = client.get(f"/flows/?company={partner.id}")
    assert response.status_code == 303 and response.headers["Location"] == "/flows/"
    assert acting(client.get("/flows/")) == "Northwind Partners"


def test_a_company_link_sends_a_signed_out_person_to_sign_in_then_switches(client, partner):
    from tests import factories

    response = client.get(f"/flows/?company={partner.acme}")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    signed = client.post(f"/login?next=/flows/%3Fcompany%3D{partner.acme}",
                         data={"email": partner.emails["manager"], "password": factories.PASSWORD})
    assert signed.headers["Location"] == f"/flows/?company={partner.acme}"
    assert client.get(signed.headers["Location"]).status_code == 303
    assert acting(client.get("/flows/")) == "Acme Retail"


def test_revoking_access_mid_session_ends_it_on_the_next_request(app, client, partner, sign_in):
    sign_in(partner.emails["manager"])
    client.post(f"/companies/{partner.acme}/switch")
    assert acting(client.get("/dashboard")) == "Acme Retail"
    with app.app_context():
        db.session.execute(delete(TeamAccess).where(TeamAccess.user_id == partner.ids["manager"],
                                                    TeamAccess.company_id == partner.acme))
        db.session.commit()
    page = client.get("/dashboard")
    assert acting(page) == "Northwind Partners"
    assert "Your access to the company you were working in has ended" in text(page)
    assert 'id="switched-band"' not in text(page)


def test_a_lower_role_ends_access_mid_session(app, client, partner, sign_in):
    sign_in(partner.emails["manager"])
    client.post(f"/companies/{partner.acme}/switch")
    with app.app_context():
        db.session.get(User, partner.ids["manager"]).role = "user"
        db.session.commit()
    assert acting(client.get("/dashboard")) == "Northwind Partners"


def test_unlinking_ends_access_mid_session(app, client, partner, sign_in):
    sign_in(partner.emails["manager"])
    client.post(f"/companies/{partner.acme}/switch")
    with app.app_context():
        db.session.get(Company, partner.acme).parent_id = None
        db.session.commit()
    assert acting(client.get("/dashboard")) == "Northwind Partners"


def test_a_forged_session_cannot_act_for_another_company(client, partner, sign_in):
    sign_in(partner.emails["manager2"])
    with client.session_transaction() as session:
        session["acting_company_id"] = partner.acme
    assert acting(client.get("/dashboard")) == "Northwind Partners"
