"""Settings → managed companies: list, search, pages, CSV, adding and un-linking."""
from __future__ import annotations

import csv
import io

from app.accounts.models import User
from app.companies.models import Company, TeamAccess
from app.extensions import db
from app.insights import usage
from tests import factories
from tests.companies.conftest import member, text

HX = {"HX-Request": "true"}


def test_the_list_shows_linked_companies_with_a_switch_only_where_granted(app, client, partner, sign_in):
    with app.app_context():
        db.session.query(TeamAccess).filter_by(user_id=partner.ids["manager"], company_id=partner.globex).delete()
        db.session.commit()
    sign_in(partner.emails["manager"])
    page = text(client.get("/companies/"))
    assert "Acme Retail" in page and "Globex Wholesale" in page
    acme = page.split(f'data-company="{partner.acme}"')[1].split("</tr>")[0]
    globex = page.split(f'data-company="{partner.globex}"')[1].split("</tr>")[0]
    assert f"/companies/{partner.acme}/switch" in acme and "no access" not in acme
    assert "/switch" not in globex and "no access" in globex
    assert "2 of 10 linked companies" in page


def test_search_and_pages_answer_with_only_the_table(app, client, partner, sign_in):
    with app.app_context():
        for n in range(25):
            factories.company(f"Client {n:02d}", parent_id=partner.id)
    sign_in(partner.emails["admin"])
    first = text(client.get("/companies/?page=1", headers=HX))
    assert "<html" not in first and 'id="company-rows"' in first
    assert "Acme Retail" in first and "Client 18" in first and "Client 19" not in first, "20 a page, by name"
    second = text(client.get("/companies/?page=2", headers=HX))
    assert "Client 19" in second and "Globex Wholesale" in second and "Acme Retail" not in second
    found = text(client.get("/companies/?q=acme", headers=HX))
    assert "Acme Retail" in found and "Globex" not in found
    by_id = text(client.get(f"/companies/?q={partner.globex}", headers=HX))
    assert "Globex Wholesale" in by_id
    assert "No linked company matches" in text(client.get("/companies/?q=nothing-like-it", headers=HX))
    assert "<html" in text(client.get("/companies/?q=acme")), "a direct load is the whole page"
    assert "Globex Wholesale" in text(client.get("/companies/?page=99")), "a page past the end shows the last one"


def test_a_partner_without_linked_companies_sees_how_to_start(app, client, sign_in):
    with app.app_context():
        home = factories.company("Solo Partner", is_partner=True, tier="standard")
        email = member(home, "administrator", "boss@solo.example").email
    sign_in(email)
    page = text(client.get("/companies/"))
    assert 'id="no-companies"' in page and "does not manage any companies yet" in page


def test_a_company_without_the_partner_bolt_on_has_no_managed_companies(app, client, sign_in):
    with app.app_context():
        email = member(factories.company("Plain Ltd", tier="professional"), "administrator", "a@plain.example").email
    sign_in(email)
    assert client.get("/companies/").status_code == 403
    assert "Managed companies" not in text(client.get("/dashboard"))


