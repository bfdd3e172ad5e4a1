"""The embedded Redis: started on demand on a unix socket under instance/, shared, and stopped with Weft."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import redis

from app import redis_local


def test_ensure_starts_one_server_that_later_callers_share(tmp_path):
    script = textwrap.dedent(f"""
        import sys, redis
        from app import redis_local
        url = redis_local.ensure({str(tmp_path)!r})
        redis.Redis.from_url(url).set("weft:probe", "hello")
        print(url)
        sys.stdout.flush()
        sys.stdin.readline()  # stay up until the test says so
    """)
    owner = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    url = owner.stdout.readline().strip()
    assert url == f"unix://{tmp_path.resolve() / 'redis.sock'}"

    # a second Weft process reuses the running server instead of starting another
    assert redis_local.ensure(tmp_path) == url
    assert redis.Redis.from_url(url).get("weft:probe") == b"hello"

    owner.communicate("\n", timeout=10)  # the owner exits: its server stops with it
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
        alive = True
    except redis.ConnectionError:
        alive = False
    assert not alive
