"""The connector runtime a run hands to its shapes (ctx.connectors): loads instances of one company,
decrypts their credentials, stores their tokens, and owns the pooled httpx client.

Built by the RQ job (no Flask needed past construction):

    runtime = ConnectorRuntime(company_id=run.company_id, redis=get_redis(), session=db.session,
                               secret_key=current_app.config["SECRET_KEY"])
    ...
    runtime.close()
"""
from __future__ import annotations

import dataclasses
import http.cookiejar
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx
from sqlalchemy import bindparam, select

from app import crypto
from app.connectors.auth.base import MemoryTokenStore
from app.connectors.definitions import find_auth_method, variable_defaults
from app.connectors.http import ConnectorError, HttpConnector, ResolvedInstance
from app.connectors.models import InstalledConnector, Instance
from app.connectors.pagination import DEFAULT_PAGE_CAP
from app.connectors.ratelimit import Limiter
from app.tenancy import acting_as, scoped
from app.timeutil import utcnow

_local_locks: dict[str, threading.Lock] = {}
_local_locks_guard = threading.Lock()

# Resolved instances, per process (a worker runs many runs of the same few instances): loading both
# rows and decrypting the credentials cost more than a small run's HTTP exchange. An entry serves
# while the instance and its connector keep the updated_at they had when it was resolved (both bump
# it on every update), which one indexed select checks on each use: an edit is seen by the next run.
_RESOLVED_MAX = 500
_resolved: dict[int, tuple[tuple, ResolvedInstance]] = {}
_STAMPS = (select(Instance.updated_at, InstalledConnector.updated_at)
           .join(InstalledConnector, InstalledConnector.id == Instance.connector_id)
           .where(Instance.id == bindparam("instance_id"), Instance.company_id == bindparam("company_id")))


class InstanceNotFound(ConnectorError):
    pass


class InstanceTokenStore:
    """Tokens of one instance: durable ones encrypted on the row; cached ones in Redis (encrypted, with a
    time to live) or, without Redis, in the row's encrypted blob under "_cache"."""

    def __init__(self, runtime: ConnectorRuntime, instance_id: int):
        self.runtime = runtime
        self.instance_id = instance_id

    def _row(self) -> Instance:
        with acting_as(self.runtime.company_id):
            query = scoped(Instance).where(Instance.id == self.instance_id).execution_options(populate_existing=True)
            return self.runtime.session.execute(query).scalar_one()

    def _blob(self) -> dict:
        return crypto.decrypt_json(self._row().oauth_token_enc, self.runtime.secret_key) or {}

    def _write(self, blob: dict) -> None:
        row = self._row()
        row.oauth_token_enc = crypto.encrypt_json(blob, self.runtime.secret_key) if blob else None
        expires = blob.get("expires_at")
        row.token_expires_at = datetime.fromtimestamp(expires, UTC).replace(tzinfo=None) if expires else None
        if blob.get("access_token"):
            row.authorised_at = row.authorised_at or utcnow()
        self.runtime.session.commit()

    def load(self) -> dict:
        return {k: v for k, v in self._blob().items() if k != "_cache"}

    def save(self, token: dict) -> None:
        blob = self._blob()
        cache = blob.get("_cache")
        self._write({**token, **({"_cache": cache} if cache else {})})

    def _key(self, name: str) -> str:
        return f"weft:connectors:token:{self.instance_id}:{name}"

    def cached(self, name: str) -> dict | None:
        redis = self.runtime.redis
        if redis is not None:
            raw = redis.get(self._key(name))
            return crypto.decrypt_json(raw.decode(), self.runtime.secret_key) if raw else None
        entry = (self._blob().get("_cache") or {}).get(name)
        if entry and entry.get("until", 0) > time.time():
            return entry["value"]
        return None

    def cache(self, name: str, value: dict, ttl: float) -> None:
        redis = self.runtime.redis
        if redis is not None:
            redis.set(self._key(name), crypto.encrypt_json(value, self.runtime.secret_key), px=max(1, int(ttl * 1000)))
            return
        blob = self._blob()
        blob.setdefault("_cache", {})[name] = {"value": value, "until": time.time() + ttl}
        self._write(blob)

    def forget(self, name: str) -> None:
        redis = self.runtime.redis
        if redis is not None:
            redis.delete(self._key(name))
            return
        blob = self._blob()
        if name in (blob.get("_cache") or {}):
            del blob["_cache"][name]
            self._write(blob)

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        key = f"weft:connectors:lock:{self.instance_id}:{name}"
        redis = self.runtime.redis
        if redis is not None:
            with redis.lock(key, timeout=60, blocking_timeout=90):
                yield
            return
        with _local_locks_guard:
            lock = _local_locks.setdefault(key, threading.Lock())
        with lock:
            yield


