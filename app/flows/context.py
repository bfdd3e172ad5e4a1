"""What a shape sees of the world: its config, the bucket, variables, and the engine's services.

No Flask here: workers, tests and benchmarks build a ShapeContext from real parts. Services a run
may lack (connectors, mail, child runs, callbacks) are optional callables; a shape that needs one
raises ShapeError with a readable message when it is None.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import orjson

from app.flows import variables

_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS


def dump_json(data: Any) -> bytes:
    """Compact UTF-8 JSON. orjson is several times faster than json, which matters because every
    payload out is serialised once for data-usage metering; json covers what orjson refuses
    (integers beyond 64 bits, for instance)."""
    try:
        return orjson.dumps(data, default=str, option=_ORJSON_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str).encode()


@dataclass
class Payload:
    """One payload of a bucket: parsed data (JSON-like) or raw text, plus its metadata.

    `to_bytes()` is cached, so the engine's data-usage metering (`size`) and the log storing the
    payload share one serialisation. The cache belongs to the `data` object and `format` it was made
    from: assigning either makes it stale. Editing `data` in place is not seen, so a shape never edits
    a payload it received; it builds new data (or assigns `.data`), as every shape does.
    """

    data: Any
    format: str = "json"  # json | xml | csv | text
    meta: dict = field(default_factory=dict)
    _bytes: tuple | None = field(default=None, init=False, repr=False, compare=False)  # (data, format, bytes)

    def to_bytes(self) -> bytes:
        cached = self._bytes
        if cached is not None and cached[0] is self.data and cached[1] == self.format:
            return cached[2]
        if self.format == "json":
            body = dump_json(self.data)
        elif isinstance(self.data, bytes):
            body = self.data
        else:
            body = str(self.data).encode()
        self._bytes = (self.data, self.format, body)
        return body

    @property
    def size(self) -> int:
        return len(self.to_bytes())

    def with_meta(self, meta: dict) -> Payload:
        """The same data with other metadata; the cached bytes come along (meta is not part of them)."""
        twin = Payload(data=self.data, format=self.format, meta=meta)
        twin._bytes = self._bytes
        return twin


Bucket = list[Payload]


class ShapeError(Exception):
    """A failure a user should read in the run log; the message is shown as it is."""


class StepTimeout(ShapeError):
    pass


@dataclass
class Fork:
    """Returned by a shape with paths (route, branch): the input bucket of each path, by index.

    None means the path does not start. With `sequential` the paths run in order and the first
    failing path stops the rest (branch); otherwise every path runs (route)."""

    buckets: list[Bucket | None]
    sequential: bool = False


class Logger(Protocol):
    def __call__(self, level: str, message: str, *, bucket: Bucket | None = None) -> None: ...


@dataclass
class ShapeContext:
    config: dict
    bucket: Bucket
    log: Logger
    flow_variables: dict = field(default_factory=dict)
    now: datetime | None = None
    company_id: int | None = None
    run_id: int | None = None
    flow_id: int | None = None
    step_id: str | None = None
    # The step's paths without their steps: [{"id", "name", "config"}] (route and branch read them).
    paths: list[dict] = field(default_factory=list)
    deadline: float | None = None  # time.monotonic() value; long loops call check_deadline()
    # Services the engine hands over when the run has them; a shape must cope with None.
    redis: Any = None
    connectors: Any = None  # app.connectors.runtime.ConnectorRuntime
    operations: Callable[[int], None] = lambda n: None
    # (instance id, "receive" | "send"): whose operations the step's are (a connector step says so)
    metered_as: Callable[[int, str], None] = lambda instance_id, direction: None
    start_child_run: Callable[..., int] | None = None  # (flow_id, version, payload, meta, variables) -> run id
    notify: Callable[..., None] | None = None  # (level, message, channels, groups)
    track: Callable[[list[tuple[str, str]]], None] | None = None  # [(field path, value)]
    callback_respond: Callable[[Bucket], bool] | None = None
    scripts: Any = None  # app.scripts.sandbox.ScriptRunner: custom scripts of the run's company
    lookups: Any = None  # app.lookups.services.LookupReader: cross-reference lookups
    caches: Any = None  # app.caches.store.CacheStore: data caches (bound to the run and flow)
    dedupe: Any = None  # app.caches.pools.DedupeService: de-dupe data pools
    # (level, message, exchange dict): a line with the masked HTTP request it describes (the run log keeps both)
    exchange_log: Callable[[str, str, dict], None] | None = None

    def log_exchange(self, level: str, message: str, exchange: dict) -> None:
        """A line about one HTTP request; where the log keeps requests, the request and response go with it."""
        if self.exchange_log is None:
            self.log(level, message)
        else:
            self.exchange_log(level, message, exchange)

    def scope(self, payload: Payload | None = None) -> variables.Scope:
        return variables.Scope(payload=payload.data if payload else None, meta=payload.meta if payload else {},
                               flow_variables=self.flow_variables, now=self.now)

    def resolve(self, text: Any, payload: Payload | None = None) -> Any:
        """[[payload.x]], [[meta.x]], [[flow.variables.x]] in a setting, for one payload."""
        if not isinstance(text, str) or ("[[" not in text and "{{" not in text):
            return text
        try:
            return variables.resolve(text, self.scope(payload))
        except variables.VariableError as exc:
            raise ShapeError(str(exc)) from exc

    def check_deadline(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise StepTimeout("the step ran past its time limit and was stopped")
