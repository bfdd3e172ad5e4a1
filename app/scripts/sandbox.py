"""The one execution service for custom scripts.

The script shape, the map's script transform, connector pre/post-request and response scripts and
pagination scripts all go through `ScriptRunner`: it finds the company's deployed version of a script
(another company's script does not exist for it), builds the seeds' input
`{payload, variables, meta, flow: {variables}, ...}`, runs `handle(data)` in the sandbox
(sandbox_process: a confined child process per language) and checks what came back. The test panel
uses `execute()` directly on unsaved code.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.flows.context import Payload
from app.scripts.sandbox_process import LANGUAGES, Limits, Sandbox, SandboxFailure

MAX_LOG_CHARS = 500  # the seeds' allowance for one execution's messages, in total
DEFAULT_TIMEOUT = 120.0  # spec §2.15
DEFAULT_MEMORY_MB = 256
RETRYABLE = ("runtime", "contract", "crash", "output")

KIND_LABELS = {
    "syntax": "has a syntax error", "runtime": "failed", "contract": "broke the script contract",
    "denied": "tried something scripts may not do", "timeout": "took too long", "memory": "used too much memory",
    "cpu": "used too much processor time", "output": "returned too much data", "crash": "crashed",
    "unavailable": "cannot run", "missing": "is not available",
}


class ScriptError(Exception):
    """A script that could not run or failed; the message names the script and says why, for the run log."""

    def __init__(self, message: str, kind: str = "runtime", logs: list[str] | None = None,
                 elapsed_ms: float = 0.0, peak_kb: int = 0):
        super().__init__(message)
        self.kind = kind
        self.logs = logs or []
        self.elapsed_ms = elapsed_ms
        self.peak_kb = peak_kb


@dataclass
class ScriptResult:
    data: dict  # what handle(data) returned
    logs: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0
    cpu_ms: float = 0.0
    peak_kb: int = 0
    isolation: dict = field(default_factory=dict)


def limits_from(config: Mapping | None, *, timeout: float | None = None) -> Limits:
    """Limits from the app config (SCRIPT_TIMEOUT_SECONDS, SCRIPT_MEMORY_MB), optionally capped."""
    config = config or {}
    seconds = float(config.get("SCRIPT_TIMEOUT_SECONDS") or DEFAULT_TIMEOUT)
    if timeout is not None:
        seconds = min(seconds, timeout)
    return Limits(timeout=seconds, memory_mb=int(config.get("SCRIPT_MEMORY_MB") or DEFAULT_MEMORY_MB))


def cut_logs(lines: list[Any]) -> list[str]:
    """Log messages as strings, MAX_LOG_CHARS in total; a cut is said."""
    out, used = [], 0
    for line in lines:
        text = line if isinstance(line, str) else json.dumps(line, ensure_ascii=False, default=str)
        if used + len(text) > MAX_LOG_CHARS:
            room = MAX_LOG_CHARS - used
            if room > 0:
                out.append(text[:room] + "…")
            out.append(f"(messages cut: a script may log {MAX_LOG_CHARS} characters per run of the script)")
            break
        out.append(text)
        used += len(text)
    return out


def script_input(payload: Any, *, variables: dict | None = None, meta: dict | None = None,
                 flow_variables: dict | None = None, **extra: Any) -> dict:
    """The seeds' input: payload (raw text for payload scripts), variables, meta and flow variables."""
    return {"payload": payload, "variables": dict(variables or {}), "meta": dict(meta or {}),
            "flow": {"variables": dict(flow_variables or {})}, **extra}


def payload_text(payload: Payload | None) -> str | None:
    if payload is None:
        return None
    if payload.format != "json" and isinstance(payload.data, str):
        return payload.data
    return payload.to_bytes().decode("utf-8", "replace")


