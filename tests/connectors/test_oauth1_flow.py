"""The OAuth 1 three-legged flow (RFC 5849 §2) through the real views: request token → the user authorises at
the provider → access token, against a provider on 127.0.0.1 that checks every signature on its own (its own
base-string and HMAC code, not app.connectors.auth.oauth1) and refuses anything unsigned or signed wrongly."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from urllib.parse import parse_qs, parse_qsl, quote, unquote, urlencode, urlsplit

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app import crypto
from app.connectors import services
from app.connectors.models import Instance
from app.extensions import db
from tests.connectors.conftest import approve_at_provider, endpoint, make_definition
from tests.servers import local_server

CONSUMER_KEY, CONSUMER_SECRET = "ck-three-legged", "cs-three-legged-secret"
TEMP_TOKEN, TEMP_SECRET = "temp-token-1", "temp-secret-1"
VERIFIER = "verifier-42"
ACCESS_TOKEN, ACCESS_SECRET = "access-token-9", "access-secret-9"


def _pct(value: str) -> str:
    return quote(value, safe="~-._")


class Provider:
    """An OAuth 1.0a provider: temporary credentials, an authorise page that approves at once, token credentials
    and one protected resource. `seen` records each signed request's oauth parameters."""

    def __init__(self):
        self.reset()
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self):
        self.seen: list[tuple[str, dict]] = []
        self.callback = None
        self.refuse_request_token = False

    def close(self):
        self.server.shutdown()

    def verify(self, r: Request, token_secret: str) -> dict | None:
        header = r.headers.get("Authorization", "")
        if not header.startswith("OAuth "):
            return None
        oauth = {}
        for part in header[6:].split(","):
            key, _, value = part.strip().partition("=")
            oauth[unquote(key)] = unquote(value.strip('"'))
        params = parse_qsl(r.query_string.decode(), keep_blank_values=True)
        params += [(k, v) for k, v in oauth.items() if k not in ("realm", "oauth_signature")]
        normalised = "&".join(f"{k}={v}" for k, v in sorted((_pct(k), _pct(v)) for k, v in params))
        base = "&".join([r.method, _pct(f"{self.url}{r.path}"), _pct(normalised)])
        key = f"{_pct(CONSUMER_SECRET)}&{_pct(token_secret)}"
        expected = base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()).decode()
        if oauth.get("oauth_consumer_key") != CONSUMER_KEY or oauth.get("oauth_signature_method") != "HMAC-SHA1":
            return None
        if not hmac.compare_digest(expected, oauth.get("oauth_signature", "")):
            return None
        self.seen.append((r.path, oauth))
        return oauth

    def wsgi(self, environ, start_response):
        r = Request(environ)
        form = "application/x-www-form-urlencoded"
        if r.path == "/oauth/request_token" and r.method == "POST":
            oauth = self.verify(r, "")
            if oauth is None or "oauth_token" in oauth or not oauth.get("oauth_callback") or self.refuse_request_token:
                response = Response("oauth_problem=signature_invalid", status=401, content_type=form)
            else:
                self.callback = oauth["oauth_callback"]
                response = Response(urlencode({"oauth_token": TEMP_TOKEN, "oauth_token_secret": TEMP_SECRET,
                                               "oauth_callback_confirmed": "true"}), content_type=form)
        elif r.path == "/oauth/authorize":  # the user signs in and approves
            assert r.args.get("oauth_token") == TEMP_TOKEN
            joiner = "&" if "?" in self.callback else "?"
            response = Response(status=302, headers={"Location": self.callback + joiner + urlencode(
                {"oauth_token": TEMP_TOKEN, "oauth_verifier": VERIFIER})})
        elif r.path == "/oauth/access_token" and r.method == "POST":
            oauth = self.verify(r, TEMP_SECRET)
            if oauth is None or oauth.get("oauth_token") != TEMP_TOKEN or oauth.get("oauth_verifier") != VERIFIER:
                response = Response("oauth_problem=verifier_invalid", status=401, content_type=form)
            else:
                response = Response(urlencode({"oauth_token": ACCESS_TOKEN, "oauth_token_secret": ACCESS_SECRET}),
                                    content_type=form)
        elif r.path == "/resource":
            oauth = self.verify(r, ACCESS_SECRET)
            ok = oauth is not None and oauth.get("oauth_token") == ACCESS_TOKEN
            response = Response(json.dumps({"ok": ok}), status=200 if ok else 401, content_type="application/json")
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)


provider_server, provider = local_server(Provider, "provider")

PASTED_TOKEN = {"consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET, "token": ACCESS_TOKEN,
                "token_secret": ACCESS_SECRET}


