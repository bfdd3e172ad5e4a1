"""A throwaway Weft stack for benchmarks: its own Redis, database, web server and workers."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import orjson

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answered on port {port}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_or_zero(pid: int) -> float:
    try:
        return cpu_seconds(pid)
    except (FileNotFoundError, ProcessLookupError):  # a PostgreSQL backend that ended meanwhile
        return 0.0


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on this machine (the bench's backends among them; another
    database's work on the same server would be counted too)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class Stack:
    """Starts redis-server, then (on demand) gunicorn and RQ workers with the same environment."""

    def __init__(self):
        # A stopped bench (SIGTERM) still stops its processes; a background shell ignores SIGINT.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        self.dir = Path(tempfile.mkdtemp(prefix="weft-bench-"))
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.web: subprocess.Popen | None = None
        os.environ["WEFT_INSTANCE_PATH"] = str(self.dir)
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{self.dir / 'bench.db'}")
        os.environ["WEFT_RETRY_DELAY_SECONDS"] = "0"
        os.environ.setdefault("WEFT_SECRET_KEY", "bench-secret")
        from app.redis_local import server_binary

        port = free_port()
        self.procs.append(subprocess.Popen([server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                            "--appendonly", "no", "--dir", str(self.dir)], stdout=subprocess.DEVNULL))
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        try:
            wait_for_port(port)
            self.app = self._create_app()
        except BaseException:
            self.stop()  # the caller's try/finally starts after the constructor: Redis would outlive the bench
            raise

    @staticmethod
    def _create_app():
        from app import create_app
        from app.extensions import db

        app = create_app()
        logging.getLogger("httpx").setLevel(logging.WARNING)  # a log line per request is the client's CPU
        with app.app_context():
            db.drop_all()
            db.create_all()
        return app

    def start_web(self, threads: int = 16) -> str:
        port = free_port()
        self.web = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads",
             str(threads), "--worker-class", "gthread", "--log-level", "warning", "app:create_app()"],
            cwd=ROOT, stdout=subprocess.DEVNULL)
        self.procs.append(self.web)
        wait_for_port(port)
        return f"http://127.0.0.1:{port}"

    def start_workers(self, count: int) -> None:
        # BENCH_PROFILE=<folder>: each worker runs under cProfile and writes worker-<n>.prof there when
        # the stack stops (RQ's warm shutdown on SIGTERM lets the profile be written).
        profile = os.environ.get("BENCH_PROFILE")
        for n in range(count):
            wrap = ["-m", "cProfile", "-o", f"{profile}/worker-{n}.prof"] if profile else []
            self.workers.append(subprocess.Popen([sys.executable, *wrap, str(ROOT / "worker.py")], cwd=ROOT,
                                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.procs += self.workers
        time.sleep(2)  # let them connect before any clock starts

    def process_ids(self) -> dict[str, list[int]]:
        """The stack's processes by role (gunicorn's serving processes, not its arbiter)."""
        web = []
        if self.web is not None:
            children = Path(f"/proc/{self.web.pid}/task/{self.web.pid}/children")
            web = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        roles = {"redis": [self.procs[0].pid], "web": web, "workers": [proc.pid for proc in self.workers]}
        if os.environ["DATABASE_URL"].startswith("postgresql"):
            roles["postgres"] = postgres_pids()
        return roles

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by each role; the difference over a run of the bench, divided by the
        runs, is the CPU each run cost (steadier than runs/s on a shared machine)."""
        return {role: sum(_cpu_or_zero(pid) for pid in pids) for role, pids in self.process_ids().items()}

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)  # the bench's database, payloads and Redis files


def _header(head: bytes, name: bytes) -> bytes | None:
    """A header's value in a lower-cased HTTP head; name is lower-case and ends with its colon."""
    start = head.find(b"\r\n" + name)
    if start < 0:
        return None
    start += len(name) + 2
    end = head.find(b"\r\n", start)
    return head[start:end if end >= 0 else len(head)].strip()


def _response(status: str, body: bytes) -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body)


def count_records(body: bytes) -> int:
    """Records in a JSON body: a list's items, a flow-control batch's "data" list (the wrapper it kept), else one."""
    data = orjson.loads(body or b"null")
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]
    return len(data) if isinstance(data, list) else 1


