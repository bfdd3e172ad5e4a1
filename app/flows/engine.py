"""Walks a flow version's steps with bucket semantics. No Flask: the job hands in every service.

Each step receives the whole bucket the previous step produced and emits a new one. Route and branch
return a Fork (one bucket per path); a try/catch step runs its try path with per-payload isolation
and its catch path at the end of the run. The engine owns logging, retries, skip, stop checks, time
limits and metering, so shapes stay small.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from app.flows import shapes
from app.flows.context import Bucket, Fork, Payload, ShapeContext, ShapeError, StepTimeout
from app.timeutil import utcnow

STEP_TIMEOUT_SECONDS = 30 * 60


@dataclass
class StepRecord:
    """What one step did, for the run page's per-step table and waterfall."""

    step_id: str
    label: str
    type: str
    status: str  # success | failure | skipped | partial
    started_at: datetime
    duration_ms: float = 0.0
    cpu_ms: float = 0.0
    payloads_in: int = 0
    payloads_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    operations: int = 0
    attempts: int = 0
    error: str | None = None
    # A connector step's instance and its endpoint's direction (receive | send): metering per instance.
    instance_id: int | None = None
    direction: str = ""


@dataclass
class FailedPayload:
    payload: Payload
    step_label: str
    error: str


@dataclass
class RunResult:
    status: str  # success | failure | stopped | partial
    bucket: Bucket
    error: str | None = None
    operations: int = 0
    data_out: int = 0
    payload_count: int = 0
    failed: list[FailedPayload] = field(default_factory=list)
    failed_step: str | None = None  # id of the step that failed the run
    failed_input: Bucket = field(default_factory=list)  # the bucket that step received (retry from it)


def _noop(*args, **kwargs) -> None:
    return None


@dataclass
class Environment:
    """The outside world for one run, built by the caller (RQ job, test or benchmark)."""

    log: Callable[..., None]  # log(level, message, step=None, bucket=None)
    should_stop: Callable[[], bool] = lambda: False
    flow_variables: dict = field(default_factory=dict)
    now: datetime | None = None
    company_id: int | None = None
    run_id: int | None = None
    flow_id: int | None = None
    redis: object = None
    connectors: object = None
    retry_delay: float = 1.0  # seconds before the first retry; doubles each time
    step_timeout: float = STEP_TIMEOUT_SECONDS
    run_timeout: float | None = None  # the flow's time limit for the whole run (seconds), if it has one
    on_step: Callable[[StepRecord], None] = _noop
    start_child_run: Callable[..., int] | None = None
    notify: Callable[..., None] | None = None
    track: Callable[..., None] | None = None
    callback_respond: Callable[[Bucket], bool] | None = None
    scripts: object = None  # app.scripts.sandbox.ScriptRunner
    lookups: object = None  # app.lookups.services.LookupReader
    caches: object = None  # app.caches.store.CacheStore
    dedupe: object = None  # app.caches.pools.DedupeService


class StepFailed(Exception):
    def __init__(self, step: dict, message: str, bucket: Bucket | None = None):
        super().__init__(message)
        self.step = step
        self.bucket = bucket


class Stopped(Exception):
    pass


class RunTimedOut(Exception):
    """The run went past the flow's time limit: it stops where it is and ends as a failure."""


def time_limit_words(seconds: float) -> str:
    seconds = int(seconds)
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def run_timeout_message(seconds: float) -> str:
    return f"Run stopped: it ran longer than the flow's time limit of {time_limit_words(seconds)}."


def step_label(step: dict) -> str:
    try:
        label = shapes.get(step["type"], step.get("version")).label
    except (shapes.UnknownShape, KeyError):
        label = step.get("type", "?")
    return step.get("name") or label


def _count(bucket: Bucket) -> str:
    return f"{len(bucket)} payload{'s' if len(bucket) != 1 else ''}"


