"""A real HTTP test API on 127.0.0.1 (werkzeug, threaded): every pagination style, every auth type, an
OAuth 2 authorisation server for both grants, an OAuth 1 signature check, 429 + Retry-After, flaky and
slow endpoints, and an echo. State (issued tokens, hit counters) lives in `server.state`."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from urllib.parse import parse_qsl, quote, urlencode

from lxml import etree
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

ITEMS = [{"id": i, "name": f"Item {i}"} for i in range(1, 26)]  # 25 records
CLIENT_ID, CLIENT_SECRET = "weft-client", "client-s3cret-value"
CONSUMER_KEY, CONSUMER_SECRET = "ck-weft", "cs-s3cret-value"
OAUTH1_TOKEN, OAUTH1_TOKEN_SECRET = "tok-weft", "ts-s3cret-value"


def _json(data, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(data), status=status, headers=headers or {}, content_type="application/json")


def _pct(value: str) -> str:
    return quote(value, safe="~-._")


class TestApi:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reset(self):
        with self.lock:
            self.state = {"hits": {}, "tokens": {}, "codes": {}, "refresh": {}, "issued": 0, "inflight": 0,
                          "max_inflight": 0, "requests": []}

    def close(self):
        self.server.shutdown()

    def hit(self, key: str) -> int:
        with self.lock:
            self.state["hits"][key] = self.state["hits"].get(key, 0) + 1
            return self.state["hits"][key]

    def issue(self, lifetime: int = 3600, refresh: bool = False, scope: str = "") -> dict:
        with self.lock:
            self.state["issued"] += 1
            access = f"at-{secrets.token_hex(8)}"
            self.state["tokens"][access] = time.time() + lifetime
            body = {"access_token": access, "token_type": "Bearer", "expires_in": lifetime, "scope": scope}
            if refresh:
                rt = f"rt-{secrets.token_hex(8)}"
                self.state["refresh"][rt] = True
                body["refresh_token"] = rt
            return body

    def revoke_all(self):
        with self.lock:
            self.state["tokens"].clear()

    # -- dispatch -----------------------------------------------------------------------------------
    def wsgi(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            self.state["requests"].append({"method": request.method, "path": request.path,
                                           "raw": environ.get("REQUEST_URI") or environ.get("RAW_URI"),
                                           "query": request.query_string.decode(),
                                           "headers": dict(request.headers), "body": request.get_data(as_text=True)})
        name = "route_" + request.path.strip("/").replace("/", "_").replace("-", "_")
        handler = getattr(self, name, None)
        response = handler(request) if handler else _json({"error": "not found", "path": request.path}, 404)
        return response(environ, start_response)

    # -- pagination ---------------------------------------------------------------------------------
    def route_pages_number(self, r):
        page, limit = int(r.args.get("page", 1)), int(r.args.get("limit", 10))
        chunk = ITEMS[(page - 1) * limit: page * limit]
        return _json({"items": chunk, "page": page})

    def route_pages_number_total(self, r):  # Magento style: past the end repeats the last page
        page, size = int(r.args.get("currentPage", 1)), int(r.args.get("pageSize", 10))
        last = (len(ITEMS) + size - 1) // size
        page = min(page, last)
        return _json({"items": ITEMS[(page - 1) * size: page * size], "total_count": len(ITEMS)})

    def route_pages_offset(self, r):
        offset, limit = int(r.args.get("offset", 0)), int(r.args.get("limit", 10))
        return _json({"items": ITEMS[offset: offset + limit], "totalResults": len(ITEMS),
                      "hasMore": offset + limit < len(ITEMS)})

    def route_pages_link(self, r):
        cursor = int(r.args.get("page_info", 0))
        chunk = ITEMS[cursor: cursor + 10]
        headers = {}
        if cursor + 10 < len(ITEMS):
            headers["Link"] = (f'<{self.url}/pages/link?page_info={cursor - 10}>; rel="previous", '
                               f'<{self.url}/pages/link?page_info={cursor + 10}&limit=10>; rel="next"')
        return _json({"orders": chunk}, headers=headers)

    def route_pages_nexturl(self, r):
        page = int(r.args.get("page", 1))
        chunk = ITEMS[(page - 1) * 10: page * 10]
        nxt = None
        if page * 10 < len(ITEMS):
            nxt = f"?page={page + 1}" if page == 1 else f"{self.url}/pages/nexturl?page={page + 1}"
        return _json({"data": chunk, "links": {"next": nxt}})

    def route_pages_token(self, r):
        after = int(r.args.get("after", 0))
        chunk = ITEMS[after: after + 10]
        body = {"results": chunk}
        if after + 10 < len(ITEMS):
            body["paging"] = {"next": {"after": str(after + 10)}}
        return _json(body)

    def route_pages_graphql(self, r):
        body = json.loads(r.get_data() or b"{}")
        after = int((body.get("variables") or {}).get("after") or 0)
        first = int((body.get("variables") or {}).get("first") or 10)
        chunk = ITEMS[after: after + first]
        end = after + len(chunk)
        return _json({"data": {"orders": {"edges": [{"node": n} for n in chunk],
                                          "pageInfo": {"hasNextPage": end < len(ITEMS), "endCursor": str(end)}}}})

    def route_api_pages_relative(self, r):
        start = int(r.args.get("start", 0))
        chunk = ITEMS[start: start + 10]
        done = start + 10 >= len(ITEMS)
        body = {"records": chunk, "done": done}
        if not done:
            body["nextRecordsUrl"] = f"/api/pages/relative?start={start + 10}"
        return _json(body)

    def route_pages_endless(self, r):
        page = int(r.args.get("page", 1))
        return _json({"items": [{"page": page}]})

    def route_pages_empty(self, r):
        return _json({"items": []})

    # -- behaviour ----------------------------------------------------------------------------------
    def route_echo(self, r):
        return _json({"method": r.method, "path": r.path, "args": dict(r.args.lists()),
                      "headers": {k.lower(): v for k, v in r.headers.items()},
                      "body": r.get_data(as_text=True)})

    def route_flaky(self, r):
        n = self.hit("flaky:" + r.args.get("key", ""))
        if n <= int(r.args.get("fail", 1)):
            return _json({"error": "temporarily unavailable"}, 503)
        return _json({"ok": True, "attempt": n})

    def route_limited(self, r):
        n = self.hit("limited:" + r.args.get("key", ""))
        if n <= int(r.args.get("times", 1)):
            return _json({"error": "slow down"}, 429, {"Retry-After": r.args.get("after", "1")})
        return _json({"ok": True, "attempt": n})

    def route_slow(self, r):
        time.sleep(float(r.args.get("delay", 1)))
        return _json({"ok": True})

    def route_concurrency(self, r):
        with self.lock:
            self.state["inflight"] += 1
            self.state["max_inflight"] = max(self.state["max_inflight"], self.state["inflight"])
        time.sleep(0.15)
        with self.lock:
            self.state["inflight"] -= 1
        return _json({"ok": True})

    def route_fail(self, r):
        return _json({"errors": {"email": "is invalid", "echo": r.headers.get("X-Api-Key", "")}},
                     int(r.args.get("status", 422)))

    def route_single(self, r):
        return _json([{"id": 1}])

    def route_xml(self, r):
        return Response("<orders><order><id>1</id></order></orders>", content_type="application/xml")

    # -- auth checks --------------------------------------------------------------------------------
    def route_auth_basic(self, r):
        expected = "Basic " + base64.b64encode(b"ada:p4ssw0rd-secret").decode()
        if r.headers.get("Authorization") != expected:
            return _json({"error": "bad credentials"}, 401)
        return _json({"ok": True, "user": "ada"})

    def route_auth_bearer(self, r):
        header = r.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else r.args.get("access_token", "")
        with self.lock:
            expires = self.state["tokens"].get(token)
        if expires is None or expires < time.time():
            return _json({"error": "invalid token"}, 401)
        return _json({"ok": True, "items": ITEMS[:3]})

    def route_auth_header(self, r):
        if r.headers.get("X-Api-Key") != "key-12345-secret":
            return _json({"error": "bad key"}, 401)
        return _json({"ok": True})

    def route_auth_query(self, r):
        if r.args.get("api_key") != "key-12345-secret":
            return _json({"error": "bad key"}, 401)
        return _json({"ok": True})

    # -- OAuth 2 authorisation server ---------------------------------------------------------------
    def _client_ok(self, r, form) -> bool:
        header = r.headers.get("Authorization", "")
        if header.startswith("Basic "):
            cid, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        else:
            cid, secret = form.get("client_id"), form.get("client_secret")
        return cid == CLIENT_ID and secret == CLIENT_SECRET

    def route_oauth_authorize(self, r):
        if r.args.get("client_id") != CLIENT_ID or r.args.get("response_type") != "code":
            return _json({"error": "invalid_request"}, 400)
        code = f"code-{secrets.token_hex(6)}"
        with self.lock:
            self.state["codes"][code] = {"redirect_uri": r.args.get("redirect_uri"),
                                         "challenge": r.args.get("code_challenge"), "scope": r.args.get("scope")}
        target = r.args["redirect_uri"] + "?" + urlencode({"code": code, "state": r.args.get("state", "")})
        return Response("", status=302, headers={"Location": target})

    def route_oauth_token(self, r):
        form = dict(parse_qsl(r.get_data(as_text=True)))
        if not self._client_ok(r, form):
            return _json({"error": "invalid_client", "error_description": "unknown client"}, 401)
        grant = form.get("grant_type")
        lifetime = int(r.args.get("lifetime", 3600))
        if grant == "client_credentials":
            return _json(self.issue(lifetime, scope=form.get("scope", "")))
        if grant == "password":
            if (form.get("username"), form.get("password")) != ("ada", "p4ssw0rd-secret"):
                return _json({"error": "invalid_grant"}, 400)
            return _json(self.issue(lifetime, refresh=True))
        if grant == "authorization_code":
            with self.lock:
                pending = self.state["codes"].pop(form.get("code"), None)
            if pending is None or pending["redirect_uri"] != form.get("redirect_uri"):
                return _json({"error": "invalid_grant"}, 400)
            if pending["challenge"]:
                digest = hashlib.sha256((form.get("code_verifier") or "").encode()).digest()
                if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != pending["challenge"]:
                    return _json({"error": "invalid_grant", "error_description": "PKCE mismatch"}, 400)
            return _json(self.issue(lifetime, refresh=True))
        if grant == "refresh_token":
            with self.lock:
                valid = self.state["refresh"].pop(form.get("refresh_token"), None)  # rotating refresh tokens
            if not valid:
                return _json({"error": "invalid_grant"}, 400)
            return _json(self.issue(lifetime, refresh=True))
        return _json({"error": "unsupported_grant_type"}, 400)

    # -- OAuth 1 resource: an independent signature check (RFC 5849 §3.4) ----------------------------
    def route_oauth1_resource(self, r):
        header = r.headers.get("Authorization", "")
        if not header.startswith("OAuth "):
            return _json({"error": "no oauth header"}, 401)
        oauth = {}
        for part in header[6:].split(","):
            key, _, value = part.strip().partition("=")
            oauth[key] = value.strip('"')
        from urllib.parse import unquote

        oauth = {unquote(k): unquote(v) for k, v in oauth.items()}
        params = list(parse_qsl(r.query_string.decode(), keep_blank_values=True))
        if r.mimetype == "application/x-www-form-urlencoded":
            params += parse_qsl(r.get_data(as_text=True), keep_blank_values=True)
        params += [(k, v) for k, v in oauth.items() if k not in ("realm", "oauth_signature")]
        normalized = "&".join(f"{k}={v}" for k, v in sorted((_pct(k), _pct(v)) for k, v in params))
        base_uri = f"http://127.0.0.1:{self.port}{r.path}"
        base = "&".join([r.method, _pct(base_uri), _pct(normalized)])
        key = f"{_pct(CONSUMER_SECRET)}&{_pct(OAUTH1_TOKEN_SECRET)}"
        algo = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}[oauth["oauth_signature_method"]]
        expected = base64.b64encode(hmac.new(key.encode(), base.encode(), algo).digest()).decode()
        if oauth.get("oauth_consumer_key") != CONSUMER_KEY or oauth.get("oauth_token") != OAUTH1_TOKEN:
            return _json({"error": "unknown consumer"}, 401)
        if not hmac.compare_digest(expected, oauth.get("oauth_signature", "")):
            return _json({"error": "bad signature", "base": base}, 401)
        nonce = oauth["oauth_nonce"]
        if self.hit("nonce:" + nonce) > 1:
            return _json({"error": "nonce reused"}, 401)
        return _json({"ok": True, "realm": oauth.get("realm"), "method": oauth["oauth_signature_method"]})

    # -- SOAP ---------------------------------------------------------------------------------------
    def route_soap_wss(self, r):
        root = etree.fromstring(r.get_data())
        ns = {"wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"}
        user = root.xpath("//wsse:Username/text()", namespaces=ns)
        password = root.xpath("//wsse:Password/text()", namespaces=ns)
        if user != ["ada"] or password != ["p4ssw0rd-secret"]:
            return Response("<Fault>bad credentials</Fault>", status=500, content_type="text/xml")
        return Response("<Envelope><Body><Ok>yes</Ok></Body></Envelope>", content_type="text/xml")

    def route_soap_login(self, r):
        root = etree.fromstring(r.get_data())
        if root.xpath("string(//Username)") != "ada" or root.xpath("string(//Password)") != "p4ssw0rd-secret":
            return Response("<Fault>bad credentials</Fault>", status=500, content_type="text/xml")
        token = f"sess-{secrets.token_hex(6)}"
        with self.lock:
            self.state["tokens"][token] = time.time() + 3600
            self.state["issued"] += 1
        return Response(f'<Envelope xmlns:ns="urn:pvx"><Body><ns:Detail>{token}</ns:Detail></Body></Envelope>',
                        content_type="text/xml")

    def route_soap_call(self, r):
        root = etree.fromstring(r.get_data())
        token = root.xpath("string(//SessionId)")
        with self.lock:
            valid = token in self.state["tokens"]
        if not valid:
            return Response("<Envelope><Body><Fault>System : Security - Invalid Session</Fault></Body></Envelope>",
                            content_type="text/xml")
        return Response("<Envelope><Body><Items>3</Items></Body></Envelope>", content_type="text/xml")
