"""Add to cache: stores a copy of each incoming payload under a cache and key (spec §2.18).

Config:
    {"cache": "customers", "level": "flow", "key": "customer-[[payload.id]]", "append": false,
     "save_all_pages": false, "expiry_number": 2, "expiry_unit": "days"}

- level: run (this run only; the run id is added to the key), flow (this flow, across runs) or company
  (every flow of the company). The cache is created on first use.
- key: static ("customers") or built per payload from [[payload.x]], [[meta.x]], [[flow.variables.x]].
- Payloads sharing a key: with save_all_pages each becomes one page of the entry (load them back with
  "load all pages"); otherwise each replaces the last, or with append is added to the entry's data.
- Expiry: the entry disappears after that long (run-level entries after a day by default).
- JSON payloads only. The company's cache memory allowance is enforced: going over fails the step.
- The payloads pass on unchanged. Not retried: a retry would append twice.
"""
from __future__ import annotations

from app.flows import variables
from app.flows.context import Bucket, ShapeContext, ShapeError
from app.flows.shapes.base import Shape
from app.markers import N_, gettext

LEVELS = ("run", "flow", "company")
UNITS = ("minutes", "hours", "days")
NOT_AVAILABLE = "Caches are not available in this run (it has no cache service)."


def resolve_key(ctx: ShapeContext, template: str, payload, number: int) -> str:
    key = variables.to_text(ctx.resolve(template, payload)).strip()
    if not key:
        raise ShapeError(f"The cache key '{template}' is empty for payload {number}: check the variables in it.")
    return key[:512]


class CacheAdd(Shape):
    type = "cache_add"
    label = N_("Add to cache")
    icon = "bi-database-add"
    group = "advanced"
    help = N_("Keep a copy of the payloads under a cache key, to load them later in this or another flow.")
    retries = 0

    def validate(self, config: dict) -> list[str]:
        problems = []
        if not str(config.get("cache") or "").strip():
            problems.append(gettext("Name the cache."))
        if config.get("level", "flow") not in LEVELS:
            problems.append(gettext("Choose the cache level: flow run, flow or company."))
        key = config.get("key")
        if not isinstance(key, str) or not key.strip():
            problems.append(gettext("Enter a cache key, such as customers or customer-[[payload.id]]."))
        else:
            problems += variables.validate(key)
        number = config.get("expiry_number")
        if number not in (None, ""):
            try:
                if float(number) <= 0:
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(gettext("The expiry must be a positive number (or empty for none)."))
            if config.get("expiry_unit", "hours") not in UNITS:
                problems.append(gettext("The expiry unit must be minutes, hours or days."))
        return problems

    def summary(self, config: dict) -> str:
        return f"{config.get('cache') or '?'} · {config.get('key') or '?'}"

    def execute(self, ctx: ShapeContext) -> Bucket:
        from app.caches.rules import CacheError, ttl_seconds
        from app.caches.store import CacheFull, mb

        problems = self.validate(ctx.config)
        if problems:
            raise ShapeError(problems[0])
        if ctx.caches is None:
            raise ShapeError(NOT_AVAILABLE)
        config = ctx.config
        if not ctx.bucket:
            ctx.log("info", "No payloads reached this shape, so nothing was cached.")
            return ctx.bucket
        groups: dict[str, list] = {}
        for number, payload in enumerate(ctx.bucket, start=1):
            if payload.format != "json":
                raise ShapeError(f"Add to cache stores JSON payloads only; payload {number} is "
                                 f"{payload.format.upper()}.")
            groups.setdefault(resolve_key(ctx, config["key"], payload, number), []).append(payload.data)
        append, pages = bool(config.get("append")), bool(config.get("save_all_pages"))
        try:
            ttl = ttl_seconds(config.get("expiry_number"), config.get("expiry_unit") or "hours")
            total = 0
            for key, values in groups.items():
                ctx.check_deadline()
                if pages or append:
                    _, size = ctx.caches.put(config["cache"].strip(), config.get("level", "flow"), key, values,
                                             append=append, pages=pages, ttl=ttl)
                else:
                    _, size = ctx.caches.put(config["cache"].strip(), config.get("level", "flow"), key, values[-1:],
                                             ttl=ttl)
                    if len(values) > 1:
                        ctx.log("warning", f"{len(values)} payloads had the key '{key}': only the last was kept. "
                                           "Turn on “save all pages” or “append” to keep them all.")
                total += size
        except (CacheFull, CacheError) as exc:
            raise ShapeError(str(exc)) from None
        keys = len(groups)
        ctx.log("info", f"Cached {len(ctx.bucket)} payload{'s' if len(ctx.bucket) != 1 else ''} under {keys} "
                        f"key{'s' if keys != 1 else ''} in '{config['cache']}' ({config.get('level', 'flow')} level); "
                        f"the company's caches now hold {mb(ctx.caches.used())}.")
        return ctx.bucket