class _ApiConnection(asyncio.BufferedProtocol):
    """One keep-alive connection to LocalApi: parses each request's head, takes Content-Length bytes of
    body and answers from pre-encoded responses."""

    def __init__(self, api: LocalApi):
        self.api = api
        self.buffer = bytearray()
        # A buffered protocol reads into this: a plain Protocol's 256 KiB read buffer is allocated and
        # freed per request (mmap, mremap and munmap calls that cost more than the request itself).
        self.chunk = memoryview(bytearray(65536))
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport  # asyncio sets TCP_NODELAY on TCP transports
        self.api._connections.add(transport)

    def connection_lost(self, exc) -> None:
        self.api._connections.discard(self.transport)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.chunk

    def buffer_updated(self, nbytes: int) -> None:
        self.buffer += self.chunk[:nbytes]
        while (head_end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = bytes(self.buffer[:head_end]).lower()
            if _header(head, b"transfer-encoding:") is not None:  # a streamed body, which no flow sends here
                self._answer_and_close(_response("411 Length Required", b'{"error": "Content-Length required"}'))
                return
            end = head_end + 4 + int(_header(head, b"content-length:") or 0)
            if len(self.buffer) < end:
                return
            body = bytes(self.buffer[head_end + 4:end])
            del self.buffer[:end]
            self._respond(head, body)

    def _respond(self, head: bytes, body: bytes) -> None:
        method, target, version = head.partition(b"\r\n")[0].split(b" ", 2)
        answer = self.api._answer(method, target, body)
        if version == b"http/1.1" and _header(head, b"connection:") != b"close":
            self.transport.write(answer)
        else:
            self._answer_and_close(answer)

    def _answer_and_close(self, answer: bytes) -> None:
        self.transport.write(answer)
        self.transport.close()
        self.buffer.clear()


class LocalApi:
    """A small HTTP/1.1 keep-alive server on 127.0.0.1: GET /records?page=N serves pages, POST /ingest counts records.

    Its asyncio loop runs in a background thread of the bench's process, whose CPU is taken from the stack
    under test: requests are parsed no further than their head and Content-Length, and answers are pre-encoded."""

    def __init__(self, pages: int = 0, per_page: int = 0):
        self.received_records = 0
        self.received_requests = 0
        self.lock = threading.Lock()
        records = [{"id": i, "sku": f"SKU-{i % 977}", "qty": i % 7, "price": f"{i % 100}.50",
                    "name": f"Product {i}", "country": ("GB", "US", "DE", "FR")[i % 4]} for i in range(per_page)]
        self.pages = pages
        self._page = _response("200 OK", json.dumps({"data": records}).encode())
        self._last_page = _response("200 OK", b'{"data": []}')
        self._ok = _response("200 OK", b'{"ok": true}')
        self._connections: set[asyncio.Transport] = set()
        ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve(ready)), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the local API did not start")
        self.url = f"http://127.0.0.1:{self._port}"

    async def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = self._loop.create_future()
        server = await self._loop.create_server(lambda: _ApiConnection(self), "127.0.0.1", 0)
        self._port = server.sockets[0].getsockname()[1]
        ready.set()
        async with server:
            await self._stopped
        for transport in list(self._connections):
            transport.close()
        await asyncio.sleep(0)  # lets the closed transports finish

    def _answer(self, method: bytes, target: bytes, body: bytes) -> bytes:
        if method == b"get":
            page = int(target.split(b"page=")[-1]) if b"page=" in target else 1
            return self._page if page <= self.pages else self._last_page
        if method != b"post":
            return _response("501 Not Implemented", b'{"error": "unsupported method"}')
        try:
            records = count_records(body)
        except orjson.JSONDecodeError:
            return _response("400 Bad Request", b'{"error": "invalid JSON"}')
        with self.lock:
            self.received_requests += 1
            self.received_records += records
        return self._ok

    def close(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopped.set_result, None)
            self._thread.join(10)


