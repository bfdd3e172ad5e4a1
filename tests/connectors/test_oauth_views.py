"""The OAuth 2 authorisation-code redirect and callback through the real app and the test
authorisation server: signed state bound to the browser session, PKCE, tokens stored encrypted."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from app.connectors import services
from app.connectors.models import Instance
from app.extensions import db
from tests import factories
from tests.connectors.api_server import CLIENT_ID, CLIENT_SECRET
from tests.connectors.conftest import approve_at_provider, endpoint, make_definition


def _oauth_instance(api, company_id, pkce=True):
    from app.companies.models import Company

    auth = {"key": "code", "name": "Test OAuth", "type": "oauth2_authorization_code",
            "settings": {"authorize_url": f"{api.url}/oauth/authorize", "token_url": f"{api.url}/oauth/token",
                         "scope": "orders", "pkce": pkce},
            "variables": [{"key": "client_id", "label": "Client ID"},
                          {"key": "client_secret", "label": "Client secret", "secret": True}]}
    company = db.session.get(Company, company_id)
    connector = services.create_connector(company, make_definition(api.url, auth=auth,
                                                                   endpoints=[endpoint("get", "/auth/bearer")]))
    return services.add_instance(connector, "Store", "code", {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})



def test_the_authorisation_code_dance_stores_tokens(app, client, login, api):
    ids = login("administrator")
    with app.app_context():
        instance_id = _oauth_instance(api, ids["company_id"]).id
    response = client.get(f"/connectors/oauth/{instance_id}/start?next=/connectors/")
    assert response.status_code == 302
    location = response.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(f"{api.url}/oauth/authorize")
    assert query["redirect_uri"] == ["http://localhost/connectors/oauth/callback"]
    assert query["code_challenge_method"] == ["S256"] and query["scope"] == ["orders"]
    callback = client.get(approve_at_provider(location))
    assert callback.status_code == 302 and callback.headers["Location"].endswith("/connectors/")
    with app.app_context():
        instance = db.session.get(Instance, instance_id)
        assert instance.oauth_token_enc and instance.authorised_at is not None and instance.is_authorised
        result = services.test_connection(instance)
        assert result.ok, result.message


def test_a_tampered_or_foreign_state_is_refused(app, client, login, api):
    ids = login("administrator")
    with app.app_context():
        instance_id = _oauth_instance(api, ids["company_id"]).id
    location = client.get(f"/connectors/oauth/{instance_id}/start").headers["Location"]
    state = parse_qs(urlsplit(location).query)["state"][0]
    assert client.get(f"/connectors/oauth/callback?code=x&state={state}tampered").status_code == 400
    other = app.test_client()  # another browser session replaying the same state
    other.post("/login", data={"email": ids["email"], "password": factories.PASSWORD})
    assert other.get(f"/connectors/oauth/callback?code=x&state={state}").status_code == 400


def test_the_provider_refusing_is_shown_not_crashed(app, client, login, api):
    ids = login("administrator")
    with app.app_context():
        instance_id = _oauth_instance(api, ids["company_id"]).id
    location = client.get(f"/connectors/oauth/{instance_id}/start").headers["Location"]
    state = parse_qs(urlsplit(location).query)["state"][0]
    response = client.get(f"/connectors/oauth/callback?error=access_denied&state={state}")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Instance, instance_id).oauth_token_enc is None


def test_another_companys_instance_is_404(app, client, login, api):
    with app.app_context():
        foreign_id = _oauth_instance(api, factories.company().id).id
    login("administrator")
    assert client.get(f"/connectors/oauth/{foreign_id}/start").status_code == 404


def test_read_only_users_cannot_start_an_authorisation(app, client, login, api):
    ids = login("read-only")
    with app.app_context():
        instance_id = _oauth_instance(api, ids["company_id"]).id
    assert client.get(f"/connectors/oauth/{instance_id}/start").status_code == 403
