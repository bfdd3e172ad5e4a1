"""A throwaway Weft stack for benchmarks: its own Redis, database, web server and workers."""
from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

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
        wait_for_port(port)
        from app import create_app
        from app.extensions import db

        self.app = create_app()
        logging.getLogger("httpx").setLevel(logging.WARNING)  # a log line per request is the client's CPU
        with self.app.app_context():
            db.drop_all()
            db.create_all()

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


class LocalApi:
    """A small HTTP server on 127.0.0.1: GET /records?page=N serves pages, POST /ingest counts records."""

    def __init__(self, pages: int = 0, per_page: int = 0):
        self.received_records = 0
        self.received_requests = 0
        self.lock = threading.Lock()
        records = [{"id": i, "sku": f"SKU-{i % 977}", "qty": i % 7, "price": f"{i % 100}.50",
                    "name": f"Product {i}", "country": ("GB", "US", "DE", "FR")[i % 4]} for i in range(per_page)]
        page_body = json.dumps({"data": records}).encode()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                # Headers and body go out as two writes: without this, Nagle + delayed ACKs add 40 ms.
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                page = int(self.path.split("page=")[-1]) if "page=" in self.path else 1
                self._send(200, page_body if page <= pages else b'{"data": []}')

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                data = json.loads(body or b"null")
                with api.lock:
                    api.received_requests += 1
                    if isinstance(data, dict) and isinstance(data.get("data"), list):
                        data = data["data"]  # a flow-control batch that kept its wrapper
                    api.received_records += len(data) if isinstance(data, list) else 1
                self._send(200, b'{"ok": true}')

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()


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
