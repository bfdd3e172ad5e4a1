"""Executes one endpoint of an instance over HTTP: templating, one auth type, one pagination method,
rate limit and pool, timeouts, retries with backoff, 429 + Retry-After, and masked records.

No Flask here: the connector shape reaches it through the runtime (ctx.connectors.http(instance)).
Every attempt sent to the endpoint is one call of `options.on_exchange` (the shape counts an operation
and writes a log line there); token requests of the auth type are not operations.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from app.connectors import auth as auth_types
from app.connectors import pagination as paginations
from app.connectors import templating
from app.connectors.auth.base import AuthContext, AuthError, OutgoingRequest
from app.connectors.definitions import find_endpoint

# Re-exported: callers import these from here.
from app.connectors.exchanges import (  # noqa: F401
    Backoff,
    ConnectorError,
    RequestOptions,
    parse_response,
    retry_after_seconds,
)
from app.connectors.http_scripts import EndpointScripts
from app.connectors.pagination.base import PageResult, PageStep, PaginationError, empty_page
from app.connectors.ratelimit import Limiter
from app.connectors.records import ERROR_EXCERPT, Exchange, Masker
from app.flows.context import Payload

MAX_RETRIES = 5
MAX_429_WAITS = 5  # 429s are throttling, not failure: waited out even when retries is 0
RETRIABLE = {408, 500, 502, 503, 504}


@dataclass
class ResolvedInstance:
    """An instance ready to use: definition, decrypted credentials, settings, and its token store."""

    id: int
    company_id: int
    name: str
    connector_key: str
    connector_name: str
    definition: dict
    auth_method: dict | None
    variables: dict  # connector variable defaults + the instance's non-secret values
    credentials: dict  # the auth method's values, decrypted
    tokens: Any  # auth.base.TokenStore
    timeout_seconds: float = 30.0
    retries: int = 2
    rate_limit_per_minute: int | None = None
    pool_size: int | None = None

    @property
    def protocol(self) -> str | None:
        return self.definition.get("protocol")

    @property
    def values(self) -> dict:
        return {**self.variables, **self.credentials}

    def endpoint(self, key: str) -> dict:
        ep = find_endpoint(self.definition, key)
        if ep is None:
            raise ConnectorError(f"The connector '{self.connector_name}' has no endpoint '{key}' (was it removed "
                                 "from the connector?).")
        return ep

    def secrets(self) -> list[str]:
        secret_keys = {v["key"] for v in (self.auth_method or {}).get("variables") or [] if v.get("secret")}
        return [str(v) for k, v in self.credentials.items() if k in secret_keys and v]


class HttpConnector(EndpointScripts):
    def __init__(self, instance: ResolvedInstance, *, client: httpx.Client, limiter: Limiter | None = None,
                 retry_delay: float = 1.0, page_cap: int = paginations.DEFAULT_PAGE_CAP,
                 max_retry_after: float = 120.0, sleep: Callable[[float], None] = time.sleep, scripts=None):
        if instance.protocol:
            raise ConnectorError(f"'{instance.connector_name}' is a {instance.protocol} connector, not HTTP.")
        self.instance = instance
        self.client = client
        self.limiter = limiter or Limiter(None, sleep=sleep)
        self.retry_delay = retry_delay
        self.page_cap = page_cap
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.scripts = scripts  # the run's ScriptRunner; web-side callers get one made on first use
        method = instance.auth_method or {"key": "none", "name": "No authentication", "type": "none"}
        self.auth = auth_types.get(method.get("type", "none"))
        self.actx = AuthContext(method=method, values=instance.values, client=client, tokens=instance.tokens,
                                timeout=float(instance.timeout_seconds or 30), base_url=self.base_url(),
                                scripts=scripts)

    # -- templating (app/connectors/templating.py) ------------------------------------------------------
    def base_url(self, values: dict | None = None) -> str:
        return templating.base_url(self.instance.definition, values or self.instance.values)

    def build(self, endpoint: dict, variables: dict, payload: Payload | None, step: PageStep,
              options: RequestOptions, extra_values: dict | None = None) -> OutgoingRequest:
        values = {**self.instance.values, **(extra_values or {}), **variables}
        return templating.build_request(self.instance.definition, endpoint, values, payload, step,
                                        options.flow_variables)

    # -- sending ------------------------------------------------------------------------------------
    def masker(self, request: OutgoingRequest | None = None) -> Masker:
        secrets = self.instance.secrets() + self.actx.secrets()
        try:
            secrets += self.auth.secret_values(self.actx)
        except AuthError:
            pass
        return Masker(secrets, request.sensitive if request else ())

    def _record(self, request: OutgoingRequest, response: httpx.Response | None, error: str | None,
                elapsed: float, attempt: int, page: int | None) -> Exchange:
        m = self.masker(request)
        exchange = Exchange(method=request.method, url=m.url(request.full_url()), attempt=attempt, page=page,
                            elapsed_ms=elapsed * 1000, request_headers=m.headers(request.headers.items()),
                            request_body=m.body(request.body()), error=m.text(error) if error else None)
        if response is not None:
            exchange.status = response.status_code
            exchange.reason = response.reason_phrase
            exchange.response_headers = m.headers(response.headers.items())
            exchange.response_body = m.body(response.content)
            exchange.response_bytes = len(response.content)
        return exchange

    def _apply_auth(self, request: OutgoingRequest) -> None:
        try:
            self.auth.authorise(self.actx, request)
        except AuthError as exc:
            raise ConnectorError(f"{self.instance.name}: {self.masker(request).text(str(exc))}") from None

    def template_values(self) -> dict:
        try:
            return self.auth.template_values(self.actx)
        except AuthError as exc:
            raise ConnectorError(f"{self.instance.name}: {self.masker().text(str(exc))}") from None

    def exchange(self, make_request: Callable[[], OutgoingRequest], options: RequestOptions,
                 page: int | None = None) -> tuple[httpx.Response, Exchange]:
        """Send with rate limit, pool, timeout, retries, re-authentication and 429 waits."""
        inst = self.instance
        retries = max(0, min(MAX_RETRIES, int(options.retries if options.retries is not None else inst.retries)))
        timeout = float(options.timeout or inst.timeout_seconds or 30)
        backoff = Backoff(self.retry_delay, self.sleep)
        failures = waits_429 = attempt = 0
        reauthenticated = False
        while True:
            attempt += 1
            request = make_request()
            self._apply_auth(request)
            self.limiter.wait_for_rate(inst.id, inst.rate_limit_per_minute)
            response, error = None, None
            with self.limiter.slot(inst.id, inst.pool_size, lease=timeout + 30):
                started = time.perf_counter()
                try:
                    response = self.client.request(request.method, request.full_url(), headers=request.headers,
                                                   content=request.body(), timeout=timeout)
                except httpx.TimeoutException:
                    error = f"timed out after {timeout:g} s"
                except httpx.TransportError as exc:
                    error = f"could not connect: {exc or type(exc).__name__}"
                elapsed = time.perf_counter() - started
            record = self._record(request, response, error, elapsed, attempt, page)
            options.on_exchange(record)
            if response is None:
                if failures < retries:
                    failures += 1
                    options.on_log("warning", f"{record.summary()} Retrying in {backoff.delay:g} s.")
                    backoff.wait()
                    continue
                raise ConnectorError(f"{record.method} {record.url} {record.error}.", exchange=record)
            status = response.status_code
            relogin = getattr(self.auth, "needs_relogin", None)
            if not reauthenticated and (status == 401 or (relogin and relogin(self.actx, response.text))):
                try:
                    again = self.auth.on_unauthorized(self.actx)
                except AuthError as exc:
                    raise ConnectorError(f"{inst.name}: {self.masker(request).text(str(exc))}") from None
                if again:
                    reauthenticated = True
                    options.on_log("info", "The provider refused the credentials: authenticated again, retrying once.")
                    continue
            if status == 429 and waits_429 < MAX_429_WAITS:
                wait = retry_after_seconds(response.headers.get("retry-after"))
                wait = backoff.delay if wait is None else wait
                if wait > self.max_retry_after:
                    raise ConnectorError(
                        f"{record.method} {record.url} was rate limited (HTTP 429) and asked to wait {wait:.0f} s, "
                        f"longer than the {self.max_retry_after:.0f} s Weft waits.", status=429, exchange=record)
                waits_429 += 1
                options.on_log("warning", f"Rate limited by {record.url.split('?')[0]} (HTTP 429): "
                                          f"waiting {wait:g} s as Retry-After asks.")
                self.sleep(wait)
                if wait <= 0:
                    backoff.delay *= 2
                continue
            if status in RETRIABLE and failures < retries:
                failures += 1
                options.on_log("warning", f"{record.summary()} Retrying in {backoff.delay:g} s.")
                backoff.wait()
                continue
            return response, record

    def _check(self, response: httpx.Response, record: Exchange, options: RequestOptions) -> None:
        if 200 <= response.status_code < 300 or options.allow_unsuccessful:
            return
        excerpt = record.response_body[:ERROR_EXCERPT].strip()
        raise ConnectorError(
            f"{record.method} {record.url} failed with HTTP {response.status_code} {response.reason_phrase}"
            + (f": {excerpt}" if excerpt else "."), status=response.status_code, exchange=record)

    def _payload(self, response: httpx.Response, endpoint: dict, meta: dict, body: str | None = None) -> Payload:
        if body is not None:  # a response script changed the body
            response = httpx.Response(response.status_code, headers=response.headers, content=body.encode(),
                                      request=response.request)
        data, fmt = parse_response(response, endpoint.get("response_format", "auto"))
        return Payload(data=data, format=fmt, meta={**meta, "http_status": response.status_code})

    def _check_scripts(self, endpoint: dict) -> None:
        allowed = endpoint.get("auth_methods")
        method_key = (self.instance.auth_method or {}).get("key")
        if allowed and method_key not in allowed:
            raise ConnectorError(f"The endpoint '{endpoint.get('name')}' does not accept the instance's "
                                 f"authentication method '{(self.instance.auth_method or {}).get('name')}'.")

    # -- public -------------------------------------------------------------------------------------
    def receive(self, endpoint: dict, variables: dict, payload: Payload | None = None,
                options: RequestOptions | None = None) -> Iterator[Payload]:
        """One payload per page; stops on the pagination's rules or the page cap."""
        options = options or RequestOptions()
        self._check_scripts(endpoint)
        self.actx.on_log = options.on_log
        settings = dict(endpoint.get("pagination") or {"type": "none"})
        pager = paginations.get(settings.get("type"))
        explicit = options.max_pages or settings.get("max_pages")
        cap = min(int(explicit), self.page_cap) if explicit else self.page_cap
        state: dict = {"_next_page": self._pagination_hook(payload, variables, options)} if self.scripts else {}
        extra = self.template_values()
        base = self.base_url({**self.instance.values, **extra, **variables})
        meta = dict(payload.meta) if payload else {}
        try:
            step = pager.first(settings, state)
            number = 0
            while step is not None:
                number += 1
                current = step
                response, record, body = self._scripted_exchange(
                    endpoint, lambda s=current: self._pre(endpoint, self.build(
                        endpoint, variables, payload, s, options, self.template_values()), payload, variables, options),
                    options, payload, variables, number)
                self._check(response, record, options)
                page = self._payload(response, endpoint, {**meta, "page": number}, body)
                result = PageResult(number=number, url=str(response.request.url), response=response,
                                    data=page.data, base_url=base)
                paginated = settings.get("type", "none") != "none"
                if paginated and number > 1 and empty_page(settings, result):
                    options.on_log("info", f"Page {number} is empty: pagination finished.")
                    return
                if not (paginated and number == 1 and empty_page(settings, result)):
                    yield page
                if not 200 <= response.status_code < 300:
                    return  # an allowed unsuccessful status ends the pagination
                if number >= cap:
                    options.on_log("warning", f"Stopped after {cap:,} pages: the page cap. Narrow the request "
                                              "(filters) or raise the endpoint's maximum pages.")
                    return
                step = pager.next(settings, result, state)
        except PaginationError as exc:
            raise ConnectorError(str(exc)) from None

    def send(self, endpoint: dict, variables: dict, payload: Payload | None,
             options: RequestOptions | None = None) -> Payload:
        """One request for one payload; returns the response as a payload."""
        options = options or RequestOptions()
        self._check_scripts(endpoint)
        response, record, body = self._scripted_exchange(
            endpoint, lambda: self._pre(endpoint, self.build(endpoint, variables, payload, PageStep(), options,
                                                             self.template_values()), payload, variables, options),
            options, payload, variables)
        self._check(response, record, options)
        return self._payload(response, endpoint, dict(payload.meta) if payload else {}, body)

    def test(self, options: RequestOptions | None = None) -> Exchange:
        """Send the connection-test request (raises ConnectorError when it fails) and return its record."""
        options = options or RequestOptions(retries=0)
        definition = self.instance.definition
        method = self.instance.auth_method or {}
        test = method.get("test") or definition.get("test")
        if isinstance(test, str):
            test = {"endpoint": test}
        endpoint = None
        if test and test.get("endpoint"):
            endpoint = self.instance.endpoint(test["endpoint"])
        elif test and test.get("path") is not None:
            endpoint = {"key": "_test", "name": "Connection test", "direction": "receive",
                        "method": test.get("method", "GET"), "path": test["path"], "query": test.get("query"),
                        "headers": test.get("headers"), "body": test.get("body"),
                        "data_type": test.get("data_type", "json")}
        else:
            endpoint = next((ep for ep in definition.get("endpoints") or []
                             if ep.get("direction") == "receive" and str(ep.get("method", "GET")).upper() == "GET"
                             and not any(v.get("required") and v.get("default") in (None, "")
                                         for v in ep.get("variables") or [])), None)
            endpoint = endpoint or {"key": "_test", "name": "Connection test", "direction": "receive",
                                    "method": "GET", "path": ""}
        endpoint = {**endpoint, "pagination": None}
        variables = {v["key"]: v["default"] for v in endpoint.get("variables") or [] if v.get("default") is not None}
        response, record, _ = self._scripted_exchange(  # the endpoint's and the method's scripts run, as in a flow
            endpoint, lambda: self._pre(endpoint, self.build(endpoint, variables, None, PageStep(), options,
                                                             self.template_values()), None, variables, options),
            options, None, variables)
        self._check(response, record, options)
        return record
