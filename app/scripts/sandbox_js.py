"""The JavaScript language runner, loaded inside a sandbox child: V8 through mini-racer.

V8 gives the script its own heap with a hard limit and a timeout, and no host objects at all: no
require, no fetch, no file or network API. Each call runs the script in a fresh function scope, so
one payload never sees another's variables; console.log lines go to the run log.
"""
from __future__ import annotations

import json

# The script's text follows the header on the same line, so V8's line numbers match the editor's.
_HEADER = ("globalThis.__weft_run = function (__input) { const __logs = []; "
           "const __fmt = (a) => a.map((x) => typeof x === 'string' ? x : JSON.stringify(x)).join(' '); "
           "const console = { log: (...a) => { __logs.push(__fmt(a)); }, info: (...a) => { __logs.push(__fmt(a)); }, "
           "warn: (...a) => { __logs.push(__fmt(a)); }, error: (...a) => { __logs.push(__fmt(a)); } }; ")
_FOOTER = ("\n;if (typeof handle !== 'function') { throw new Error('__weft_contract__'); }\n"
           "const __out = handle(JSON.parse(__input));\n"
           "if (__out && typeof __out.then === 'function') { throw new Error('__weft_async__'); }\n"
           "return JSON.stringify({ result: __out === undefined ? null : __out, logs: __logs });\n};")
# Globals a data script has no use for and that allocate outside V8's heap or reach the host.
_REMOVED = ("WebAssembly", "SharedArrayBuffer", "Atomics", "setTimeout", "setInterval", "clearTimeout",
            "clearInterval", "queueMicrotask")


class ScriptFailure(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


_state: dict = {"racer": None, "timeout_ms": 1000, "max_memory": 64 * 1024 * 1024, "code": ""}


def prepare(timeout_seconds: float, memory_bytes: int) -> None:
    from py_mini_racer import MiniRacer

    racer = MiniRacer()
    racer.eval("1")  # starts the isolate (and its threads) while files are still reachable
    _state.update(racer=racer, timeout_ms=int(timeout_seconds * 1000), max_memory=int(memory_bytes))


def start(code: str) -> None:
    racer = _state["racer"]
    racer.eval(";".join(f"delete globalThis.{name}" for name in _REMOVED))
    _state["code"] = code
    _define()


def _define() -> None:
    from py_mini_racer import JSEvalException

    try:
        _state["racer"].eval(_HEADER + _state["code"] + _FOOTER)
    except JSEvalException as exc:
        raise ScriptFailure("syntax", _message(exc)) from None


def _message(exc: Exception) -> str:
    text = str(exc).strip()
    lines = [line for line in text.splitlines() if line.strip()]
    # V8's message is "<anonymous>:LINE: Error: text", then the source line, a caret and the stack.
    first = lines[0] if lines else text
    if first.startswith("<anonymous>:"):
        _, line, rest = first.split(":", 2)
        return f"{rest.strip()} (line {line})"
    return first


def call(data: dict) -> tuple[object, list[str]]:
    from py_mini_racer import JSEvalException, JSOOMException, JSTimeoutException

    racer = _state["racer"]
    try:
        raw = racer.call("__weft_run", json.dumps(data), timeout=_state["timeout_ms"], max_memory=_state["max_memory"])
    except JSTimeoutException:
        raise ScriptFailure("timeout", "timeout") from None
    except JSOOMException:
        raise ScriptFailure("memory", "the JavaScript heap limit was reached") from None
    except JSEvalException as exc:
        message = _message(exc)
        if "__weft_contract__" in message:
            raise ScriptFailure("contract", "The script must define a function handle(data) that returns "
                                            "the data.") from None
        if "allocation failed" in message or "Invalid array length" in message:
            raise ScriptFailure("memory", message) from None
        if "__weft_async__" in message:
            raise ScriptFailure("contract", "handle(data) must return the data itself, not a Promise: "
                                            "async functions are not supported.") from None
        raise ScriptFailure("runtime", message) from None
    out = json.loads(raw)
    return out["result"], [str(line) for line in out["logs"]]
