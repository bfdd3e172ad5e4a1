"""The parent side of the sandbox: starts confined child processes, talks JSON lines to them, enforces the
wall clock and the output size, and turns every way a child can die into a SandboxFailure.

A `Sandbox` keeps one live child per (language, code) so that a run calling the same script for many
payloads pays the start-up once; a child that timed out, ran out of memory or crashed is thrown away.
No Flask and no database here.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

CHILD = Path(__file__).with_name("sandbox_child.py")
LANGUAGES = {"python": "Python 3", "javascript": "JavaScript"}
START_SECONDS = 15.0  # start-up allowance on top of the script's own limit (a cold V8 takes ~0.1 s)
STDERR_TAIL = 4096


@dataclass(frozen=True)
class Limits:
    timeout: float = 30.0  # wall-clock seconds per call
    memory_mb: int = 256
    max_output_bytes: int = 64 * 1024 * 1024
    cpu_seconds: float | None = None  # None: the timeout

    @property
    def cpu(self) -> float:
        # A second above the wall clock: a busy loop uses at most one CPU second per second, so the
        # wall-clock limit the user set is what stops it; the CPU rlimit is only the backstop.
        return self.cpu_seconds or self.timeout + 1


class SandboxFailure(Exception):
    """kind: syntax | runtime | contract | denied | timeout | memory | cpu | output | crash | unavailable."""

    def __init__(self, kind: str, message: str, *, logs: list[str] | None = None, elapsed_ms: float = 0.0,
                 peak_kb: int = 0):
        super().__init__(message)
        self.kind = kind
        self.logs = logs or []
        self.elapsed_ms = elapsed_ms
        self.peak_kb = peak_kb


@dataclass
class Reply:
    result: object
    logs: list[str]
    elapsed_ms: float
    cpu_ms: float
    peak_kb: int
    isolation: dict


def _js_paths() -> list[str]:
    spec = importlib.util.find_spec("py_mini_racer")
    if spec is None or not spec.origin:
        raise SandboxFailure("unavailable", "JavaScript scripts need the mini-racer package, which is not installed "
                                            "on this server (pip install -r requirements.txt).")
    return [str(Path(spec.origin).parent.parent)]


class Child:
    """One confined process running one script."""

    def __init__(self, language: str, code: str, limits: Limits):
        self.language = language
        self.limits = limits
        self.cpu_ms = 0.0
        self.dead = False
        self.workdir = tempfile.mkdtemp(prefix="weft-sandbox-")
        init = {"language": language, "code": code, "timeout": limits.timeout, "cpu_seconds": limits.cpu,
                "memory_mb": limits.memory_mb, "paths": _js_paths() if language == "javascript" else []}
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-B", str(CHILD)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, cwd=self.workdir, env={}, close_fds=True, start_new_session=True)
        self._buffer = b""
        self._stderr = b""
        started = time.monotonic()
        reply = self._exchange(init, START_SECONDS + limits.timeout)
        if not reply.get("ok"):
            self.close()
            raise SandboxFailure(reply.get("kind", "crash"), reply.get("error") or "the sandbox did not start",
                                 elapsed_ms=(time.monotonic() - started) * 1000)
        self.isolation = reply.get("isolation") or {}

    # -- talking ------------------------------------------------------------------------------------
    def call(self, data: dict) -> Reply:
        started = time.monotonic()
        grace = 1.0 if self.language == "javascript" else 0.0  # V8 stops itself first, with a clearer message
        try:
            reply = self._exchange({"data": data}, self.limits.timeout + grace)
        except SandboxFailure as exc:
            exc.elapsed_ms = (time.monotonic() - started) * 1000
            raise
        elapsed = (time.monotonic() - started) * 1000
        self.cpu_ms += float(reply.get("cpu_ms") or 0)
        peak = int(reply.get("peak_kb") or 0)
        if not reply.get("ok"):
            kind = reply.get("kind", "runtime")
            message = reply.get("error") or "the script failed"
            if kind in ("timeout", "memory"):
                self.close()  # V8 or Python may be left in a poor state; a fresh child costs little
                message = self._limit_message(kind, message)
            raise SandboxFailure(kind, message, elapsed_ms=elapsed, peak_kb=peak)
        return Reply(result=reply.get("result"), logs=list(reply.get("logs") or []), elapsed_ms=elapsed,
                     cpu_ms=float(reply.get("cpu_ms") or 0), peak_kb=peak, isolation=self.isolation)

    def _exchange(self, message: dict, seconds: float) -> dict:
        body = json.dumps(message, separators=(",", ":"), ensure_ascii=False, default=str).encode() + b"\n"
        deadline = time.monotonic() + seconds
        try:
            self._write(body, deadline)
            line = self._read_line(deadline)
        except _Died:
            raise self._death() from None
        try:
            return json.loads(line)
        except ValueError:
            self.close()
            raise SandboxFailure("crash", "the script broke the sandbox protocol (it wrote to the output channel)") \
                from None

    def _write(self, body: bytes, deadline: float) -> None:
        fd = self.proc.stdin.fileno()
        os.set_blocking(fd, False)
        view = memoryview(body)
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_WRITE)
            while view:
                if not sel.select(max(0.0, deadline - time.monotonic())):
                    self._timeout()
                try:
                    view = view[os.write(fd, view[:65536]):]
                except BlockingIOError:
                    continue
                except (BrokenPipeError, OSError):
                    raise _Died() from None

    def _read_line(self, deadline: float) -> bytes:
        out_fd, err_fd = self.proc.stdout.fileno(), self.proc.stderr.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(out_fd, selectors.EVENT_READ)
            sel.register(err_fd, selectors.EVENT_READ)
            open_fds = {out_fd, err_fd}
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                events = sel.select(max(0.0, remaining)) if remaining > 0 else []
                if not events:
                    self._timeout()
                for key, _ in events:
                    chunk = os.read(key.fd, 1 << 16)
                    if key.fd == err_fd:
                        self._stderr = (self._stderr + chunk)[-STDERR_TAIL:]
                        if not chunk:
                            sel.unregister(err_fd)
                            open_fds.discard(err_fd)
                        continue
                    if not chunk:
                        raise _Died()
                    self._buffer += chunk
                    if len(self._buffer) > self.limits.max_output_bytes:
                        self.close()
                        raise SandboxFailure("output", f"the script returned more than "
                                                       f"{self.limits.max_output_bytes // (1024 * 1024)} MB")
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _limit_message(self, kind: str, detail: str = "") -> str:
        if kind == "timeout":
            return f"the script ran longer than its limit of {self.limits.timeout:g} s and was stopped"
        extra = f" ({detail})" if detail and detail != "MemoryError" else ""
        return f"the script needed more than its {self.limits.memory_mb} MB of memory{extra}"

    def _timeout(self):
        self.close()
        raise SandboxFailure("timeout", self._limit_message("timeout"))

    def _death(self) -> SandboxFailure:
        status = self.close()
        stderr = self._stderr.decode("utf-8", "replace")
        if status is not None and status < 0:
            sig = -status
            if sig == signal.SIGXCPU:
                return SandboxFailure("cpu", f"the script used more than {self.limits.cpu:g} s of processor time "
                                             "and was stopped")
            if sig == signal.SIGKILL:
                return SandboxFailure("cpu", "the script was stopped by the system (processor or memory limit)")
        if "out of memory" in stderr.lower() or "MemoryError" in stderr:
            return SandboxFailure("memory", self._limit_message("memory"))
        detail = f" (exit status {status})" if status is not None else ""
        return SandboxFailure("crash", f"the script's sandbox stopped unexpectedly{detail}")

    # -- ending -------------------------------------------------------------------------------------
    def close(self) -> int | None:
        """Kill the child's whole process group, reap it and remove its directory; returns its exit status."""
        if self.dead:
            return self.proc.returncode
        self.dead = True
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
        shutil.rmtree(self.workdir, ignore_errors=True)
        return self.proc.returncode