class KeepAliveConnection:
    """One HTTP/1.1 keep-alive client connection for load generation. It sends pre-built requests and reads back
    only the status and Content-Length, as a real load generator would: httpx's per-request work ran in the
    bench's process, on the cores of the stack under test."""

    def __init__(self, host: str, port: int):
        self.address = (host, port)
        self.buffer = bytearray()
        self.request = b""
        self.reused = False
        self.sock = self._connect()

    def _connect(self) -> socket.socket:
        self.opened = time.monotonic()  # a connection idle past the server's keep-alive may be closed unused
        sock = socket.create_connection(self.address, timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def fileno(self) -> int:
        return self.sock.fileno()

    def send(self, request: bytes) -> None:
        self.request = request
        try:
            self.sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            self._resend()

    def read(self) -> int | None:
        """Reads what has arrived: the status once the whole response is in, else None (call again when
        the socket is readable)."""
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self._resend()
            return None
        self.buffer += chunk
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return None
        head = bytes(self.buffer[:head_end]).lower()
        if _header(head, b"transfer-encoding:") is not None:
            raise ConnectionError("a chunked response: this client reads Content-Length bodies only")
        end = head_end + 4 + int(_header(head, b"content-length:") or 0)
        if len(self.buffer) < end:
            return None
        del self.buffer[:end]
        self.reused = True
        if _header(head, b"connection:") == b"close":
            self._reconnect()
        return int(head[9:12])

    def _resend(self) -> None:
        # gunicorn closes a keep-alive connection left idle for its keepalive (2 s): the request it never
        # read goes again on a new connection, as httpx's pool would do.
        if self.buffer or (not self.reused and time.monotonic() - self.opened < 1):
            raise ConnectionError(f"{self.address} closed the connection before answering")
        self._reconnect()
        self.sock.sendall(self.request)

    def _reconnect(self) -> None:
        self.sock.close()
        self.sock = self._connect()
        self.reused = False

    def post(self, request: bytes) -> int:
        self.send(request)
        while (status := self.read()) is None:
            pass
        return status

    def close(self) -> None:
        self.sock.close()


def build_post(url: str, body: bytes) -> bytes:
    """A whole HTTP/1.1 POST of a JSON body, built once and sent as many times as needed."""
    parts = urlsplit(url)
    target = f"{parts.path}?{parts.query}" if parts.query else parts.path or "/"
    return (f"POST {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def connect(url: str) -> KeepAliveConnection:
    parts = urlsplit(url)
    return KeepAliveConnection(parts.hostname, parts.port or 80)


def post_concurrently(url: str, body: bytes, count: int, concurrency: int = 8) -> list[int]:
    """POSTs body to url count times with `concurrency` requests in flight, one per keep-alive connection (each
    sends its next request as soon as its last is answered); the statuses, in the order they were answered."""
    request = build_post(url, body)
    connections = [connect(url) for _ in range(min(concurrency, count))]
    statuses: list[int] = []
    try:
        for connection in connections:
            connection.send(request)
        sent, busy = len(connections), list(connections)
        while busy:
            readable, _, _ = select.select(busy, [], [], 30)
            if not readable:
                raise TimeoutError(f"{url}: no answer in 30 s")
            for connection in readable:
                status = connection.read()
                if status is None:
                    continue
                statuses.append(status)
                if sent < count:
                    connection.send(request)
                    sent += 1
                else:
                    busy.remove(connection)
    finally:
        for connection in connections:
            connection.close()
    return statuses


def post_paced(url: str, body: bytes, count: int, rate: float, connections: int = 16) -> list[int]:
    """POSTs body to url count times at `rate` per second (open loop: request i is due at i / rate s, sent
    on any connection that is free, so a slow answer does not slow the offered load until every
    connection waits); the statuses, in the order they were answered."""
    request = build_post(url, body)
    pool = [connect(url) for _ in range(min(connections, count))]
    idle, busy, statuses = list(pool), [], []
    started, sent = time.perf_counter(), 0
    try:
        while len(statuses) < count:
            now = time.perf_counter() - started
            while sent < count and idle and sent / rate <= now:
                connection = idle.pop()
                connection.send(request)
                busy.append(connection)
                sent += 1
            wait = max(0.0, sent / rate - now) if sent < count and idle else 30
            readable, _, _ = select.select(busy, [], [], wait) if busy else ([], [], time.sleep(wait))
            if busy and not readable and wait >= 30:
                raise TimeoutError(f"{url}: no answer in 30 s")
            for connection in readable:
                status = connection.read()
                if status is not None:
                    statuses.append(status)
                    busy.remove(connection)
                    idle.append(connection)
    finally:
        for connection in pool:
            connection.close()
    return statuses


def http_connector(base_url: str) -> dict:
    return {"key": "bench-api", "name": "Bench API", "version": "1", "category": "other", "base_url": base_url,
            "variables": [], "auth_methods": [{"key": "none", "name": "No auth", "type": "none", "variables": []}],
            "endpoints": [
                {"key": "list_records", "name": "List records", "direction": "receive", "method": "GET",
                 "path": "/records", "data_type": "json", "records_path": "data",
                 "pagination": {"type": "page_number", "page_param": "page", "data_path": "data"}},
                {"key": "ingest", "name": "Ingest", "direction": "send", "method": "POST", "path": "/ingest",
                 "data_type": "json"}]}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]