def to_payload(value: Any, fmt: str, meta: dict) -> Payload:
    """The payload a script handed back: text that reads as JSON becomes JSON; other text keeps the input's
    format (XML, CSV, text), or text when the input was JSON; objects and lists are JSON."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[", '"') or fmt == "json":
            try:
                return Payload(data=json.loads(value), format="json", meta=meta)
            except ValueError:
                pass
        return Payload(data=value, format="text" if fmt == "json" else fmt, meta=meta)
    return Payload(data=value, format="json", meta=meta)


def execute(sandbox: Sandbox, language: str, code: str, data: dict, *, limits: Limits | None = None,
            name: str = "the script") -> ScriptResult:
    """Run handle(data) once; the result must be the data object. Raises ScriptError."""
    try:
        reply = sandbox.run(language, code, data, limits)
    except SandboxFailure as exc:
        raise ScriptError(f"Script '{name}' {KIND_LABELS.get(exc.kind, 'failed')}: {exc}", exc.kind,
                          logs=cut_logs(exc.logs), elapsed_ms=exc.elapsed_ms, peak_kb=exc.peak_kb) from None
    result = reply.result
    printed = list(reply.logs)
    if not isinstance(result, dict):
        raise ScriptError(f"Script '{name}' broke the script contract: handle(data) must return the data object "
                          f"(with its payload), not {_describe(result)}.", "contract", logs=cut_logs(printed),
                          elapsed_ms=reply.elapsed_ms, peak_kb=reply.peak_kb)
    returned = result.get("logs")
    if returned is not None and not isinstance(returned, list):
        returned = [returned]
    return ScriptResult(data=result, logs=cut_logs(printed + list(returned or [])), elapsed_ms=reply.elapsed_ms,
                        cpu_ms=reply.cpu_ms, peak_kb=reply.peak_kb, isolation=reply.isolation)


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return {list: "a list", str: "text", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__)


@dataclass(frozen=True)
class DeployedScript:
    id: int
    name: str
    language: str
    code: str
    version: int


class ScriptRunner:
    """Scripts of one company, for one run (or one request): finds deployed versions through `find`
    (app/scripts/finder.py reads the database; this module stays free of Flask for the engine) and runs
    them, keeping each script's sandbox child alive between payloads until close()."""

    def __init__(self, company_id: int, *, find: Callable[[str], DeployedScript] | None = None,
                 limits: Limits | None = None, reuse: bool = True):
        self.company_id = company_id
        self.find = find
        self.sandbox = Sandbox(limits or Limits(timeout=DEFAULT_TIMEOUT, memory_mb=DEFAULT_MEMORY_MB), reuse=reuse)
        self._found: dict[str, DeployedScript] = {}

    def script(self, ref: Any) -> DeployedScript:
        """The deployed version of a script of this company, by id or name."""
        key = str(ref if ref is not None else "").strip()
        if key in self._found:
            return self._found[key]
        if not key:
            raise ScriptError("No script was chosen.", "missing")
        if self.find is None:
            raise ScriptError("Custom scripts are not available here.", "unavailable")
        found = self._found[key] = self.find(key)
        return found

    def run(self, ref: Any, data: dict) -> ScriptResult:
        script = self.script(ref)
        return execute(self.sandbox, script.language, script.code, data, name=script.name)

    def run_payload(self, ref: Any, payload: Payload, *, variables: dict | None = None,
                    flow_variables: dict | None = None) -> tuple[Payload, ScriptResult]:
        """A payload script: the payload goes in as raw text; what comes back replaces it."""
        data = script_input(payload_text(payload), variables=variables, meta=payload.meta,
                            flow_variables=flow_variables)
        result = self.run(ref, data)
        meta = result.data.get("meta")
        meta = dict(meta) if isinstance(meta, dict) else dict(payload.meta)
        return to_payload(result.data.get("payload"), payload.format, meta), result

    def run_value(self, ref: Any, value: Any, *, meta: dict | None = None, flow_variables: dict | None = None) -> Any:
        """A field script (the map's script transform): the field's value goes in as `payload`, as it is."""
        return self.run(ref, script_input(value, meta=meta, flow_variables=flow_variables)).data.get("payload")

    def field_hook(self, flow_variables: dict | None = None):
        """The map's run_script(script, value) hook: script failures become transform errors."""
        from app.flows.transforms import TransformError

        def run_script(ref: Any, value: Any) -> Any:
            try:
                return self.run_value(ref, value, flow_variables=flow_variables)
            except ScriptError as exc:
                raise TransformError(str(exc)) from None
        return run_script

    def close(self) -> None:
        self.sandbox.close()


__all__ = ["LANGUAGES", "Limits", "ScriptError", "ScriptResult", "ScriptRunner", "execute", "limits_from",
           "script_input", "to_payload", "payload_text", "cut_logs", "RETRYABLE"]