def _instance(provider, company_id, three_legged=True):
    from app.companies.models import Company

    settings = {"signature_method": "HMAC-SHA1"}
    variables = [{"key": "consumer_key", "label": "Consumer key"},
                 {"key": "consumer_secret", "label": "Consumer secret", "secret": True}]
    if three_legged:
        settings |= {"request_token_url": f"{provider.url}/oauth/request_token",
                     "authorize_url": f"{provider.url}/oauth/authorize",
                     "access_token_url": f"{provider.url}/oauth/access_token"}
    else:
        variables += [{"key": "token", "label": "Token", "secret": True},
                      {"key": "token_secret", "label": "Token secret", "secret": True}]
    auth = {"key": "oauth1", "name": "Provider OAuth 1", "type": "oauth1", "settings": settings,
            "variables": variables}
    company = db.session.get(Company, company_id)
    connector = services.create_connector(company, make_definition(
        provider.url, auth=auth, endpoints=[endpoint("resource", "/resource")]))
    values = PASTED_TOKEN if not three_legged else {"consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET}
    return services.add_instance(connector, "Provider", "oauth1", values)



def test_authorise_fetches_a_signed_request_token_then_trades_the_verifier(app, client, login, provider):
    ids = login("administrator")
    with app.app_context():
        instance = _instance(provider, ids["company_id"])
        instance_id, connector_id = instance.id, instance.connector_id
        assert not services.test_connection(instance).ok  # nothing to sign with before authorising
    page = client.get(f"/connectors/{connector_id}").get_data(as_text=True)
    assert f"/connectors/oauth/{instance_id}/start" in page and "Not authorised yet" in page

    response = client.get(f"/connectors/oauth/{instance_id}/start?next=/connectors/")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == f"{provider.url}/oauth/authorize?oauth_token={TEMP_TOKEN}"
    path, signed = provider.seen[0]
    assert path == "/oauth/request_token" and "oauth_token" not in signed
    assert signed["oauth_callback"].startswith("http://localhost/connectors/oauth/callback?state=")

    callback = client.get(approve_at_provider(location))
    assert callback.status_code == 302 and callback.headers["Location"].endswith("/connectors/")
    path, signed = provider.seen[1]
    assert path == "/oauth/access_token"
    assert signed["oauth_token"] == TEMP_TOKEN and signed["oauth_verifier"] == VERIFIER

    with app.app_context():
        instance = db.session.get(Instance, instance_id)
        assert instance.is_authorised and instance.authorised_at is not None
        stored = crypto.decrypt_json(instance.oauth_token_enc, app.config["SECRET_KEY"])
        assert stored["access_token"] == ACCESS_TOKEN and stored["access_token_secret"] == ACCESS_SECRET
        assert ACCESS_SECRET not in instance.oauth_token_enc  # encrypted at rest
        result = services.test_connection(instance)  # signed with the token and secret it just got
        assert result.ok, result.message
        assert ACCESS_TOKEN not in result.message
    assert provider.seen[-1][1]["oauth_token"] == ACCESS_TOKEN
    page = client.get(f"/connectors/{connector_id}").get_data(as_text=True)
    assert "Authorise again" in page
    assert ACCESS_TOKEN not in page and ACCESS_SECRET not in page and TEMP_SECRET not in page


def test_a_refused_request_token_is_shown_and_nothing_is_stored(app, client, login, provider):
    ids = login("administrator")
    with app.app_context():
        instance_id = _instance(provider, ids["company_id"]).id
    provider.refuse_request_token = True
    response = client.get(f"/connectors/oauth/{instance_id}/start?next=/connectors/", follow_redirects=True)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "was refused: HTTP 401" in text and CONSUMER_SECRET not in text
    with app.app_context():
        assert db.session.get(Instance, instance_id).oauth_token_enc is None


def test_a_callback_with_another_request_token_or_a_foreign_session_is_refused(app, client, login, provider):
    ids = login("administrator")
    with app.app_context():
        instance_id = _instance(provider, ids["company_id"]).id
    location = client.get(f"/connectors/oauth/{instance_id}/start").headers["Location"]
    back = approve_at_provider(location)
    state = parse_qs(urlsplit(back).query)["state"][0]
    forged = f"/connectors/oauth/callback?state={state}&oauth_token=someone-elses&oauth_verifier={VERIFIER}"
    assert client.get(forged).status_code == 400
    assert client.get(back).status_code == 400  # the pending authorisation was used up by the forged attempt
    with app.app_context():
        assert db.session.get(Instance, instance_id).oauth_token_enc is None
    assert [path for path, _ in provider.seen] == ["/oauth/request_token"]


def test_a_pasted_token_still_signs_and_has_no_authorise_button(app, client, login, provider):
    ids = login("administrator")
    with app.app_context():
        instance = _instance(provider, ids["company_id"], three_legged=False)
        instance_id, connector_id = instance.id, instance.connector_id
        assert services.test_connection(instance).ok
    assert f"/connectors/oauth/{instance_id}/start" not in client.get(f"/connectors/{connector_id}").get_data(
        as_text=True)
    response = client.get(f"/connectors/oauth/{instance_id}/start?next=/connectors/", follow_redirects=True)
    assert "signs with a pasted token" in response.get_data(as_text=True)
