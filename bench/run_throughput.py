"""Runs per second and enqueue-to-finish latency of the demo flow on real RQ workers.

    .venv/bin/python bench/run_throughput.py [--runs 500] [--workers 1]

Uses a throwaway SQLite database (or $DATABASE_URL) and its own redis-server on a random port, so it
never touches instance/. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="weft-bench-"))
    os.environ["WEFT_INSTANCE_PATH"] = str(workdir)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.db'}")
    from app.redis_local import server_binary

    port = free_port()
    redis_proc = subprocess.Popen([server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", str(workdir)], stdout=subprocess.DEVNULL)
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    time.sleep(0.3)

    from app import create_app, demo
    from app.extensions import db
    from app.flows.models import Flow
    from app.runs import services
    from app.runs.models import Run

    app = create_app()
    workers = []
    try:
        with app.app_context():
            db.drop_all()
            db.create_all()
            demo.seed()
            flow = db.session.execute(db.select(Flow).limit(1)).scalar_one()
            env = dict(os.environ, WEFT_RETRY_DELAY_SECONDS="0")
            workers = [subprocess.Popen([sys.executable, str(ROOT / "worker.py")], cwd=ROOT, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                       for _ in range(args.workers)]
            time.sleep(2)  # let the workers connect before the clock starts
            started = time.perf_counter()
            for _ in range(args.runs):
                services.start_run(flow)
            enqueued = time.perf_counter() - started
            while True:
                db.session.expire_all()
                done = db.session.execute(db.select(db.func.count()).select_from(Run)
                                          .where(Run.finished_at.is_not(None))).scalar_one()
                if done >= args.runs:
                    break
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            runs = db.session.execute(db.select(Run)).scalars().all()
            latencies = sorted((r.finished_at - r.created_at).total_seconds() * 1000 for r in runs)
            statuses = {s: sum(1 for r in runs if r.status == s) for s in {r.status for r in runs}}
    finally:
        for w in workers:
            w.terminate()
        redis_proc.terminate()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"database {os.environ['DATABASE_URL'].split(':')[0]}")
    print(f"runs: {args.runs} of the demo flow (manual payload -> map), workers: {args.workers}, statuses: {statuses}")
    print(f"enqueue: {args.runs / enqueued:,.0f} runs/s")
    print(f"throughput: {args.runs / elapsed:,.1f} finished runs/s")
    print(f"latency enqueue->finish: p50 {statistics.median(latencies):.1f} ms, p95 {pct(0.95):.1f} ms, "
          f"max {latencies[-1]:.1f} ms")


if __name__ == "__main__":
    main()