class _Died(Exception):
    pass


class Sandbox:
    """Runs code in confined children, reusing one child per script while it stays healthy."""

    def __init__(self, limits: Limits | None = None, *, reuse: bool = True, max_children: int = 4):
        self.limits = limits or Limits()
        self.reuse = reuse
        self.max_children = max_children
        self._children: dict[tuple[str, str], Child] = {}

    def run(self, language: str, code: str, data: dict, limits: Limits | None = None) -> Reply:
        if language not in LANGUAGES:
            raise SandboxFailure("unavailable", f"Scripts in '{language}' cannot run here; choose Python or "
                                                "JavaScript.")
        limits = limits or self.limits
        key = (language, hashlib.sha256(f"{limits}\0{code}".encode()).hexdigest())
        child = self._children.pop(key, None)
        if child is not None and (child.dead or child.cpu_ms > limits.cpu * 500):
            child.close()  # RLIMIT_CPU counts the child's whole life: retire it at half the allowance
            child = None
        started = time.monotonic()
        if child is None:
            child = Child(language, code, limits)
        try:
            reply = child.call(data)
        except SandboxFailure as exc:
            if exc.elapsed_ms == 0:
                exc.elapsed_ms = (time.monotonic() - started) * 1000
            self._keep(key, child)
            raise
        self._keep(key, child)
        reply.elapsed_ms = (time.monotonic() - started) * 1000  # a new child's start-up counts too
        return reply

    def _keep(self, key, child: Child) -> None:
        if not self.reuse or child.dead:
            child.close()
            return
        self._children[key] = child
        while len(self._children) > self.max_children:
            oldest = next(iter(self._children))
            self._children.pop(oldest).close()

    def close(self) -> None:
        for child in self._children.values():
            child.close()
        self._children.clear()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
