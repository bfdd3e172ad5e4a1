"""Engine figures through the whole stack (web server, Redis, RQ workers, database, local HTTP APIs):

(1b) records/s from a local paginated HTTP source through flow control (batches of 500) to a local
     HTTP sink, in one run;
(3)  webhook -> map -> send with 2 workers: a burst (the most finished runs/s), then an open-loop load at a
     fixed rate (finished runs/s and the received-to-finished latency a sender sees when Weft keeps up);
(4)  callback round trip (request -> run up to the callback shape -> answer), p50/p95.

    .venv/bin/python bench/engine_stack.py [--webhooks 3000] [--in-flight 4] [--rate 300] [--paced-seconds 10]
                                           [--callbacks 200] [--records 100000]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.machine import machine  # noqa: E402
from bench.stack import LocalApi, Stack, build_post, connect, http_connector, percentile, post_concurrently, post_paced  # noqa: E402

MAP_RULES = [{"source": "id", "target": "order_id"}, {"source": "sku", "target": "line.sku"},
             {"source": "qty", "target": "line.quantity", "transforms": [{"fn": "cast_to_number", "params": {}}]},
             {"source": "name", "target": "line.title", "transforms": [{"fn": "prefix", "params": {"text": "W-"}}]},
             {"source": "country", "target": "ship_to.country"}]


def _setup(stack: Stack, api: LocalApi):
    from app.api import services as api_services
    from app.companies.models import Company
    from app.connectors import services as connector_services
    from app.extensions import db
    from app.flows.services import create_flow

    with stack.app.app_context():
        company = Company(name="Bench Ltd", tier="unlimited")
        db.session.add(company)
        db.session.commit()
        connector = connector_services.create_connector(company, http_connector(api.url))
        instance = connector_services.add_instance(connector, "Local API", "none", {}, retries=0)
        send = {"id": "send", "type": "connector", "version": 1,
                "config": {"instance_id": instance.id, "endpoint": "ingest", "retries": 0}}
        webhook_flow = create_flow(company, "Webhook to sink", {"trigger": {"type": "webhook"}, "steps": [
            {"id": "map", "type": "map", "version": 1, "config": {"rules": MAP_RULES}}, send]},
            deploy=True, enabled=True)
        callback_flow = create_flow(company, "Stock check", {"trigger": {"type": "callback"}, "steps": [
            {"id": "map", "type": "map", "version": 1, "config": {"rules": MAP_RULES}},
            {"id": "cb", "type": "callback", "version": 1, "config": {}}]}, deploy=True, enabled=True)
        bulk_flow = create_flow(company, "Paginated source to sink", {"trigger": {"type": "manual"}, "steps": [
            {"id": "receive", "type": "connector", "version": 1,
             "config": {"instance_id": instance.id, "endpoint": "list_records", "retries": 0}},
            {"id": "batch", "type": "flow_control", "version": 1, "config": {"level": "data", "size": 500}},
            send]}, deploy=True, enabled=True)
        hook = api_services.create_webhook(webhook_flow, "bench")
        callback = api_services.create_callback(callback_flow, "bench", timeout_seconds=30)
        return {"company_id": company.id, "webhook": (hook.id, hook.signature), "callback": (callback.id,
                callback.signature), "bulk_flow_id": bulk_flow.id}


def _runs(stack: Stack, flow_name: str):
    from app.extensions import db
    from app.flows.models import Flow
    from app.runs.models import Run

    # Only the columns the figures use, as rows: loading thousands of whole runs was the bench's own CPU.
    columns = (Run.id, Run.status, Run.error, Run.operations, Run.created_at, Run.started_at, Run.finished_at)
    with stack.app.app_context():
        flow_id = db.session.execute(db.select(Flow.id).where(Flow.name == flow_name)).scalar_one()
        return db.session.execute(db.select(*columns).where(Run.flow_id == flow_id)).all()


def _wait_finished(stack: Stack, flow_name: str, count: int, timeout: float = 600) -> list:
    from sqlalchemy import func

    from app.extensions import db
    from app.flows.models import Flow
    from app.runs.models import Run

    # Counted, not loaded: loading thousands of runs ten times a second took a core from the workers. And
    # counted on one Core connection: a session's execute and commit cost twice the query itself.
    with stack.app.app_context():
        flow_id = db.session.execute(db.select(Flow.id).where(Flow.name == flow_name)).scalar_one()
        finished = db.select(func.count(Run.id)).where(Run.flow_id == flow_id, Run.finished_at.is_not(None))
        with db.engine.connect() as connection:
            done = _poll_count(connection, finished, count, timeout)
    if not done:
        raise RuntimeError(f"{flow_name}: runs did not finish in {timeout} s")
    return _runs(stack, flow_name)


def _poll_count(connection, statement, count: int, timeout: float) -> bool:
    """Whether the statement's count reached `count` within the timeout, read every 0.1 s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = connection.execute(statement).scalar_one()
        connection.rollback()  # ends the read, so the next one sees the runs finished since
        if done >= count:
            return True
        time.sleep(0.1)
    return False


