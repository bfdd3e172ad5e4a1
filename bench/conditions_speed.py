"""Filter and route throughput: 100,000 records, a 3-condition filter and 3 routes; prints records/s."""
from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.flows.conditions import Condition, compile_conditions, filter_records, route_records  # noqa: E402

N = 100_000
NOW = datetime(2024, 5, 6, 15, 0, tzinfo=UTC)
COUNTRIES = ["GB", "FR", "DE", "US", "JP", "IE", "BE"]


def make_records(n: int) -> list[dict]:
    # Values arrive as an API would send them: totals as strings, dates as ISO text.
    return [
        {"id": i, "status": "paid" if i % 3 else "pending", "total": f"{i % 997}.{i % 100:02d}",
         "created_at": f"2024-05-0{1 + i % 6}T{i % 24:02d}:30:00+01:00",
         "customer": {"email": f"c{i}@example.com", "country": COUNTRIES[i % len(COUNTRIES)]},
         "lines": [{"sku": f"SKU-{i % 50}", "qty": 1 + i % 4}], "gift": i % 7 == 0}
        for i in range(n)
    ]


def build():
    keep = compile_conditions([
        Condition("status", "equals", "string", "paid"),
        Condition("total", "greater_than", "number", "10"),
        Condition("created_at", "within_last", "dynamic_date", "7 days"),
    ], "and", now=NOW)
    routes = [
        ("europe", compile_conditions([Condition("customer.country", "one_of", "string", "FR,DE,IE,BE")],
                                      now=NOW)),
        ("big", compile_conditions([Condition("total", ">=", "number", "500"),
                                    Condition("lines.*.qty", ">", "number", "2")], "or", now=NOW)),
        ("gifts", compile_conditions([Condition("gift", "is_true", "boolean", None)], now=NOW)),
    ]
    return keep, routes


def rate(seconds: float, n: int = N) -> str:
    return f"{n / seconds:,.0f} records/s"


def best_of(runs: int, fn) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    records = make_records(N)
    keep, routes = build()
    filter_s, kept = best_of(3, lambda: filter_records(records, keep, keep_matching=True))
    route_all_s, routed = best_of(3, lambda: route_records(records, routes, follow="all"))
    route_first_s, _ = best_of(3, lambda: route_records(records, routes, follow="first"))
    both_s, _ = best_of(3, lambda: route_records(filter_records(records, keep, keep_matching=True), routes))

    print(f"filter (3 conditions, AND):      {rate(filter_s)}  ({len(kept):,} kept)")
    print(f"route  (3 routes, follow all):   {rate(route_all_s)}  "
          f"({', '.join(f'{k}={len(v):,}' for k, v in routed.items())})")
    print(f"route  (3 routes, follow first): {rate(route_first_s)}")
    print(f"filter then route (all):         {rate(both_s)}  (best of 3, {N:,} records)")


if __name__ == "__main__":
    main()
