"""Isolation: a team member without a grant reaches no page, fragment, download or action of a linked
company (404), including straight after their access is revoked mid-session."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from app.api import services as api_services
from app.companies.models import Company, TeamAccess
from app.connectors import services as connectors
from app.extensions import db
from app.flows.models import Flow
from app.insights.notifications import save_group
from app.runs import services as run_services
from app.runs.models import Run, RunLog
from tests import factories
from tests.companies.conftest import member, text

SECRET = "Acme secret flow"
HX = {"HX-Request": "true"}


@pytest.fixture
def acme_rooms(app, partner, worker):
    """One of everything in Acme: a flow with a webhook, a finished run with stored payloads, a connector
    with an instance, a notification group, and its native user."""
    with app.app_context():
        acme = db.session.get(Company, partner.acme)
        flow = factories.flow(acme, name=SECRET)
        hook = api_services.create_webhook(flow, "Orders in")
        run = run_services.start_run(flow, payload='[{"id": 1}]')
        worker.work()
        log = db.session.execute(select(RunLog).where(RunLog.run_id == run.id, RunLog.payload_ref.is_not(None))
                                 .limit(1)).scalar_one()
        connector = connectors.install_connector(acme, "shopify")
        instance = connectors.add_instance(connector, "Acme store", "token", {"store_name": "acme", "token": "s3cret"})
        group = save_group(acme.id, "Acme ops", ["ops@acme.example"])
        return {"flow": flow.id, "hook": hook.id, "run": run.id, "log": log.id, "connector": connector.id,
                "instance": instance.id, "group": group.id, "native": partner.native}


def page_urls(ids) -> list[tuple[str, dict]]:
    f, r = ids["flow"], ids["run"]
    return [
        (f"/flows/{f}", {}), (f"/flows/{f}/canvas", HX), (f"/flows/{f}/settings", {}), (f"/flows/{f}/versions", {}),
        (f"/flows/{f}/triggers", {}), (f"/flows/{f}/triggers/webhooks/{ids['hook']}", HX),
        (f"/runs/{r}", {}), (f"/runs/{r}", HX), (f"/runs/{r}/summary", HX), (f"/runs/{r}/steps", HX),
        (f"/runs/{r}/payloads", {}), (f"/runs/{r}/stream", {}), (f"/runs/{r}/logs/{ids['log']}/payload", {}),
        (f"/runs/{r}/input", {}), (f"/runs/{r}/logs.csv", {}), (f"/runs/{r}/logs.jsonl", {}),
        (f"/connectors/{ids['connector']}", {}), (f"/connectors/{ids['connector']}/export", {}),
        (f"/connectors/instances/{ids['instance']}/edit", {}),
        (f"/settings/users/{ids['native']}", {}), (f"/settings/notifications/{ids['group']}", {}),
    ]


def actions(ids) -> list[tuple[str, dict]]:
    f, r = ids["flow"], ids["run"]
    return [
        (f"/flows/{f}/run", {}), (f"/flows/{f}/rename", {"name": "Renamed"}), (f"/flows/{f}/enabled", {"enabled": "0"}),
        (f"/flows/{f}/delete", {}), (f"/runs/{r}/retry", {}),
        (f"/flows/{f}/triggers/webhooks/{ids['hook']}/delete", {}),
        (f"/connectors/instances/{ids['instance']}/remove", {}), (f"/connectors/{ids['connector']}/remove", {}),
        (f"/settings/users/{ids['native']}/reset-password", {}), (f"/settings/users/{ids['native']}/delete", {}),
        (f"/settings/notifications/{ids['group']}/delete", {}),
    ]


def assert_unreachable(client, ids):
    for url, headers in page_urls(ids):
        response = client.get(url, headers=headers)
        body = text(response)  # also ends streamed downloads
        assert response.status_code == 404, f"GET {url} answered {response.status_code}"
        assert SECRET not in body and "Acme store" not in body, url
    for url, data in actions(ids):
        assert client.post(url, data=data).status_code == 404, f"POST {url}"
    assert SECRET not in text(client.get("/flows/")) and "Acme store" not in text(client.get("/connectors/"))
    assert "admin@acme.example" not in text(client.get("/settings/"))


def assert_untouched(app, ids):
    with app.app_context():
        flow = db.session.get(Flow, ids["flow"])
        assert flow is not None and flow.name == SECRET and flow.enabled
        assert db.session.query(Run).filter_by(flow_id=flow.id).count() == 1


# The administrator is the one cut off below, so that no page answers 403 for the role before its 404.

def test_a_team_member_with_access_reaches_every_one_of_these_urls(client, partner, sign_in, acme_rooms):
    sign_in(partner.emails["admin"])
    client.post(f"/companies/{partner.acme}/switch")
    for url, headers in page_urls(acme_rooms):
        response = client.get(url, headers=headers)
        text(response)
        assert response.status_code == 200, f"GET {url} answered {response.status_code}"


def test_after_revocation_mid_session_every_url_is_a_404(app, client, partner, sign_in, acme_rooms):
    sign_in(partner.emails["admin"])
    client.post(f"/companies/{partner.acme}/switch")
    assert SECRET in text(client.get(f"/flows/{acme_rooms['flow']}"))
    with app.app_context():
        db.session.execute(delete(TeamAccess).where(TeamAccess.user_id == partner.ids["admin"],
                                                    TeamAccess.company_id == partner.acme))
        db.session.commit()
    assert client.get(f"/flows/{acme_rooms['flow']}").status_code == 404, "the very next request"
    assert_unreachable(client, acme_rooms)
    assert_untouched(app, acme_rooms)


def test_revoking_through_the_page_cuts_off_a_signed_in_colleague(app, client, partner, sign_in, acme_rooms):
    colleague = app.test_client()
    sign_in(partner.emails["manager"], on=colleague)
    colleague.post(f"/companies/{partner.acme}/switch")
    assert colleague.get(f"/runs/{acme_rooms['run']}").status_code == 200
    sign_in(partner.emails["admin"])
    client.post(f"/companies/{partner.acme}/access/{partner.ids['manager']}/revoke")
    assert colleague.get(f"/runs/{acme_rooms['run']}").status_code == 404
    assert colleague.get(f"/runs/{acme_rooms['run']}/logs/{acme_rooms['log']}/payload").status_code == 404


def test_a_team_member_never_granted_cannot_get_in_by_session_or_link(app, client, partner, sign_in, acme_rooms):
    with app.app_context():
        email = member(db.session.get(Company, partner.id), "administrator", "admin2@northwind.example").email
    sign_in(email)
    with client.session_transaction() as session:
        session["acting_company_id"] = partner.acme
    assert_unreachable(client, acme_rooms)
    for url, _headers in page_urls(acme_rooms):
        assert client.get(f"{url}{'&' if '?' in url else '?'}company={partner.acme}").status_code == 404, url
    assert_untouched(app, acme_rooms)


def test_after_unlinking_the_team_cannot_reach_it(app, client, partner, sign_in, acme_rooms):
    sign_in(partner.emails["admin"])
    client.post(f"/companies/{partner.acme}/switch")
    colleague = app.test_client()
    sign_in(partner.emails["admin"], on=colleague)
    assert colleague.post(f"/companies/{partner.acme}/unlink").status_code == 303
    assert_unreachable(client, acme_rooms)
    assert_untouched(app, acme_rooms)
