"""What a shape sees of the world: its config, the bucket, variables, and the engine's services.

No Flask here: workers, tests and benchmarks build a ShapeContext from real parts.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass
class Payload:
    """One payload of a bucket: parsed data (JSON-like) or raw text, plus its metadata."""

    data: Any
    format: str = "json"  # json | xml | csv | text
    meta: dict = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        if self.format == "json":
            return json.dumps(self.data, separators=(",", ":"), ensure_ascii=False, default=str).encode()
        if isinstance(self.data, bytes):
            return self.data
        return str(self.data).encode()

    @property
    def size(self) -> int:
        return len(self.to_bytes())


Bucket = list[Payload]


class ShapeError(Exception):
    """A failure a user should read in the run log; the message is shown as it is."""


class Logger(Protocol):
    def __call__(self, level: str, message: str, *, bucket: Bucket | None = None) -> None: ...


class PayloadSink(Protocol):
    def put(self, company_id: int, run_id: int, name: str, body: bytes) -> str: ...


@dataclass
class ShapeContext:
    config: dict
    bucket: Bucket
    log: Logger
    flow_variables: dict = field(default_factory=dict)
    now: datetime | None = None
    company_id: int | None = None
    run_id: int | None = None
    step_id: str | None = None
    # Services the engine hands over when the run has them; a shape must cope with None.
    redis: Any = None
    http: Any = None
    operations: Callable[[int], None] = lambda n: None