def _json(obj) -> bytes:
    """A request body encoded as httpx's json= did, so the server under test parses the same bytes."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def part_webhooks(stack: Stack, base: str, ids: dict, n: int, api: LocalApi, in_flight: int,
                  rate: float | None = None) -> None:
    """A burst (`n` webhooks, `in_flight` at a time, as fast as they are answered: the most runs the stack
    finishes per second) or, with `rate`, an open-loop load of `n` webhooks offered at `rate` per second
    (the latency a sender sees when the stack keeps up)."""
    hook_id, signature = ids["webhook"]
    url = f"{base}/api/v1/webhooks/{ids['company_id']}/{hook_id}?signature={signature}"
    body = _json({"id": 1, "sku": "RED-1", "qty": "3", "name": "Lamp", "country": "GB"})
    earlier = {row.id for row in _runs(stack, "Webhook to sink")}
    cpu_before, own_before = stack.cpu(), time.process_time()
    received_before = api.received_records
    started = time.perf_counter()
    if rate is None:
        statuses = post_concurrently(url, body, n, concurrency=in_flight)
        how = f"{n} webhooks, {in_flight} in flight"
    else:
        statuses = post_paced(url, body, n, rate)
        how = f"{n} webhooks offered at {rate:g}/s"
    accepted = time.perf_counter() - started
    runs = [row for row in _wait_finished(stack, "Webhook to sink", len(earlier) + n) if row.id not in earlier]
    elapsed = time.perf_counter() - started
    cpu_after, own = stack.cpu(), time.process_time() - own_before
    # PostgreSQL backends come and go (a process's CPU counts only while both readings see it).
    per_run = {role: max(0.0, cpu_after[role] - cpu_before.get(role, 0.0)) * 1000 / n for role in cpu_after}
    latencies = [(r.finished_at - r.created_at).total_seconds() * 1000 for r in runs]
    ok = sum(1 for r in runs if r.status == "success")
    # From the first run received to the last finished, by the runs' own timestamps: the bench's 0.1 s
    # polling does not count against Weft (the clock-on-the-wall figure is printed beside it).
    span = (max(r.finished_at for r in runs) - min(r.created_at for r in runs)).total_seconds()
    print(f"(3) webhook -> map -> send, 2 workers, {how}: {statuses.count(200)} answered 200, accepted at "
          f"{n / accepted:,.0f}/s; {n / span:,.1f} finished runs/s ({n / elapsed:,.1f} by the bench's clock; "
          f"{ok} success, sink got "
          f"{api.received_records - received_before}); latency (received to finished) p50 "
          f"{percentile(latencies, 0.5):.0f} ms, p95 {percentile(latencies, 0.95):.0f} ms")
    total = sum(per_run.values()) + own * 1000 / n
    database = f", PostgreSQL {per_run['postgres']:.2f} ms" if "postgres" in per_run else ""
    print(f"    CPU per run: web {per_run['web']:.2f} ms, workers {per_run['workers']:.2f} ms, Redis "
          f"{per_run['redis']:.2f} ms{database}, benchmark client + sink {own * 1000 / n:.2f} ms; "
          f"total {total:.1f} ms, "
          f"so two idle cores could finish at most {2000 / total:.0f} runs/s")


def part_callbacks(base: str, ids: dict, n: int) -> None:
    callback_id, signature = ids["callback"]
    url = f"{base}/api/v1/callbacks/{ids['company_id']}/{callback_id}?signature={signature}"
    requests = [build_post(url, _json({"id": i, "sku": "RED-1", "qty": "1", "name": "Lamp", "country": "GB"}))
                for i in range(n)]
    times, failures = [], 0
    connection = connect(url)
    try:
        for request in requests:
            started = time.perf_counter()
            status = connection.post(request)
            times.append((time.perf_counter() - started) * 1000)
            failures += status != 200
    finally:
        connection.close()
    print(f"(4) callback round trip, {n} sequential requests ({failures} not 200): "
          f"p50 {percentile(times, 0.5):.1f} ms, p95 {percentile(times, 0.95):.1f} ms")


def part_bulk(stack: Stack, ids: dict, api: LocalApi, records: int) -> None:
    from app.extensions import db
    from app.flows.models import Flow
    from app.runs.services import start_run

    before = api.received_records
    with stack.app.app_context():
        run = start_run(db.session.get(Flow, ids["bulk_flow_id"]), trigger="manual")
        run_id = run.id
    runs = _wait_finished(stack, "Paginated source to sink", 1)
    run = next(r for r in runs if r.id == run_id)
    seconds = (run.finished_at - run.started_at).total_seconds()
    moved = api.received_records - before
    print(f"(1b) paginated HTTP source -> flow control (500) -> HTTP sink: {moved:,} of {records:,} records in "
          f"{seconds:.2f} s = {moved / seconds:,.0f} records/s ({run.status}, {run.operations} operations)")
    if run.status != "success":
        print(f"     the run failed: {run.error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--webhooks", type=int, default=3000, help="webhooks in the burst")
    parser.add_argument("--in-flight", type=int, default=4, help="webhooks in flight at once in the burst")
    parser.add_argument("--rate", type=float, default=300, help="webhooks per second offered in the paced part")
    parser.add_argument("--paced-seconds", type=float, default=10, help="how long the paced part offers them")
    parser.add_argument("--callbacks", type=int, default=200)
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    per_page = 1000
    api = LocalApi(pages=args.records // per_page, per_page=per_page)
    stack = Stack()
    database = os.environ["DATABASE_URL"].split(":")[0]
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}; database {database}")
    try:
        ids = _setup(stack, api)
        base = stack.start_web()
        stack.start_workers(2)
        part_bulk(stack, ids, api, args.records)
        part_webhooks(stack, base, ids, args.webhooks, api, args.in_flight)
        if args.rate:
            part_webhooks(stack, base, ids, int(args.rate * args.paced_seconds), api, args.in_flight, args.rate)
        part_callbacks(base, ids, args.callbacks)
    finally:
        stack.stop()
        api.close()


if __name__ == "__main__":
    main()
