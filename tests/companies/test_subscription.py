"""A linked company's subscription tab, the plan page, and "tier trumps role" on real pages."""
from __future__ import annotations

from app.audit import AuditEntry
from app.companies.models import Company
from app.companies.tiers import tier_of
from app.extensions import db
from tests import factories
from tests.companies.conftest import member, text

HX = {"HX-Request": "true"}


def test_a_partner_administrator_changes_a_linked_companys_tier_and_bolt_ons(app, client, partner, sign_in):
    sign_in(partner.emails["admin"])
    page = text(client.get(f"/companies/{partner.acme}/subscription"))
    assert 'id="subscription-form"' in page and 'value="professional"' in page
    response = client.post(f"/companies/{partner.acme}/subscription",
                           data={"tier": "standard", "bolt_flows": "2", "bolt_webhooks": "1"})
    assert response.status_code == 303
    assert "Acme Retail is now on the Standard tier" in text(client.get(response.headers["Location"]))
    with app.app_context():
        acme = db.session.get(Company, partner.acme)
        assert (acme.tier, acme.bolt_ons) == ("standard", {"flows": 2, "webhooks": 1})
        assert tier_of(acme).deployed_flows == 30
        entry = db.session.query(AuditEntry).filter_by(company_id=partner.acme,
                                                       action="company.subscription_changed").one()
        assert entry.details["changes"]["tier"] == ["trial", "standard"]
    same = client.post(f"/companies/{partner.acme}/subscription",
                       data={"tier": "standard", "bolt_flows": "2", "bolt_webhooks": "1"})
    assert "Nothing to save" in text(client.get(same.headers["Location"]))


def test_custom_allowances_are_set_per_company(app, client, partner, sign_in):
    sign_in(partner.emails["admin"])
    response = client.post(f"/companies/{partner.acme}/subscription",
                           data={"tier": "custom", "custom_operations_per_month": "3000000",
                                 "custom_deployed_flows": "40"})
    assert response.status_code == 303
    with app.app_context():
        effective = tier_of(db.session.get(Company, partner.acme))
        assert (effective.operations_per_month, effective.deployed_flows) == (3_000_000, 40)


def test_invalid_subscriptions_re_render_the_form(client, partner, sign_in):
    sign_in(partner.emails["admin"])
    wrong_tier = client.post(f"/companies/{partner.acme}/subscription", data={"tier": "unlimited"}, headers=HX)
    assert wrong_tier.status_code == 422 and "<html" not in text(wrong_tier)
    trial_bolt_on = client.post(f"/companies/{partner.acme}/subscription", data={"tier": "trial", "bolt_flows": "1"})
    assert trial_bolt_on.status_code == 422 and "not available on the Trial tier" in text(trial_bolt_on)
    too_many = client.post(f"/companies/{partner.acme}/subscription", data={"tier": "standard", "bolt_advanced": "3"})
    assert too_many.status_code == 422 and "Choose between 0 and 1" in text(too_many)
    negative = client.post(f"/companies/{partner.acme}/subscription",
                           data={"tier": "custom", "custom_deployed_flows": "-1"})
    assert negative.status_code == 422 and "Enter 0 or more" in text(negative)


def test_a_downgrade_below_what_is_in_use_warns(app, client, partner, sign_in):
    with app.app_context():
        acme = db.session.get(Company, partner.acme)
        acme.tier = "standard"
        db.session.commit()
        for _ in range(3):
            factories.flow(acme)
    sign_in(partner.emails["admin"])
    response = client.post(f"/companies/{partner.acme}/subscription", data={"tier": "trial"})
    assert "uses 3 deployed process flows; the new allowance is 2" in text(client.get(response.headers["Location"]))


def test_managers_see_the_subscription_but_cannot_change_it(client, partner, sign_in):
    sign_in(partner.emails["manager"])
    page = text(client.get(f"/companies/{partner.acme}/subscription"))
    assert 'id="subscription-readonly"' in page and 'id="subscription-form"' not in page
    assert client.post(f"/companies/{partner.acme}/subscription", data={"tier": "standard"}).status_code == 403


def test_an_administrator_without_access_cannot_change_it(app, client, partner, sign_in):
    with app.app_context():
        second = member(db.session.get(Company, partner.id), "administrator", "admin2@northwind.example")
        email = second.email
    sign_in(email)
    assert 'id="subscription-form"' not in text(client.get(f"/companies/{partner.acme}/subscription"))
    refused = client.post(f"/companies/{partner.acme}/subscription", data={"tier": "standard"})
    assert refused.status_code == 422 and "need access to Acme Retail" in text(refused)


def test_the_plan_page_shows_the_acting_companys_allowances(app, client, partner, sign_in):
    with app.app_context():
        factories.flow(db.session.get(Company, partner.acme))
    sign_in(partner.emails["manager"])
    client.post(f"/companies/{partner.acme}/switch")
    page = text(client.get("/companies/plan"))
    assert 'id="plan-tier">Trial<' in page
    row = page.split('data-allowance="deployed_flows"')[1].split("</tr>")[0]
    assert ">1<" in row and ">2<" in row
    assert "10,000" in page and 'id="plan-full-access"' in page


def test_tier_trumps_role_on_a_blueprint_store_company(app, client, sign_in):
    with app.app_context():
        store = factories.company("Shop Only", tier="blueprint_store")
        flow_id = factories.flow(store, name="Bought flow").id
        email = member(store, "administrator", "boss@shop.example").email
    sign_in(email)
    assert client.get("/flows/").status_code == 200
    assert client.get(f"/flows/{flow_id}").status_code == 200
    assert client.get("/flows/new").status_code == 403, "an administrator, but the tier has no flow building"
    assert client.post(f"/flows/{flow_id}/delete").status_code == 403
    assert client.post(f"/flows/{flow_id}/run").status_code in (200, 204, 303), "running existing flows is allowed"
    assert client.get("/connectors/new").status_code == 403
    page = text(client.get("/companies/plan"))
    assert 'id="plan-restrictions"' in page and "Flows: read-only" in page


def test_the_same_role_can_build_on_a_full_tier(app, client, sign_in):
    with app.app_context():
        email = member(factories.company("Builder Ltd", tier="professional"), "administrator", "b@b.example").email
    sign_in(email)
    assert client.get("/flows/new").status_code == 200
