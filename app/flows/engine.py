"""Walks a flow version's steps with bucket semantics. No Flask: the job hands in every service.

Each step receives the whole bucket the previous step produced and emits a new one. The engine owns
logging, retries, skip, stop checks and metering, so shapes stay small.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from app.flows import shapes
from app.flows.context import Bucket, Logger, ShapeContext, ShapeError


@dataclass
class RunResult:
    status: str  # success | failure | stopped | partial
    bucket: Bucket
    error: str | None = None
    operations: int = 0
    data_out: int = 0
    payload_count: int = 0


@dataclass
class Environment:
    """The outside world for one run, built by the caller (RQ job, test or benchmark)."""

    log: Callable[..., None]  # log(level, message, step=None, bucket=None)
    should_stop: Callable[[], bool] = lambda: False
    flow_variables: dict = field(default_factory=dict)
    now: datetime | None = None
    company_id: int | None = None
    run_id: int | None = None
    redis: object = None
    http: object = None
    retry_delay: float = 1.0  # seconds before the first retry; doubles each time


class StepFailed(Exception):
    def __init__(self, step: dict, message: str):
        super().__init__(message)
        self.step = step


class Stopped(Exception):
    pass


def step_label(step: dict) -> str:
    try:
        label = shapes.get(step["type"], step.get("version")).label
    except shapes.UnknownShape:
        label = step.get("type", "?")
    return step.get("name") or label


class Engine:
    def __init__(self, env: Environment):
        self.env = env
        self.operations = 0
        self.data_out = 0

    def run(self, definition: dict, bucket: Bucket) -> RunResult:
        try:
            bucket = self.walk(definition.get("steps", []), bucket)
        except Stopped:
            self.env.log("warning", "Run stopped on request.")
            return self._result("stopped", [])
        except StepFailed as exc:
            return self._result("failure", [], error=f"{step_label(exc.step)}: {exc}")
        return self._result("success", bucket)

    def _result(self, status: str, bucket: Bucket, error: str | None = None) -> RunResult:
        return RunResult(status=status, bucket=bucket, error=error, operations=self.operations,
                         data_out=self.data_out, payload_count=len(bucket))

    def walk(self, steps: list[dict], bucket: Bucket) -> Bucket:
        for step in steps:
            if self.env.should_stop():
                raise Stopped()
            bucket = self.run_step(step, bucket)
        return bucket

    def run_step(self, step: dict, bucket: Bucket) -> Bucket:
        label = step_label(step)
        if step.get("skip"):
            self.env.log("warning", f"{label}: flow step skipped.", step=step)
            return bucket
        try:
            shape = shapes.get(step["type"], step.get("version"))
        except shapes.UnknownShape as exc:
            self.env.log("error", str(exc), step=step)
            raise StepFailed(step, str(exc)) from exc
        self.env.log("info", f"{label} started with {_count(bucket)}.", step=step)
        started = time.perf_counter()
        out = self._execute_with_retries(shape, step, bucket, label)
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.data_out += sum(p.size for p in out)
        self.env.log("info", f"{label} finished in {elapsed_ms:.0f} ms: {_count(out)} out.", step=step, bucket=out)
        return out

    def _execute_with_retries(self, shape, step: dict, bucket: Bucket, label: str) -> Bucket:
        attempts = 1 + max(0, int(step.get("retries", shape.retries)))
        delay = self.env.retry_delay
        for attempt in range(1, attempts + 1):
            ctx = self._context(step, bucket)
            try:
                return shape.execute(ctx)
            except ShapeError as exc:
                message = str(exc)
            except Exception as exc:  # a shape bug must fail the step, not the worker
                message = f"unexpected {type(exc).__name__}: {exc}"
            if attempt < attempts:
                self.env.log("warning", f"{label} failed (attempt {attempt} of {attempts}): {message} Retrying.",
                             step=step)
                time.sleep(delay)
                delay *= 2
                continue
            self.env.log("error", f"{label} failed: {message}", step=step)
            raise StepFailed(step, message)
        raise AssertionError("unreachable")

    def _context(self, step: dict, bucket: Bucket) -> ShapeContext:
        def log(level: str, message: str, *, bucket: Bucket | None = None) -> None:
            self.env.log(level, message, step=step, bucket=bucket)

        def count_operations(n: int) -> None:
            self.operations += n

        return ShapeContext(
            config=step.get("config") or {}, bucket=bucket, log=log, flow_variables=self.env.flow_variables,
            now=self.env.now, company_id=self.env.company_id, run_id=self.env.run_id, step_id=step.get("id"),
            redis=self.env.redis, http=self.env.http, operations=count_operations)


def _count(bucket: Bucket) -> str:
    return f"{len(bucket)} payload{'s' if len(bucket) != 1 else ''}"


__all__ = ["Engine", "Environment", "RunResult", "Logger"]
