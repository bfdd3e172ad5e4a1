"""A sandbox child process: confines itself, then answers one JSON request per line (stdlib only).

Started by app/scripts/sandbox_process.py as `python -I -S -B sandbox_child.py` with an empty
environment in an empty temporary directory. The first line on stdin says the language, the code and
the limits; the child replies {"ok": true, "ready": true, "isolation": {...}} or the reason it cannot
start (a syntax error). Then each line {"data": {...}} gets one reply line: the result and log lines,
or the failure kind and message. It never writes anything else to the pipe.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import time


def _reply(out, message: dict) -> None:
    try:
        body = json.dumps(message, separators=(",", ":"), ensure_ascii=False, default=str)
    except (TypeError, ValueError) as exc:
        body = json.dumps({"ok": False, "kind": "contract",
                           "error": f"handle(data) returned something that is not JSON: {exc}"})
    except MemoryError:
        body = '{"ok":false,"kind":"memory","error":"MemoryError"}'
    out.write(body.encode("utf-8", "replace") + b"\n")
    out.flush()


def _peak_kb(status) -> int:
    if status is not None:
        try:
            status.seek(0)
            for line in status.read().splitlines():
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
        except (OSError, ValueError):
            pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import sandbox_harden

    stdin = sys.stdin.buffer
    init = json.loads(stdin.readline() or b"{}")
    out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # stray writes to fd 1 must not corrupt the protocol
    os.close(devnull)
    language = init.get("language")
    timeout = float(init.get("timeout", 30))
    memory = int(init.get("memory_mb", 256)) * 1024 * 1024

    isolation = sandbox_harden.enter_namespaces()  # while single-threaded: V8 starts threads
    if language == "python":
        import sandbox_python as runner

        runner.prepare()
        kind = "address_space"
    elif language == "javascript":
        sys.path.extend(init.get("paths") or [])
        import sandbox_js as runner

        runner.prepare(timeout, memory)
        kind = "data"
    else:
        _reply(out, {"ok": False, "kind": "contract", "error": f"unknown language {language!r}"})
        return 2
    baseline = sandbox_harden.memory_baseline()
    # Opened before the file system disappears: the peak resident memory of this process image only
    # (ru_maxrss would include the parent's size from before exec).
    try:
        status = open("/proc/self/status", "rb")  # noqa: SIM115 - kept open for the child's life
    except OSError:
        status = None
    isolation.update(sandbox_harden.lock_down(
        os.getcwd(), cpu_seconds=max(1, int(init.get("cpu_seconds", timeout) + 0.999)), memory_bytes=memory,
        memory_kind=kind, baseline=baseline, single_process=language == "python"))
    try:
        runner.start(init.get("code") or "")
    except runner.ScriptFailure as exc:
        _reply(out, {"ok": False, "kind": exc.kind, "error": str(exc)})
        return 0
    except SyntaxError as exc:
        _reply(out, {"ok": False, "kind": "syntax", "error": f"SyntaxError: {exc.msg} (line {exc.lineno})"})
        return 0
    _reply(out, {"ok": True, "ready": True, "isolation": isolation})

    while True:
        line = stdin.readline()
        if not line:
            return 0
        started = time.process_time()
        try:
            request = json.loads(line)
            result, logs = runner.call(request.get("data") or {})
            reply = {"ok": True, "result": result, "logs": logs}
        except runner.ScriptFailure as exc:
            reply = {"ok": False, "kind": exc.kind, "error": str(exc)}
        except MemoryError:
            reply = {"ok": False, "kind": "memory", "error": "MemoryError"}
        reply["cpu_ms"] = (time.process_time() - started) * 1000
        reply["peak_kb"] = _peak_kb(status)
        _reply(out, reply)


if __name__ == "__main__":
    sys.exit(main())
