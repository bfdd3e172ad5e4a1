"""Browser fixtures: a live Weft server (CSRF on), a real worker process and Debian's Chromium."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from tests.conftest import free_port

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def live_server(app, redis_server, database_url, tmp_path):
    """Serves a CSRF-protected app on a random loopback port in a thread; yields its base URL."""
    served = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_server,
                         "INSTANCE_PATH": str(tmp_path), "SSE_PING_SECONDS": 1})
    port = free_port()
    server = make_server("127.0.0.1", port, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture
def worker_process(redis_server, database_url, tmp_path):
    """start() launches `python worker.py` exactly as the Procfile does, against the test services."""
    procs = []

    def start():
        env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_server, WEFT_INSTANCE_PATH=str(tmp_path),
                   WEFT_RETRY_DELAY_SECONDS="0")
        proc = subprocess.Popen([sys.executable, str(ROOT / "worker.py")], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()
