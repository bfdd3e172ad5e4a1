"""Load from cache: outputs data cached by an add-to-cache shape (spec §2.19).

Config: {"cache": "customers", "key": "customer-[[payload.id]]", "fail_on_miss": true, "load_all_pages": false}

- The cache is the flow's own run or flow cache of that name, else the company cache of that name.
- key: static ("orders": loaded once), one dynamic key per payload ("order-[[payload.0.id]]"), or many
  keys per payload ("order-[[payload.*.id]]": one per element, their data output as one list).
- An entry saved as pages comes back as one payload per page with "load all pages", else its first page.
  Appended parts come back merged into one list.
- fail_on_miss: a missing key fails the step; otherwise it is skipped with a warning.
"""
from __future__ import annotations

from app.flows import variables
from app.flows.context import Bucket, Payload, ShapeContext, ShapeError
from app.flows.shapes.base import Shape
from app.markers import N_, gettext

NOT_AVAILABLE = "Caches are not available in this run (it has no cache service)."


def keys_for(ctx: ShapeContext, template: str, payload) -> list[str]:
    """The keys a template names for one payload; a [[payload.*.x]] token gives one key per value."""
    starred = [r for r in variables.references(template) if "*" in r.path.split(".")]
    if not starred:
        key = variables.to_text(ctx.resolve(template, payload)).strip()
        return [key] if key else []
    found = ctx.resolve(starred[0].raw, payload)
    out = []
    for value in found if isinstance(found, list) else [found]:
        if value is None or value == "":
            continue
        text = template.replace(starred[0].raw, variables.to_text(value))
        key = variables.to_text(ctx.resolve(text, payload)).strip()
        if key:
            out.append(key)
    return out


def _uses_payload(template: str) -> bool:
    return any(r.root in ("payload", "meta") for r in variables.references(template))


class CacheLoad(Shape):
    type = "cache_load"
    label = N_("Load from cache")
    icon = "bi-database-down"
    group = "advanced"
    help = N_("Output data that an add-to-cache shape stored earlier.")

    def validate(self, config: dict) -> list[str]:
        problems = []
        if not str(config.get("cache") or "").strip():
            problems.append(gettext("Choose the cache to load from."))
        key = config.get("key")
        if not isinstance(key, str) or not key.strip():
            problems.append(gettext("Enter the cache key to load, such as customers or customer-[[payload.id]]."))
        else:
            problems += variables.validate(key)
            if len([r for r in variables.references(key) if "*" in r.path.split(".")]) > 1:
                problems.append(gettext("A cache key may hold one [[payload.*.x]] token at most."))
        return problems

    def summary(self, config: dict) -> str:
        return f"{config.get('cache') or '?'} · {config.get('key') or '?'}"

    def execute(self, ctx: ShapeContext) -> Bucket:
        from app.caches.store import merge

        problems = self.validate(ctx.config)
        if problems:
            raise ShapeError(problems[0])
        if ctx.caches is None:
            raise ShapeError(NOT_AVAILABLE)
        config = ctx.config
        name, template = config["cache"].strip(), config["key"]
        sources = ctx.bucket if (_uses_payload(template) and ctx.bucket) else [ctx.bucket[0] if ctx.bucket else None]
        if _uses_payload(template) and not ctx.bucket:
            ctx.log("info", "No payloads reached this shape, so no keys could be built.")
            return []
        many = any("*" in r.path.split(".") for r in variables.references(template))
        out: Bucket = []
        missing: list[str] = []
        for payload in sources:
            ctx.check_deadline()
            meta = dict(payload.meta) if payload is not None else {}
            found_items = []
            for key in keys_for(ctx, template, payload):
                entry = ctx.caches.get(name, key)
                if entry is None:
                    missing.append(key)
                    continue
                chunks, info = entry
                if many:
                    found_items.append(merge(chunks) if info.mode != "pages" else chunks)
                elif info.mode == "pages" and config.get("load_all_pages"):
                    out += [Payload(data=c, format="json", meta={**meta, "cache_key": key, "page": n})
                            for n, c in enumerate(chunks, start=1)]
                elif info.mode == "pages":
                    if len(chunks) > 1:
                        ctx.log("info", f"'{key}' holds {len(chunks)} pages; only the first was loaded. Turn on "
                                        "“load all pages” to load them all.")
                    out.append(Payload(data=chunks[0], format="json", meta={**meta, "cache_key": key}))
                else:
                    out.append(Payload(data=merge(chunks), format="json", meta={**meta, "cache_key": key}))
            if many and found_items:
                out.append(Payload(data=found_items, format="json", meta=meta))
        if missing:
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            shown = ", ".join(f"'{k}'" for k in missing[:5]) + more
            if config.get("fail_on_miss", True):
                raise ShapeError(f"Nothing is cached under {shown} in '{name}'.")
            ctx.log("warning", f"Nothing is cached under {shown} in '{name}'; carrying on without it.")
        ctx.log("info", f"Loaded {len(out)} payload{'s' if len(out) != 1 else ''} from '{name}'.")
        return out
