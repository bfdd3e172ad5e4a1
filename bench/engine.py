"""The flow engine in one process, through the real Engine with an in-memory log; prints figures.

    .venv/bin/python bench/engine.py [--records 100000] [--runs 3] [--no-bytes-cache]

(1) Throughput: 100,000 records through map (20 fields, 5 transforms) -> filter -> route (3 routes),
    as one payload and as 1,000 pages of 100, in records/s. The log discards buckets; the cost of
    metering data usage (`Payload.size` on every payload out) is reported separately.
(2) Per-shape overhead: a flow of 10 pass-through steps on a tiny payload (skipped steps, trivial
    maps, filters that keep everything), in microseconds per step.

Asserts nothing beyond sanity checks; prints the machine it ran on.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.flows.context import Payload  # noqa: E402
from app.flows.engine import Engine, Environment  # noqa: E402
from bench.machine import machine  # noqa: E402
from bench.map_speed import bench_config, make_records  # noqa: E402

NOW = datetime(2024, 5, 6, 15, 0, tzinfo=UTC)


# --- logs ------------------------------------------------------------------------------------------

class DiscardingLog:
    """Keeps the messages (as the run page would) and drops the buckets the engine hands over."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str]] = []

    def __call__(self, level: str, message: str, step: dict | None = None, bucket=None) -> None:
        self.rows.append((level, message))


class StoringLog(DiscardingLog):
    """Also serialises every stored bucket, as the logbook does before writing it to the payload store."""

    def __init__(self) -> None:
        super().__init__()
        self.stored = 0

    def __call__(self, level: str, message: str, step: dict | None = None, bucket=None) -> None:
        self.rows.append((level, message))
        if bucket is not None:
            self.stored += sum(len(p.to_bytes()) for p in bucket)


