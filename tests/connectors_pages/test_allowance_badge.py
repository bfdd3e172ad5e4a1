"""The connectors page shows the deployed-connectors allowance in its header."""
from __future__ import annotations

from app.companies.models import Company
from app.extensions import db
from tests.companies.test_allowances import connector_flow, instance_of


def test_the_connectors_page_shows_how_many_of_the_allowed_connectors_are_deployed(app, client, login):
    ids = login("administrator")
    with app.app_context():
        company = db.session.get(Company, ids["company_id"])
        company.tier = "professional"  # four deployed connectors
        connector_flow(company, [instance_of(company, "shopify")])
        connector_flow(company, [instance_of(company, "airtable")], enabled=False)  # not deployed: not counted
    page = client.get("/connectors/").get_data(as_text=True)
    badge = page.split('id="allowance-deployed-connectors"', 1)[1].split("</a>", 1)[0]
    assert "1 of 4 deployed connectors" in badge
