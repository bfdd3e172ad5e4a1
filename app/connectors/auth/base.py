"""What every authentication type sees: the outgoing request, the auth context and the token store.

An auth type is a stateless singleton. `apply()` adds credentials to an `OutgoingRequest` just before it
is sent (after templating, before rate limiting releases it); `on_unauthorized()` may refresh a token
and ask for one more attempt. Tokens live in a `TokenStore` the runtime provides (encrypted on the
instance row, or in Redis for short-lived cached tokens).
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx

from app.flows import variables as tokens


class AuthError(Exception):
    """Credentials cannot be applied (missing, not authorised yet, token request refused)."""


@dataclass
class OutgoingRequest:
    """One HTTP request being prepared. `url` carries no query string: the query is `params`."""

    method: str
    url: str
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    form: list[tuple[str, str]] | None = None  # an urlencoded body, kept as pairs so OAuth 1 can sign it
    # Header and query names whose values are secrets: masked in every record and error.
    sensitive: set[str] = field(default_factory=set)

    @classmethod
    def parse(cls, method: str, url: str, **kwargs) -> OutgoingRequest:
        """Split a URL that may carry a query string (a next-page link) into url + params."""
        from urllib.parse import parse_qsl

        parts = urlsplit(url)
        params = parse_qsl(parts.query, keep_blank_values=True)
        bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        return cls(method=method.upper(), url=bare, params=params + list(kwargs.pop("params", [])), **kwargs)

    def header(self, name: str) -> str | None:
        for k, v in self.headers.items():
            if k.lower() == name.lower():
                return v
        return None

    def set_header(self, name: str, value: str, *, sensitive: bool = False) -> None:
        for k in [k for k in self.headers if k.lower() == name.lower()]:
            del self.headers[k]
        self.headers[name] = value
        if sensitive:
            self.sensitive.add(name.lower())

    def set_param(self, name: str, value: str, *, sensitive: bool = False) -> None:
        self.params = [(k, v) for k, v in self.params if k != name] + [(name, value)]
        if sensitive:
            self.sensitive.add(name.lower())

    def body(self) -> bytes | None:
        if self.form is not None:
            return urlencode(self.form).encode()
        return self.content

    def full_url(self) -> str:
        return self.url + ("?" + urlencode(self.params) if self.params else "")


class TokenStore(Protocol):
    """Where an instance's tokens live. `load/save` are the durable (encrypted) tokens of the instance;
    `cached/cache` hold short-lived tokens with a time to live; `lock()` serialises refreshes across
    workers."""

    def load(self) -> dict: ...

    def save(self, token: dict) -> None: ...

    def cached(self, name: str) -> dict | None: ...

    def cache(self, name: str, value: dict, ttl: float) -> None: ...

    def forget(self, name: str) -> None: ...

    def lock(self, name: str): ...


class MemoryTokenStore:
    """A TokenStore in memory: for tests, the connection test before an instance is saved, and scripts."""

    def __init__(self, token: dict | None = None):
        self.token = dict(token or {})
        self._cache: dict[str, tuple[float, dict]] = {}
        self._lock = threading.Lock()

    def load(self) -> dict:
        return dict(self.token)

    def save(self, token: dict) -> None:
        self.token = dict(token)

    def cached(self, name: str) -> dict | None:
        expires, value = self._cache.get(name, (0, None))
        return value if value is not None and expires > time.time() else None

    def cache(self, name: str, value: dict, ttl: float) -> None:
        self._cache[name] = (time.time() + ttl, dict(value))

    def forget(self, name: str) -> None:
        self._cache.pop(name, None)

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        with self._lock:
            yield


@dataclass
class AuthContext:
    method: dict  # the authentication method of the definition
    values: dict  # connector variables + auth variable values (decrypted), for {{ }} templates
    client: httpx.Client
    tokens: TokenStore
    timeout: float = 30.0
    base_url: str = ""
    scripts: Any = None  # the caller's ScriptRunner, for the method's pre/post-request scripts (method_scripts.py)
    on_log: Callable[[str, str], None] = lambda level, message: None  # where those scripts' messages go

    @property
    def settings(self) -> dict:
        return self.method.get("settings") or {}

    def render(self, template: Any, default: str = "") -> str:
        """Render a `{{var}}` template against the instance's values; missing values render as ''."""
        if template is None:
            template = default
        scope = tokens.Scope(connector_variables=self.values)
        value = tokens.resolve(template, scope, brackets=(tokens.CURLY,))
        return tokens.to_text(value)

    def setting(self, name: str, default: str = "") -> str:
        return self.render(self.settings.get(name), default)

    def secrets(self) -> list[str]:
        """Every value this method treats as secret, for masking."""
        secret_keys = {v["key"] for v in self.method.get("variables") or [] if v.get("secret")}
        return [str(self.values[k]) for k in secret_keys if self.values.get(k)]


