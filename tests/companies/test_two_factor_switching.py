"""A linked company that requires two-factor authentication requires it of the partner's team too: at the
switch, on a company link, and on every request made while acting in it. A change sent after access ended
is not carried out in the user's own company instead."""
from __future__ import annotations

from sqlalchemy import delete, select

from app.companies.models import Company, TeamAccess
from app.extensions import db
from app.flows.models import Flow
from tests.accounts.helpers import enrol
from tests.companies.conftest import text
from tests.companies.test_switching import acting

HX = {"HX-Request": "true"}
REQUIRES = "Acme Retail requires two-factor authentication"


def require_2fa(app, company_id: int, required: bool = True) -> None:
    with app.app_context():
        db.session.get(Company, company_id).require_2fa = required
        db.session.commit()


def flows_named(app, name: str) -> list[int]:
    with app.app_context():
        return list(db.session.execute(select(Flow.company_id).where(Flow.name == name)).scalars())


def test_switching_into_a_company_that_requires_2fa_without_it_is_refused_and_offers_setup(app, client, partner,
                                                                                         sign_in):
    require_2fa(app, partner.acme)
    sign_in(partner.emails["manager"])
    response = client.post(f"/companies/{partner.acme}/switch")
    assert response.status_code == 303 and response.headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor")
    assert REQUIRES in text(page) and "then switch into Acme Retail again" in text(page)
    assert 'id="two-factor-start"' in text(page), "the setup is offered right there"
    assert acting(page) == "Northwind Partners" and 'id="switched-band"' not in text(page)
    assert acting(client.get("/dashboard")) == "Northwind Partners"

    htmx = client.post(f"/companies/{partner.acme}/switch", headers=HX)
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == "/account/two-factor"

    # Globex does not require it: the same team member switches there as before.
    client.post(f"/companies/{partner.globex}/switch")
    assert acting(client.get("/dashboard")) == "Globex Wholesale"


def test_after_setting_up_2fa_on_the_offered_page_the_team_member_switches_in(app, client, partner, sign_in):
    require_2fa(app, partner.acme)
    sign_in(partner.emails["manager"])
    assert client.post(f"/companies/{partner.acme}/switch").headers["Location"] == "/account/two-factor"
    enrol(client)  # through the pages, as the person does
    response = client.post(f"/companies/{partner.acme}/switch")
    assert response.headers["Location"] == "/dashboard"
    page = client.get("/dashboard")
    assert acting(page) == "Acme Retail" and "Acme Retail" in text(page).split('id="switched-band"')[1]
    assert acting(client.get("/flows/")) == "Acme Retail", "and stays there"


def test_a_company_link_to_a_company_that_requires_2fa_is_refused(app, client, partner, sign_in):
    require_2fa(app, partner.acme)
    sign_in(partner.emails["manager"])
    response = client.get(f"/flows/?company={partner.acme}")
    assert response.status_code == 303 and response.headers["Location"] == "/account/two-factor"
    assert REQUIRES in text(client.get("/account/two-factor"))
    assert acting(client.get("/flows/")) == "Northwind Partners"


def test_turning_2fa_on_moves_a_switched_team_member_out_on_their_next_request(app, client, partner, sign_in):
    sign_in(partner.emails["manager"])
    client.post(f"/companies/{partner.acme}/switch")
    assert acting(client.get("/flows/")) == "Acme Retail"
    require_2fa(app, partner.acme)

    response = client.get("/flows/")
    assert response.status_code == 303 and response.headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor")
    assert "Acme Retail now requires two-factor authentication, so you are back in Northwind Partners" in text(page)
    assert acting(page) == "Northwind Partners"
    assert acting(client.get("/flows/")) == "Northwind Partners", "the session no longer names Acme"


def test_a_change_sent_to_a_company_that_now_requires_2fa_is_not_made_anywhere(app, client, partner, sign_in):
    sign_in(partner.emails["manager"])
    client.post(f"/companies/{partner.acme}/switch")
    require_2fa(app, partner.acme)
    response = client.post("/flows/new", data={"name": "Meant for Acme"}, headers=HX)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/account/two-factor"
    assert flows_named(app, "Meant for Acme") == []
    # Back home, the same form works in Northwind, on purpose this time.
    assert client.post("/flows/new", data={"name": "Meant for Acme"}).status_code == 303
    assert flows_named(app, "Meant for Acme") == [partner.id]


def test_signing_out_still_works_when_the_company_starts_requiring_2fa(app, client, partner, sign_in):
    sign_in(partner.emails["manager"])
    client.post(f"/companies/{partner.acme}/switch")
    require_2fa(app, partner.acme)
    response = client.post("/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/dashboard").status_code == 302


def test_a_change_sent_after_access_was_revoked_is_not_made_in_the_home_company(app, client, partner, sign_in):
    sign_in(partner.emails["manager"])
    client.post(f"/companies/{partner.acme}/switch")
    with app.app_context():
        db.session.execute(delete(TeamAccess).where(TeamAccess.user_id == partner.ids["manager"],
                                                    TeamAccess.company_id == partner.acme))
        db.session.commit()
    response = client.post("/flows/new", data={"name": "Meant for Acme"})
    assert response.status_code == 303 and response.headers["Location"] == "/dashboard"
    assert flows_named(app, "Meant for Acme") == []
    page = client.get("/dashboard")
    assert "Your access to the company you were working in has ended" in text(page)
    assert acting(page) == "Northwind Partners"


def test_the_switch_list_marks_companies_that_need_2fa_first(app, client, partner, sign_in):
    require_2fa(app, partner.acme)
    sign_in(partner.emails["manager"])
    rows = text(client.get("/companies/switch?q=", headers=HX)).split("<li>")
    acme = next(row for row in rows if "Acme Retail" in row)
    globex = next(row for row in rows if "Globex Wholesale" in row)
    assert "2FA required" in acme and "2FA required" not in globex
    enrol(client)
    assert "2FA required" not in text(client.get("/companies/switch?q=", headers=HX))


def test_switching_to_another_company_still_works_on_the_request_that_finds_access_ended(app, client, partner,
                                                                                       sign_in):
    sign_in(partner.emails["manager"])
    client.post(f"/companies/{partner.acme}/switch")
    with app.app_context():
        db.session.execute(delete(TeamAccess).where(TeamAccess.user_id == partner.ids["manager"],
                                                    TeamAccess.company_id == partner.acme))
        db.session.commit()
    assert client.post(f"/companies/{partner.globex}/switch").headers["Location"] == "/dashboard"
    assert acting(client.get("/dashboard")) == "Globex Wholesale"