class Engine:
    def __init__(self, env: Environment):
        self.env = env
        self.operations = 0
        self.data_out = 0
        self.failed: list[FailedPayload] = []
        self.catch_step: dict | None = None
        self.last_out: tuple[Bucket, int] | None = None  # the last step's output bucket and its size in bytes
        self.deadline: float | None = None  # time.monotonic() past which the run is over (run_timeout)

    # -- the run -----------------------------------------------------------------------------
    def run(self, definition: dict, bucket: Bucket, start_at: str | None = None) -> RunResult:
        """Walk the steps; with `start_at`, begin at that step (anywhere in the tree) with `bucket` as its
        input: the steps before it are skipped silently (a retry from a failed step)."""
        steps = definition.get("steps", [])
        if self.env.run_timeout:
            self.deadline = time.monotonic() + self.env.run_timeout
        try:
            if start_at is None:
                bucket = self.walk(steps, bucket)
            else:
                resumed = self._resume(steps, str(start_at), bucket)
                if resumed is None:
                    return self._result("failure", [], error=f"This version has no step '{start_at}' to start at.")
                if isinstance(resumed, _CatchDone):
                    return self._result("success", resumed.bucket)
                bucket = resumed
        except Stopped:
            self.env.log("warning", "Run stopped on request.")
            return self._result("stopped", [])
        except RunTimedOut:
            return self._timed_out()
        except StepFailed as exc:
            return self._failure(exc, f"{step_label(exc.step)}: {exc}")
        if self.failed and self.catch_step is not None:
            return self._finish_catch(bucket)
        return self._result("success", bucket)

    def _finish_catch(self, bucket: Bucket) -> RunResult:
        step = self.catch_step
        catch_path = (step.get("paths") or [{}, {}])[1] if len(step.get("paths") or []) > 1 else {}
        failed_bucket = [Payload(data=f.payload.data, format=f.payload.format,
                                 meta={**f.payload.meta, "error": f.error, "failed_step": f.step_label})
                         for f in self.failed]
        self.env.log("warning", f"{len(failed_bucket)} failed payload(s) go down the catch path.", step=step,
                     bucket=failed_bucket)
        try:
            self.walk(catch_path.get("steps", []), failed_bucket)
        except Stopped:
            return self._result("stopped", [])
        except RunTimedOut:
            return self._timed_out()
        except StepFailed as exc:
            return self._failure(exc, f"catch path, {step_label(exc.step)}: {exc}")
        summary = f"{len(self.failed)} payload(s) failed and were handled by the catch path."
        if (step.get("config") or {}).get("on_exception", "partial") == "partial":
            return self._result("partial", bucket, error=summary)
        return self._result("failure", bucket, error=summary)

    def _result(self, status: str, bucket: Bucket, error: str | None = None) -> RunResult:
        return RunResult(status=status, bucket=bucket, error=error, operations=self.operations,
                         data_out=self.data_out, payload_count=len(bucket), failed=list(self.failed))

    def _timed_out(self) -> RunResult:
        message = run_timeout_message(self.env.run_timeout or 0)
        self.env.log("error", message)
        return self._result("failure", [], error=message)

    def _past_deadline(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def _check_run_time(self) -> None:
        if self._past_deadline():
            raise RunTimedOut()

    def _failure(self, exc: StepFailed, error: str) -> RunResult:
        result = self._result("failure", [], error=error)
        result.failed_step, result.failed_input = str(exc.step.get("id", "")), list(exc.bucket or [])
        return result

    def _resume(self, steps: list[dict], target: str, bucket: Bucket, in_try: bool = False):
        """Run from `target` to the end of the flow: the rest of its own path, then the rest of each
        enclosing path. Returns None when `target` is not in `steps`. A route or branch around the
        target does not run its other paths again; a target in a catch path ends the run there."""
        for index, step in enumerate(steps):
            if str(step.get("id", "")) == target:
                return self.walk(steps[index:], bucket, in_try)
            for number, path in enumerate(step.get("paths") or []):
                if not _holds(path.get("steps", []), target):
                    continue
                in_catch = step.get("type") == "try_catch" and number > 0
                inner_try = in_try
                if step.get("type") == "try_catch" and not in_catch:
                    self.catch_step, inner_try = step, True
                out = self._resume(path.get("steps", []), target, bucket, inner_try)
                if in_catch or isinstance(out, _CatchDone):
                    return out if isinstance(out, _CatchDone) else _CatchDone(out)
                return self.walk(steps[index + 1:], out, in_try)
        return None

    # -- walking -----------------------------------------------------------------------------
    def walk(self, steps: list[dict], bucket: Bucket, in_try: bool = False) -> Bucket:
        for step in steps:
            if self.env.should_stop():
                raise Stopped()
            self._check_run_time()
            if step.get("type") == "try_catch" and not step.get("skip"):
                self.catch_step = step
                try_path = (step.get("paths") or [{}])[0]
                self.env.log("info", f"{step_label(step)}: the steps of the try path are watched for failures.",
                             step=step)
                bucket = self.walk(try_path.get("steps", []), bucket, in_try=True)
                continue
            result = self.run_step(step, bucket, in_try)
            bucket = self.run_fork(step, result, in_try) if isinstance(result, Fork) else result
        return bucket

    def run_fork(self, step: dict, fork: Fork, in_try: bool) -> Bucket:
        paths = step.get("paths") or []
        out: Bucket = []
        first_failure: StepFailed | None = None
        for index, path_bucket in enumerate(fork.buckets):
            if path_bucket is None or index >= len(paths):
                continue
            name = paths[index].get("name") or f"path {index + 1}"
            self.env.log("info", f"{step_label(step)}: '{name}' starts with {_count(path_bucket)}.", step=step)
            try:
                out += self.walk(paths[index].get("steps", []), path_bucket, in_try)
            except StepFailed as exc:
                if fork.sequential:
                    self.env.log("error", f"{step_label(step)}: '{name}' failed; the remaining paths do not start.",
                                 step=step)
                    raise
                first_failure = first_failure or exc
        if first_failure is not None:
            raise first_failure
        return out

    # -- one step ----------------------------------------------------------------------------
    def run_step(self, step: dict, bucket: Bucket, in_try: bool = False) -> Bucket | Fork:
        label = step_label(step)
        record = StepRecord(step_id=str(step.get("id", "")), label=label, type=step.get("type", "?"),
                            status="success", started_at=utcnow(), payloads_in=len(bucket),
                            bytes_in=self._size_in(bucket))
        if step.get("skip"):
            self.env.log("warning", f"{label}: flow step skipped.", step=step)
            record.status, record.payloads_out = "skipped", len(bucket)
            self.env.on_step(record)
            return bucket
        try:
            shape = shapes.get(step["type"], step.get("version"))
        except (shapes.UnknownShape, KeyError) as exc:
            message = str(exc) if isinstance(exc, shapes.UnknownShape) else "The step has no shape type."
            self.env.log("error", message, step=step)
            record.status, record.error = "failure", message
            self.env.on_step(record)
            raise StepFailed(step, message, bucket) from exc
        self.env.log("info", f"{label} started with {_count(bucket)}.", step=step)
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            out = self._execute_with_retries(shape, step, bucket, label, record)
        except StepFailed as exc:
            if not in_try or not bucket:
                self._close(record, wall, cpu, "failure", error=str(exc))
                raise
            out = self._isolate(shape, step, bucket, label, record)
        except RunTimedOut:
            self._close(record, wall, cpu, "failure", error="stopped at the flow's time limit")
            raise
        emitted = [p for b in out.buckets if b for p in b] if isinstance(out, Fork) else out
        record.bytes_out = sum(p.size for p in emitted)
        self.last_out = (emitted, record.bytes_out)
        record.payloads_out = len(emitted)
        self.data_out += record.bytes_out
        self._close(record, wall, cpu, record.status)
        self.env.log("info", f"{label} finished in {record.duration_ms:.0f} ms: {_count(emitted)} out.", step=step,
                     bucket=None if isinstance(out, Fork) else out)
        return out

    def _size_in(self, bucket: Bucket) -> int:
        """Most often a step's input is the very bucket the step before put out, whose size is known."""
        last = self.last_out
        return last[1] if last is not None and last[0] is bucket else sum(p.size for p in bucket)

    def _close(self, record: StepRecord, wall: float, cpu: float, status: str, error: str | None = None) -> None:
        record.duration_ms = (time.perf_counter() - wall) * 1000
        record.cpu_ms = (time.process_time() - cpu) * 1000
        record.status = status
        record.error = error or record.error
        self.env.on_step(record)

    def _execute_with_retries(self, shape, step: dict, bucket: Bucket, label: str, record: StepRecord):
        attempts = 1 + max(0, int(step.get("retries", shape.retries)))
        delay = self.env.retry_delay
        for attempt in range(1, attempts + 1):
            record.attempts = attempt
            try:
                return self._execute_once(shape, step, bucket, record)
            except RunTimedOut:
                raise
            except StepTimeout as exc:  # a step that ran out of time is not tried again
                if self._past_deadline():
                    raise RunTimedOut() from exc
                self.env.log("error", f"{label} failed: {exc}", step=step)
                raise StepFailed(step, str(exc), bucket) from exc
            except ShapeError as exc:
                message = str(exc)
            except Exception as exc:  # a shape bug must fail the step, not the worker
                message = f"unexpected {type(exc).__name__}: {exc}"
            if attempt < attempts:
                self.env.log("warning", f"{label} failed (attempt {attempt} of {attempts}): {message} Retrying.",
                             step=step)
                time.sleep(delay)
                delay *= 2
                self._check_run_time()
                continue
            self.env.log("error", f"{label} failed: {message}", step=step)
            raise StepFailed(step, message, bucket)
        raise AssertionError("unreachable")

    def _execute_once(self, shape, step: dict, bucket: Bucket, record: StepRecord):
        ctx = self._context(step, bucket, record)
        out = shape.execute(ctx)
        if ctx.deadline is not None and time.monotonic() > ctx.deadline:
            self._check_run_time()
            raise StepTimeout(f"the step took longer than its limit of {self.env.step_timeout:.0f} s")
        return out

    def _isolate(self, shape, step: dict, bucket: Bucket, label: str, record: StepRecord) -> Bucket:
        """Inside a try path: run the payloads one by one; those that fail go to the catch path."""
        kept: Bucket = []
        for number, payload in enumerate(bucket, start=1):
            try:
                out = self._execute_once(shape, step, [payload], record)
            except RunTimedOut:
                raise
            except Exception as exc:  # noqa: BLE001  (any failure of this payload sends it to catch)
                if isinstance(exc, StepTimeout) and self._past_deadline():
                    raise RunTimedOut() from exc
                message = str(exc) if isinstance(exc, ShapeError) else f"unexpected {type(exc).__name__}: {exc}"
                self.failed.append(FailedPayload(payload, label, message))
                self.env.log("warning", f"{label}: payload {number} failed ({message}); it goes to the catch path.",
                             step=step)
                continue
            if isinstance(out, Fork):
                raise StepFailed(step, "a route or branch cannot isolate failing payloads", bucket)
            kept += out
        record.status = "partial"
        return kept

    def _context(self, step: dict, bucket: Bucket, record: StepRecord) -> ShapeContext:
        def log(level: str, message: str, *, bucket: Bucket | None = None) -> None:
            self.env.log(level, message, step=step, bucket=bucket)

        def count_operations(n: int) -> None:
            self.operations += n
            record.operations += n

        def metered_as(instance_id: int, direction: str) -> None:
            record.instance_id, record.direction = instance_id, direction

        env = self.env
        deadline = time.monotonic() + env.step_timeout
        if self.deadline is not None:  # the run's own limit cuts a step short too
            deadline = min(deadline, self.deadline)
        # A log that keeps HTTP requests with their lines (runs.logbook.Logbook) has log_exchange.
        keeper = getattr(env.log, "log_exchange", None)

        def log_exchange(level: str, message: str, exchange: dict) -> None:
            keeper(level, message, exchange, step=step)

        return ShapeContext(
            config=step.get("config") or {}, bucket=bucket, log=log, flow_variables=env.flow_variables,
            now=env.now, company_id=env.company_id, run_id=env.run_id, flow_id=env.flow_id,
            step_id=str(step.get("id", "")),
            paths=[{k: v for k, v in p.items() if k != "steps"} for p in step.get("paths") or []],
            deadline=deadline, redis=env.redis, connectors=env.connectors,
            operations=count_operations, metered_as=metered_as, start_child_run=env.start_child_run, notify=env.notify,
            track=env.track, callback_respond=env.callback_respond, scripts=env.scripts, lookups=env.lookups,
            caches=env.caches, dedupe=env.dedupe, exchange_log=log_exchange if keeper else None)


@dataclass
class _CatchDone:
    """A resumed run whose target was in a catch path: the catch path was the end of the run."""

    bucket: Bucket


def _holds(steps: list[dict], target: str) -> bool:
    return any(str(s.get("id", "")) == target or any(_holds(p.get("steps", []), target) for p in s.get("paths") or [])
               for s in steps)


__all__ = ["Engine", "Environment", "RunResult", "StepRecord", "FailedPayload", "RunTimedOut", "step_label",
           "run_timeout_message"]
