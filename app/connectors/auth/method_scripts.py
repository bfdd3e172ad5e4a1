"""Pre-request and post-request scripts of an authentication method (spec §6.3), run in the script sandbox
through the caller's ScriptRunner (`actx.scripts`: the run's, or the web request's for Test connection,
Try it and the OAuth callback) with the contract of app/scripts/connector_scripts.py.

Where they run depends on whether the method makes an authentication request of its own:
- It does (OAuth 2 token requests, SOAP login): the pre-request script changes that request before it is
  sent (NetSuite signs a client assertion into the token request) and the post-request script sees its
  response; a changed body is what the token is then read from (Cybertill: the token at //result).
- It does not (token, API key, basic, OAuth 1, no auth, SOAP envelope): the pre-request script runs on
  every endpoint request before the credentials go on (Emarsys builds its X-WSSE header from the user name
  and secret), and the post-request script on every endpoint response, like an endpoint's post-request
  script (HttpConnector adds it to the response scripts).

Scripts get `variables`: the instance's values (connector variables and credentials) — a script that signs
needs the secret. Headers a pre-request script adds or changes are treated as secrets in every record.
A script failure is an AuthError with the script's message, so it reaches the run log or the connection
test as a sentence, never as a crash.
"""
from __future__ import annotations

from collections.abc import Callable

import httpx

from app.connectors.auth.base import AuthContext, AuthError, OutgoingRequest

NO_SERVICE = ("The authentication method '{method}' uses the {kind} script '{name}', but scripts cannot run here "
              "(flow runs, Test connection and Try it run them).")
MAX_AUTH_ATTEMPTS = 2  # a post-request script answering response_code 1 gets the auth request sent once more


def script_of(actx: AuthContext, kind: str) -> str | None:
    ref = actx.method.get(f"{kind}_script")
    return str(ref).strip() if ref not in (None, "") and str(ref).strip() else None


def _runner(actx: AuthContext, kind: str, ref: str):
    if actx.scripts is None:
        raise AuthError(NO_SERVICE.format(method=actx.method.get("name") or actx.method.get("key"),
                                          kind=kind.replace("_", "-"), name=ref))
    return actx.scripts


def _mask(actx: AuthContext, text: str) -> str:
    for secret in actx.secrets():
        if len(secret) >= 4:
            text = text.replace(secret, "••••")
    return text


def _failed(actx: AuthContext, exc: Exception) -> AuthError:
    return AuthError(f"Authentication method '{actx.method.get('name') or actx.method.get('key')}': "
                     f"{_mask(actx, str(exc))}")


def pre_request(actx: AuthContext, request: OutgoingRequest) -> None:
    """Run the method's pre-request script on `request` (an auth request, or an endpoint request)."""
    ref = script_of(actx, "pre_request")
    if ref is None:
        return
    from app.scripts import connector_scripts
    from app.scripts.sandbox import ScriptError

    before = {k.lower(): v for k, v in request.headers.items()}
    try:
        logs = connector_scripts.pre_request(_runner(actx, "pre_request", ref), ref, request,
                                             variables=actx.values)
    except ScriptError as exc:
        raise _failed(actx, exc) from None
    for name, value in request.headers.items():
        if before.get(name.lower()) != value:
            request.sensitive.add(name.lower())  # what an auth script writes is a credential
    for line in logs:
        actx.on_log("info", f"Authentication pre-request script: {_mask(actx, line)}")


def _with_body(response: httpx.Response, body: str) -> httpx.Response:
    # The original length and encoding describe the old bytes; httpx would decode the new ones with them.
    headers = [(k, v) for k, v in response.headers.multi_items()
               if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")]
    return httpx.Response(response.status_code, headers=headers, content=body.encode(), request=response.request)


def post_request(actx: AuthContext, response: httpx.Response) -> tuple[httpx.Response, bool]:
    """Run the method's post-request script on an auth response: (the response to read, retry?)."""
    ref = script_of(actx, "post_request")
    if ref is None:
        return response, False
    from app.scripts import connector_scripts
    from app.scripts.sandbox import ScriptError

    try:
        result = connector_scripts.post_request(_runner(actx, "post_request", ref), ref, response,
                                                variables=actx.values)
    except ScriptError as exc:
        raise _failed(actx, exc) from None
    for line in result.logs:
        actx.on_log("info", f"Authentication post-request script: {_mask(actx, line)}")
    if result.code in (2, 3):
        raise AuthError(f"The post-request script '{ref}' refused the authentication response"
                        + (f": {_mask(actx, result.message)}" if result.message else "."))
    if result.message:
        actx.on_log("info", f"Authentication post-request script: {_mask(actx, result.message)}")
    if result.body is not None:
        response = _with_body(response, result.body)
    return response, result.code == 1


def send(actx: AuthContext, make_request: Callable[[], OutgoingRequest]) -> httpx.Response:
    """Send the method's own authentication request with its scripts: the pre-request script may change the
    request, the post-request script the response. httpx errors are left to the caller to word."""
    for _attempt in range(MAX_AUTH_ATTEMPTS):
        request = make_request()
        pre_request(actx, request)
        response = actx.client.request(request.method, request.full_url(), headers=request.headers,
                                       content=request.body(), timeout=actx.timeout)
        response, retry = post_request(actx, response)
        if not retry:
            return response
        actx.on_log("warning", "The authentication post-request script asked to send the authentication request "
                               "again.")
    raise AuthError(f"The post-request script '{script_of(actx, 'post_request')}' asked to retry the authentication "
                    f"request {MAX_AUTH_ATTEMPTS} times; giving up.")