@contextmanager
def gc_threshold(gen0: int):
    """A higher generation-0 threshold (one of the worker tunings proposed in the report)."""
    before = gc.get_threshold()
    gc.set_threshold(gen0, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def size_metering_off():
    """Payload.size as 0: what the engine costs without measuring data usage."""
    original = Payload.size
    Payload.size = property(lambda self: 0)
    try:
        yield
    finally:
        Payload.size = original


def disable_bytes_cache() -> None:
    """Payload.to_bytes as it was before the cache: every caller serialises again (for comparison)."""
    import json

    def to_bytes(self) -> bytes:
        if self.format == "json":
            return json.dumps(self.data, separators=(",", ":"), ensure_ascii=False, default=str).encode()
        return self.data if isinstance(self.data, bytes) else str(self.data).encode()
    Payload.to_bytes = to_bytes


# --- (1) throughput ---------------------------------------------------------------------------------

def cond(field: str, operator: str, type_: str, value: str | None = None) -> dict:
    return {"field": field, "operator": operator, "type": type_, "value": value}


def throughput_flow() -> dict:
    """map (20 fields, 5 transforms) -> filter (3 conditions) -> route (3 routes, follow all, empty paths)."""
    map_step = {"id": "map", "type": "map", "version": 1, "config": bench_config()}
    filter_step = {"id": "filter", "type": "filter", "version": 1, "config": {
        "logic": "and", "keep_matching": True, "conditions": [
            cond("state", "equals", "string", "paid"),
            cond("amount", ">", "number", "10"),
            cond("address.country", "one_of", "string", "GB,FR,DE"),
        ]}}
    route_step = {"id": "route", "type": "route", "version": 1, "config": {"method": "all"}, "paths": [
        {"id": "big", "name": "Big", "steps": [], "config": {"conditions": [cond("amount", ">=", "number", "500")]}},
        {"id": "gifts", "name": "Gifts", "steps": [], "config": {"conditions": [cond("isGift", "is_true", "boolean")]}},
        {"id": "web", "name": "Web", "steps": [], "config": {"logic": "or", "conditions": [
            cond("source", "equals", "string", "web"), cond("customer.email", "ends_with", "string", ".org")]}},
    ]}
    return {"steps": [map_step, filter_step, route_step]}


def pages(records: list[dict], per_page: int | None) -> list[Payload]:
    if per_page is None:
        return [Payload(records)]
    return [Payload(records[i:i + per_page], meta={"page": i // per_page + 1})
            for i in range(0, len(records), per_page)]


def run_once(definition: dict, bucket: list[Payload], log: Callable) -> tuple[float, object]:
    engine = Engine(Environment(log=log, now=NOW, retry_delay=0))
    started = time.perf_counter()
    result = engine.run(definition, bucket)
    elapsed = time.perf_counter() - started
    assert result.status == "success", result.error
    return elapsed, result


def best(runs: int, fn: Callable[[], tuple[float, object]]) -> tuple[float, object]:
    timings = [fn() for _ in range(runs)]
    return min(timings, key=lambda t: t[0])


def part1(n: int, runs: int) -> None:
    print(f"(1) {n:,} records: map (20 fields, 5 transforms) -> filter (3 conditions) -> route (3 routes, all)")
    records = make_records(n)
    definition = throughput_flow()
    run_once(definition, pages(records[:2000], 100), DiscardingLog())  # warm the compiled caches
    for label, per_page in (("1 payload of all records", None), ("pages of 100 records", 100)):
        bucket = pages(records, per_page)
        with size_metering_off():
            bare, _ = best(runs, lambda b=bucket: run_once(definition, b, DiscardingLog()))
        metered, result = best(runs, lambda b=bucket: run_once(definition, b, DiscardingLog()))
        stored, _ = best(runs, lambda b=bucket: run_once(definition, b, StoringLog()))
        out_records = sum(len(p.data) for p in result.bucket)
        print(f"    {label:<26} engine without size metering: {n / bare:>9,.0f} records/s ({bare * 1000:,.0f} ms)")
        print(f"    {'':<26} with data-usage metering:     {n / metered:>9,.0f} records/s ({metered * 1000:,.0f} ms;"
              f" size costs {(metered - bare) * 1000:,.0f} ms for {result.data_out / 1e6:,.1f} MB out)")
        print(f"    {'':<26} and a log serialising buckets: {n / stored:>8,.0f} records/s ({stored * 1000:,.0f} ms)")
        with gc_threshold(50_000):
            tuned, _ = best(runs, lambda b=bucket: run_once(definition, b, StoringLog()))
        print(f"    {'':<26} the same, GC gen0 threshold 50k: {n / tuned:>6,.0f} records/s ({tuned * 1000:,.0f} ms)")
        print(f"    {'':<26} {len(result.bucket):,} payloads, {out_records:,} records out of the routes")


# --- (2) per-shape overhead --------------------------------------------------------------------------

def passthrough_flows() -> dict[str, dict]:
    trivial_map = {"type": "map", "version": 1, "config": {"rules": [{"source": "a", "target": "a"}]}}
    keep_all = {"type": "filter", "version": 1, "config": {"conditions": [cond("a", "is_not_empty", "string")]}}
    skipped = {"type": "map", "version": 1, "skip": True, "config": {"rules": []}}
    return {name: {"steps": [{**step, "id": f"s{i}"} for i in range(10)]}
            for name, step in (("skipped steps", skipped), ("trivial map steps", trivial_map),
                               ("keep-all filter steps", keep_all))}


def part2(runs: int) -> None:
    print("(2) per-step overhead, a flow of 10 pass-through steps on one tiny payload ({\"a\": 1})")
    repeats = 2000
    for name, definition in passthrough_flows().items():
        def batch(definition=definition) -> tuple[float, object]:
            started = time.perf_counter()
            for _ in range(repeats):
                Engine(Environment(log=DiscardingLog(), now=NOW, retry_delay=0)).run(definition, [Payload({"a": 1})])
            return time.perf_counter() - started, None
        batch()  # warm up
        elapsed, _ = best(runs, batch)
        per_step_us = elapsed / (repeats * 10) * 1e6
        print(f"    {name:<24} {per_step_us:7.1f} µs per step ({elapsed / repeats * 1000:.3f} ms per 10-step run)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="best of this many runs")
    parser.add_argument("--no-bytes-cache", action="store_true", help="serialise on every to_bytes() call")
    args = parser.parse_args()
    if args.no_bytes_cache:
        disable_bytes_cache()
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}"
          + ("; Payload bytes cache OFF" if args.no_bytes_cache else ""))
    part1(args.records, args.runs)
    part2(args.runs)


if __name__ == "__main__":
    main()
