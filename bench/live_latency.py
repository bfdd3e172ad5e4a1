"""Live-log latency: from the engine writing a log line to an SSE subscriber receiving it, p50/p95,
with 1, 10 and 50 people watching the same run, and how long the run took each time (viewers must
not slow the worker).

    .venv/bin/python bench/live_latency.py [--steps 60] [--viewers 1,10,50]

A real web server (werkzeug, threaded) and a real `python worker.py` process, a throwaway SQLite
database (or $DATABASE_URL) and its own redis-server on a random port; instance/ is never touched.
Latency is the receive time minus the row's created_at, which the run's logbook stamps when the
engine hands it the line. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def definition(steps: int) -> dict:
    rows = ",".join(f'{{"id": {i}, "name": "Item {i}"}}' for i in range(300))
    out = [{"id": "p", "type": "manual_payload", "version": 1, "config": {"format": "json", "body": f"[{rows}]"}}]
    out += [{"id": f"m{i}", "type": "map", "version": 1, "config": {"rules": [
        {"source": "id", "target": "id"}, {"source": "name", "target": "name"}]}} for i in range(steps)]
    return {"trigger": {"type": "manual", "config": {}}, "steps": out}


def viewer(base: str, cookies: dict, run_id: int, received: dict, ready: threading.Barrier) -> None:
    import httpx

    with httpx.Client(base_url=base, cookies=cookies, timeout=120) as client, \
            client.stream("GET", f"/runs/{run_id}/stream?after=0") as response:
        event, ident, waited = None, None, False
        for line in response.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("id: "):
                ident = int(line[4:])
            elif line == "":
                if event == "log" and ident is not None:
                    received.setdefault(ident, time.time())
                if event == "status" and not waited:
                    waited = True
                    ready.wait()  # connected and caught up: the worker may start
                if event == "done":
                    return
                event, ident = None, None


def viewers_process(base: str, session: str, run_id: int, count: int) -> None:
    """Runs in its own process (so the viewers' parsing does not share the web server's GIL): prints
    READY once every viewer is connected, then one JSON line of receive times per viewer."""
    ready = threading.Barrier(count + 1)
    per_viewer: list[dict] = [{} for _ in range(count)]
    threads = [threading.Thread(target=viewer, args=(base, {"session": session}, run_id, per_viewer[i], ready),
                                daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    ready.wait()
    print("READY", flush=True)
    for thread in threads:
        thread.join(timeout=300)
    for got in per_viewer:
        print(json.dumps(got), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--viewers", default="1,10,50")
    parser.add_argument("--watch", nargs=4, help=argparse.SUPPRESS)  # internal: the viewers' process
    args = parser.parse_args()
    if args.watch:
        base, session, run_id, count = args.watch
        viewers_process(base, session, int(run_id), int(count))
        return

    workdir = Path(tempfile.mkdtemp(prefix="weft-bench-"))
    os.environ["WEFT_INSTANCE_PATH"] = str(workdir)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.db'}")
    from app.redis_local import server_binary

    port = free_port()
    redis_proc = subprocess.Popen([server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", str(workdir)], stdout=subprocess.DEVNULL)
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    time.sleep(0.3)

    import httpx
    from werkzeug.serving import make_server

    from app import create_app
    from app.extensions import db
    from app.runs import services
    from app.runs.models import Run, RunLog
    from tests import factories

    app = create_app({"WTF_CSRF_ENABLED": False})
    web_port = free_port()
    server = make_server("127.0.0.1", web_port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{web_port}"
    results = []
    try:
        with app.app_context():
            db.drop_all()
            db.create_all()
            company = factories.company("Bench Ltd", tier="custom")
            user = factories.user(company, role="user")
            flow = factories.flow(company, name="Bench flow", definition=definition(args.steps))
            email = user.email
            login = httpx.post(f"{base}/login", data={"email": email, "password": factories.PASSWORD})
            cookies = dict(login.cookies)
            for count in [int(n) for n in args.viewers.split(",")]:
                run = services.start_run(flow, trigger="schedule")
                watchers = subprocess.Popen([sys.executable, __file__, "--watch", base, cookies["session"],
                                             str(run.id), str(count)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
                assert watchers.stdout.readline().strip() == "READY"
                env = dict(os.environ, WEFT_RETRY_DELAY_SECONDS="0")
                worker = subprocess.Popen([sys.executable, str(ROOT / "worker.py")], cwd=ROOT, env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                per_viewer = [{int(k): v for k, v in json.loads(line).items()} for line in watchers.stdout]
                watchers.wait(timeout=60)
                worker.terminate()
                worker.wait(timeout=10)
                db.session.expire_all()
                run = db.session.get(Run, run.id)
                rows = {r.id: r.created_at.replace(tzinfo=UTC).timestamp()
                        for r in db.session.query(RunLog).filter_by(run_id=run.id)}
                delays = sorted((got[i] - rows[i]) * 1000 for got in per_viewer for i in got if i in rows)
                complete = all(set(got) == set(rows) for got in per_viewer)
                results.append((count, len(rows), delays, (run.finished_at - run.started_at).total_seconds(),
                                complete, run.status))
    finally:
        server.shutdown()
        redis_proc.terminate()

    def pct(values, p):
        return values[min(len(values) - 1, int(p * len(values)))]

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"database {os.environ['DATABASE_URL'].split(':')[0]}")
    print(f"flow: manual payload (300 records) -> {args.steps} map steps; one worker process; werkzeug threaded server")
    for count, lines, delays, seconds, complete, status in results:
        print(f"viewers {count:>3}: {lines} lines each, run {status} in {seconds * 1000:.0f} ms; engine -> viewer "
              f"p50 {statistics.median(delays):.1f} ms, p95 {pct(delays, 0.95):.1f} ms, max {delays[-1]:.1f} ms; "
              f"every viewer got every line: {'yes' if complete else 'NO'}")


if __name__ == "__main__":
    main()