class ConnectorRuntime:
    def __init__(self, company_id: int, redis=None, session=None, secret_key: str | None = None, *,
                 client: httpx.Client | None = None, transport: httpx.BaseTransport | None = None,
                 retry_delay: float = 1.0, page_cap: int = DEFAULT_PAGE_CAP, max_retry_after: float = 120.0,
                 max_connections: int = 100, sleep: Callable[[float], None] = time.sleep):
        self.company_id = company_id
        self.redis = redis
        self.session = session
        self.secret_key = secret_key
        self.retry_delay = retry_delay
        self.page_cap = page_cap
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self._client = client
        self._owns_client = client is None
        self._transport = transport
        self._max_connections = max_connections
        self.limiter = Limiter(redis, sleep=sleep)
        self.scripts = None  # the run's ScriptRunner (app/scripts/sandbox.py), set by the run job

    @property
    def client(self) -> httpx.Client:
        """One pooled client per runtime (keep-alive connections are reused across pages and payloads)."""
        if self._client is None:
            limits = httpx.Limits(max_connections=self._max_connections,
                                  max_keepalive_connections=min(20, self._max_connections))
            self._client = httpx.Client(limits=limits, follow_redirects=True, transport=self._transport,
                                        headers={"User-Agent": "Weft-iPaaS/1.0"})
        return self._client

    def close(self) -> None:
        if self._client is not None and self._owns_client:
            self._client.close()
        self._client = None

    def __enter__(self) -> ConnectorRuntime:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- instances ----------------------------------------------------------------------------------
    def get_instance(self, instance_id) -> ResolvedInstance:
        """The instance, if it belongs to this runtime's company; otherwise InstanceNotFound."""
        if self.session is None:
            raise ConnectorError("The connector runtime has no database session.")
        try:
            ident = int(instance_id)
        except (TypeError, ValueError):
            raise InstanceNotFound(f"Connector instance '{instance_id}' does not exist.") from None
        # Scoped by hand: the company's own instance, as scoped(Instance) would select it.
        stamps = self.session.execute(_STAMPS, {"instance_id": ident, "company_id": self.company_id}).first()
        if stamps is None:
            raise InstanceNotFound(f"Connector instance {ident} does not exist (was it removed?).")
        version = (self.company_id, tuple(stamps), self.secret_key)
        cached = _resolved.get(ident)
        if cached is None or cached[0] != version:
            with acting_as(self.company_id):
                row = self.session.execute(scoped(Instance).where(Instance.id == ident)).scalar_one_or_none()
            if row is None:  # removed between the two selects
                raise InstanceNotFound(f"Connector instance {ident} does not exist (was it removed?).")
            if len(_resolved) >= _RESOLVED_MAX:
                _resolved.clear()
            cached = _resolved[ident] = (version, self.resolve(row))
        # Each run gets its own dicts (a shape may add to them) and a token store bound to this runtime.
        base = cached[1]
        return dataclasses.replace(base, variables=dict(base.variables), credentials=dict(base.credentials),
                                   tokens=InstanceTokenStore(self, ident))

    def resolve(self, row: Instance) -> ResolvedInstance:
        connector: InstalledConnector = row.connector
        definition = connector.definition or {}
        method = find_auth_method(definition, row.auth_method)
        credentials = {**variable_defaults((method or {}).get("variables"))}
        auth_keys = {v["key"] for v in (method or {}).get("variables") or []}
        credentials.update({k: v for k, v in (row.variables or {}).items() if k in auth_keys})
        credentials.update(crypto.decrypt_json(row.credentials_enc, self.secret_key) or {})
        variables = {**variable_defaults(definition.get("variables")), **(row.variables or {})}
        return ResolvedInstance(
            id=row.id, company_id=row.company_id, name=row.name, connector_key=connector.key,
            connector_name=connector.name, definition=definition, auth_method=method, variables=variables,
            credentials=credentials, tokens=InstanceTokenStore(self, row.id),
            timeout_seconds=row.timeout_seconds or 30, retries=row.retries if row.retries is not None else 2,
            rate_limit_per_minute=row.rate_limit_per_minute, pool_size=row.pool_size)

    def unsaved(self, definition: dict, auth_method: str | None, values: dict, **settings) -> ResolvedInstance:
        """An instance that is not stored yet (a connection test from the add-instance form)."""
        method = find_auth_method(definition, auth_method)
        auth_keys = {v["key"] for v in (method or {}).get("variables") or []}
        credentials = {**variable_defaults((method or {}).get("variables")),
                       **{k: v for k, v in values.items() if k in auth_keys}}
        variables = {**variable_defaults(definition.get("variables")),
                     **{k: v for k, v in values.items() if k not in auth_keys}}
        return ResolvedInstance(
            id=0, company_id=self.company_id, name=settings.get("name") or "New instance",
            connector_key=definition.get("key", ""), connector_name=definition.get("name", ""),
            definition=definition, auth_method=method, variables=variables, credentials=credentials,
            tokens=MemoryTokenStore(), timeout_seconds=settings.get("timeout_seconds") or 30,
            retries=settings.get("retries", 0), rate_limit_per_minute=settings.get("rate_limit_per_minute"),
            pool_size=settings.get("pool_size"))

    def http(self, instance: ResolvedInstance) -> HttpConnector:
        return HttpConnector(instance, client=self.client, limiter=self.limiter, retry_delay=self.retry_delay,
                             page_cap=self.page_cap, max_retry_after=self.max_retry_after, sleep=self.sleep,
                            scripts=self.scripts)


_shared_client: httpx.Client | None = None
_shared_lock = threading.Lock()


def shared_client() -> httpx.Client:
    """One pooled client per worker process, shared by every run it executes.

    Building a client loads the CA bundle (~20 ms), more than a whole small run costs, and a shared
    pool keeps connections to busy endpoints alive between runs. It keeps no cookies: a jar that
    refuses every cookie stops one company's session cookie from reaching another's request."""
    global _shared_client
    with _shared_lock:
        if _shared_client is None:
            jar = http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
            _shared_client = httpx.Client(limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
                                          follow_redirects=True, cookies=jar,
                                          headers={"User-Agent": "Weft-iPaaS/1.0"})
        return _shared_client
