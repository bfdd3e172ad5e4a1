"""The operator's `flask companies` commands and the demo data's team access."""
from __future__ import annotations

from app import demo
from app.accounts.models import User
from app.companies import access
from app.companies.models import Company
from app.extensions import db
from tests import factories


def test_the_operator_sets_tiers_bolt_ons_and_partner_features(app):
    with app.app_context():
        company_id = factories.company("Ops Ltd").id
    runner = app.test_cli_runner()
    assert "Professional tier" in runner.invoke(args=["companies", "tier", str(company_id), "pro"]).output
    assert runner.invoke(args=["companies", "bolt-on", str(company_id), "partner", "1"]).exit_code == 0
    assert runner.invoke(args=["companies", "bolt-on", str(company_id), "flows", "2"]).exit_code == 0
    listing = runner.invoke(args=["companies", "list"]).output
    assert f"#{company_id} Ops Ltd [partner]: Professional + flows×2" in listing
    bad = runner.invoke(args=["companies", "tier", str(company_id), "gold"])
    assert bad.exit_code != 0 and "unknown tier" in bad.output
    assert runner.invoke(args=["companies", "tier", "99999", "trial"]).exit_code != 0
    with app.app_context():
        company = db.session.get(Company, company_id)
        assert (company.tier, company.is_partner, company.bolt_ons) == ("professional", True, {"flows": 2})


def test_demo_managers_and_administrators_can_switch_into_both_linked_companies(ctx):
    demo.seed()
    demo.seed()  # idempotent
    partner = db.session.query(Company).filter_by(name=demo.PARTNER).one()
    for email, _name, role in demo.USERS:
        user = db.session.query(User).filter_by(email=email).one()
        reachable = {c.name for c in access.accessible(user)}
        expected = set(demo.LINKED) if role in ("administrator", "manager") else set()
        assert reachable == expected, email
    assert partner.is_partner and partner.tier == "professional"
