"""The run page's "Copy link": a link naming the run's company, so a partner's team member working in
another company lands in the right one; someone without access is told why the link does not open."""
from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from app.companies.models import Company
from app.extensions import db
from app.runs import services
from tests import factories
from tests.companies.conftest import partner, sign_in  # noqa: F401  (fixtures: a partner with linked companies)


def _acting(page: str) -> str:
    return re.search(r'id="acting-company"[^>]*>([^<]*)<', page).group(1)


def _acme_run(app, partner) -> int:  # noqa: F811
    with app.app_context():
        flow = factories.flow(db.session.get(Company, partner.acme), name="Acme orders")
        return services.start_run(flow).id


def test_the_copied_link_switches_a_team_member_into_the_runs_company(app, client, partner, sign_in):  # noqa: F811
    run_id = _acme_run(app, partner)
    sign_in(partner.emails["manager"])
    client.post(f"/companies/{partner.acme}/switch")
    page = client.get(f"/runs/{run_id}").get_data(as_text=True)
    link = html.unescape(re.search(r'id="copy-run-link"[^>]*data-copy="([^"]+)"', page, re.S).group(1))
    assert link == f"http://localhost/runs/{run_id}?company={partner.acme}"

    client.post(f"/companies/{partner.globex}/switch")
    assert client.get(f"/runs/{run_id}").status_code == 404, "in Globex, Acme's run is not there"
    parts = urlsplit(link)
    followed = client.get(f"{parts.path}?{parts.query}")
    assert followed.status_code == 303 and followed.headers["Location"] == f"/runs/{run_id}"
    page = client.get(followed.headers["Location"]).get_data(as_text=True)
    assert _acting(page) == "Acme Retail" and f"Run #{run_id}" in page
    assert "You are now working in Acme Retail" in page


def test_from_the_home_company_the_link_switches_too(app, client, partner, sign_in):  # noqa: F811
    run_id = _acme_run(app, partner)
    sign_in(partner.emails["admin"])
    response = client.get(f"/runs/{run_id}?company={partner.acme}", follow_redirects=True)
    assert response.status_code == 200 and _acting(response.get_data(as_text=True)) == "Acme Retail"


def test_without_access_the_link_says_why_it_does_not_open(app, client, partner, sign_in):  # noqa: F811
    run_id = _acme_run(app, partner)
    sign_in(partner.emails["manager2"])
    response = client.get(f"/runs/{run_id}?company={partner.acme}")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "company you cannot work in" in page and "Ask an administrator" in page
    assert "Acme" not in page, "nothing about the other company is revealed"
    assert _acting(client.get("/dashboard").get_data(as_text=True)) == "Northwind Partners"