def test_the_csv_lists_own_profile_then_linked_companies(app, client, partner, sign_in):
    with app.app_context():
        acme = db.session.get(Company, partner.acme)
        factories.flow(acme)
        disabled = factories.flow(acme)
        disabled.enabled = False
        db.session.commit()
        usage.add(partner.acme, disabled.id, operations=42)
        usage.add(partner.id, disabled.id, operations=0)
        db.session.add(Company(name="=cmd|' /C calc'!A0", parent_id=partner.id))
        db.session.commit()
    sign_in(partner.emails["manager"])
    response = client.get("/companies/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(text(response))))
    assert rows[0] == ["id", "name", "relation", "tier", "created", "native users", "deployed flows",
                       "operations this month"]
    assert rows[1][1:4] == ["Northwind Partners", "own profile", "Professional"] and rows[1][5] == "5"
    acme_row = next(r for r in rows if r[1] == "Acme Retail")
    assert acme_row[2:4] == ["linked", "Trial"] and acme_row[5:] == ["1", "1", "42"]
    assert any(r[1].startswith("'=cmd") for r in rows), "formulas are neutralised"


def test_adding_a_linked_company_starts_on_trial_with_the_whole_team(app, client, partner, sign_in):
    sign_in(partner.emails["manager"])
    assert "Add linked company" in text(client.get("/companies/new"))
    response = client.post("/companies/new", data={"name": "  Initech  ", "email": "IT@initech.example",
                                                   "website": "initech.example"})
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "Initech is added on the trial tier and 3 team member(s) can manage it" in page
    with app.app_context():
        company = db.session.query(Company).filter_by(name="Initech").one()
        assert (company.parent_id, company.tier, company.email, company.website) == (
            partner.id, "trial", "it@initech.example", "https://initech.example")
        holders = {g.user_id for g in db.session.query(TeamAccess).filter_by(company_id=company.id)}
        assert holders == {partner.ids["admin"], partner.ids["manager"], partner.ids["manager2"]}


def test_adding_refuses_a_blank_or_repeated_name_inline(client, partner, sign_in):
    sign_in(partner.emails["admin"])
    blank = client.post("/companies/new", data={"name": " "}, headers=HX)
    assert blank.status_code == 422 and "Enter the company" in text(blank) and "<html" not in text(blank)
    repeated = client.post("/companies/new", data={"name": "acme retail"})
    assert repeated.status_code == 422 and "already manage a company called acme retail" in text(repeated)
    bad_site = client.post("/companies/new", data={"name": "Ok Ltd", "website": "not a site"})
    assert bad_site.status_code == 422 and "Enter a web address" in text(bad_site)


def test_adding_past_the_linked_companies_allowance_is_refused(app, client, partner, sign_in):
    with app.app_context():
        db.session.get(Company, partner.id).tier = "trial"  # one linked company allowed
        db.session.commit()
    sign_in(partner.emails["admin"])
    page = text(client.get("/companies/"))
    assert "2 of 1 linked companies" in page and 'id="add-company"' not in page
    response = client.post("/companies/new", data={"name": "One too many"})
    assert response.status_code == 422 and "has 2 of its 1 linked companies" in text(response)


def test_users_and_read_only_team_members_cannot_add(client, partner, sign_in):
    sign_in(partner.emails["user"])
    assert client.post("/companies/new", data={"name": "Nope"}).status_code == 403


def test_unlinking_is_for_administrators_and_asks_first(app, client, partner, sign_in):
    sign_in(partner.emails["manager"])
    assert 'id="unlink"' not in text(client.get(f"/companies/{partner.acme}"))
    assert client.post(f"/companies/{partner.acme}/unlink").status_code == 403

    admin = app.test_client()
    sign_in(partner.emails["admin"], on=admin)
    page = text(admin.get(f"/companies/{partner.acme}"))
    assert 'id="unlink"' in page and 'hx-confirm="Un-link Acme Retail?' in page
    response = admin.post(f"/companies/{partner.acme}/unlink")
    assert response.status_code == 303 and response.headers["Location"] == "/companies/"
    assert "no longer linked" in text(admin.get("/companies/"))
    with app.app_context():
        acme = db.session.get(Company, partner.acme)
        assert acme.parent_id is None
        assert db.session.query(TeamAccess).filter_by(company_id=partner.acme).count() == 0
        assert db.session.get(User, partner.native).is_active
    assert admin.get(f"/companies/{partner.acme}").status_code == 404
    assert admin.post(f"/companies/{partner.acme}/switch").status_code == 404


def test_native_users_keep_signing_in_after_unlinking(client, partner, sign_in):
    admin_client = client.application.test_client()
    sign_in(partner.emails["admin"], on=admin_client)
    admin_client.post(f"/companies/{partner.acme}/unlink")
    sign_in(partner.native_email)
    page = text(client.get("/dashboard"))
    assert 'id="acting-company" class="weft-company">Acme Retail<' in page