@dataclass
class Field:
    """One option of an auth type or pagination method, described for the connector builder."""

    key: str
    label: str
    help: str = ""
    default: Any = None
    required: bool = False
    choices: tuple = ()


class AuthType:
    type: ClassVar[str] = ""
    label: ClassVar[str] = ""
    # Variables every method of this type gets by default (the builder cannot remove them, only rename).
    default_variables: ClassVar[list[dict]] = []
    fields: ClassVar[list[Field]] = []
    http: ClassVar[bool] = True  # False: credentials are for a protocol (database, SFTP), not HTTP

    def validate(self, method: dict) -> list[str]:
        settings = method.get("settings") or {}
        if not isinstance(settings, dict):
            return ["settings must be an object."]
        missing = [f.label for f in self.fields if f.required and settings.get(f.key) in (None, "")
                   and f.default in (None, "")]
        return [f"'{label}' is required." for label in missing]

    def has_auth_request(self, actx: AuthContext) -> bool:
        """True when the method sends an authentication request of its own (a token request, a login): its
        scripts run on that request. Otherwise they run on every endpoint request (method_scripts.py)."""
        return False

    def authorise(self, actx: AuthContext, request: OutgoingRequest) -> None:
        """What the connector calls for each endpoint request: the method's pre-request script (methods
        without an auth request), then apply()."""
        if not self.has_auth_request(actx):
            from app.connectors.auth import method_scripts

            method_scripts.pre_request(actx, request)
        self.apply(actx, request)

    def response_script(self, actx: AuthContext) -> str | None:
        """The method's post-request script when it runs on endpoint responses (no auth request of its own)."""
        if self.has_auth_request(actx):
            return None
        from app.connectors.auth import method_scripts

        return method_scripts.script_of(actx, "post_request")

    def template_values(self, actx: AuthContext) -> dict:
        """Extra values endpoint templates may use (e.g. a SOAP session token)."""
        return {}

    def apply(self, actx: AuthContext, request: OutgoingRequest) -> None:
        raise NotImplementedError

    def on_unauthorized(self, actx: AuthContext) -> bool:
        """A 401 came back: refresh what can be refreshed; True asks for one more attempt."""
        return False

    def secret_values(self, actx: AuthContext) -> list[str]:
        """Tokens this type obtained (beyond the instance's secret variables), for masking."""
        return []

    def test_request(self, actx: AuthContext) -> str | None:
        """A relative path the connection test may GET when the definition names no test endpoint."""
        return None


def apply_extras(actx: AuthContext, request: OutgoingRequest) -> None:
    """Headers, query parameters and body fields declared on the method are sent with every endpoint request."""
    for name, template in (actx.method.get("headers") or {}).items():
        request.set_header(name, actx.render(template))
    for name, template in (actx.method.get("query") or {}).items():
        request.set_param(name, actx.render(template))
    merge_body(request, body_fields(actx))


def body_fields(actx: AuthContext) -> dict[str, str]:
    """The method's body fields rendered against the instance's values."""
    return {name: actx.render(template) for name, template in (actx.method.get("body") or {}).items()}


def merge_body(request: OutgoingRequest, fields: dict[str, str]) -> None:
    """Put the method's body fields into a form-encoded body or a JSON object body (top-level keys); a request
    without such a body (a GET, an XML envelope, a JSON list) is left alone, since there is nowhere to put them."""
    if not fields or request.method in ("GET", "HEAD"):
        return
    ctype = (request.header("Content-Type") or "").lower()
    if request.form is None and request.content is not None and "x-www-form-urlencoded" in ctype:
        from urllib.parse import parse_qsl

        request.form = parse_qsl(request.content.decode("utf-8", "replace"), keep_blank_values=True)
        request.content = None
    if request.form is not None:
        request.form = [(k, v) for k, v in request.form if k not in fields] + list(fields.items())
        return
    if request.content is None or "json" not in ctype:
        return
    try:
        body = json.loads(request.content)
    except ValueError:
        return
    if isinstance(body, dict):
        body.update(fields)
        request.content = json.dumps(body, ensure_ascii=False).encode()


def token_response_error(response: httpx.Response) -> str:
    excerpt = response.text[:300].strip()
    return f"HTTP {response.status_code} {response.reason_phrase}" + (f": {excerpt}" if excerpt else "")
