"""De-dupe: drops records whose key value was seen before, and/or records the new ones (spec §2.20).

Config: {"pool": "orders", "key_field": "id", "behaviour": "filter_track", "entity_type": "Order"}

- behaviour: filter (drop records whose value is in the pool; record nothing), track (record new values,
  drop nothing) or filter_track (both).
- A payload holding a list is a list of records (the duplicates are taken out of it; an emptied list
  payload is dropped); an object is one record.
- key_field is a path in each record; records without a value pass untouched (with a warning).
- The data pool is chosen by name or id; a new name creates the pool.
- filter_track claims values atomically: two runs handling the same value at once never both pass it.
  A value repeated inside one run passes once.
- Not retried: a retry would find its own values already tracked and drop them.
"""
from __future__ import annotations

from app.flows import variables
from app.flows.context import Bucket, Payload, ShapeContext, ShapeError
from app.flows.paths import PathError, compile_path, parse_path
from app.flows.shapes.base import Shape
from app.markers import N_, gettext

BEHAVIOURS = {"filter": N_("Filter"), "track": N_("Track"), "filter_track": N_("Filter & track")}
NOT_AVAILABLE = "De-dupe data pools are not available in this run (it has no de-dupe service)."


class Dedupe(Shape):
    type = "dedupe"
    label = N_("De-dupe")
    icon = "bi-funnel"
    group = "advanced"
    help = N_("Let each record through once: drop those whose key value was seen before.")
    retries = 0

    def validate(self, config: dict) -> list[str]:
        problems = []
        if not str(config.get("pool") or "").strip():
            problems.append(gettext("Choose a data pool (or type a new name to create one)."))
        path = config.get("key_field")
        if not isinstance(path, str) or not path.strip():
            problems.append(gettext("Enter the key field: the path of the value to match on, such as id."))
        else:
            try:
                parse_path(path.strip())
            except PathError as exc:
                problems.append(gettext("Key field: %(problem)s.", problem=exc))
            if "*" in path:
                problems.append(gettext("The key field names one value per record; it cannot hold *."))
        if config.get("behaviour", "filter_track") not in BEHAVIOURS:
            problems.append(gettext("Choose the behaviour: filter, track, or filter & track."))
        return problems

    def summary(self, config: dict) -> str:
        behaviour = BEHAVIOURS.get(config.get("behaviour", "filter_track"))
        return f"{gettext(behaviour) if behaviour else '?'} · {config.get('key_field') or '?'} · " \
               f"{config.get('pool') or '?'}"

    def execute(self, ctx: ShapeContext) -> Bucket:
        from app.caches.rules import PoolError

        problems = self.validate(ctx.config)
        if problems:
            raise ShapeError(problems[0])
        if ctx.dedupe is None:
            raise ShapeError(NOT_AVAILABLE)
        config = ctx.config
        behaviour = config.get("behaviour", "filter_track")
        getter = compile_path(config["key_field"].strip())
        try:
            pool = ctx.dedupe.pool(config["pool"])
        except PoolError as exc:
            raise ShapeError(str(exc)) from None
        # Every record with its value, in order; non-JSON payloads cannot be read.
        plan: list[tuple[Payload, list, bool]] = []  # (payload, [(record, value|None)], was a list)
        values: list[str] = []
        for number, payload in enumerate(ctx.bucket, start=1):
            ctx.check_deadline()
            if payload.format != "json":
                raise ShapeError(f"De-dupe reads JSON payloads only; payload {number} is {payload.format.upper()}.")
            is_list = isinstance(payload.data, list)
            records = []
            for record in payload.data if is_list else [payload.data]:
                found = getter(record, variables.MISSING) if isinstance(record, (dict, list)) else variables.MISSING
                value = None if found is variables.MISSING or found is None or found == "" else variables.to_text(found)
                records.append((record, value))
                if value is not None:
                    values.append(value)
            plan.append((payload, records, is_list))
        entity = (config.get("entity_type") or "").strip() or None
        if behaviour == "filter":
            seen = ctx.dedupe.known(pool, values)
            passes = lambda value, first: value not in seen  # noqa: E731
        else:
            fresh = ctx.dedupe.claim(pool, values, entity)
            if behaviour == "track":
                passes = lambda value, first: True  # noqa: E731
            else:
                passes = lambda value, first: value in fresh and first  # noqa: E731
        out: Bucket = []
        counted: set[str] = set()
        kept = dropped = without = 0
        for payload, records, is_list in plan:
            keep = []
            for record, value in records:
                if value is None:
                    without += 1
                    keep.append(record)
                    continue
                first = value not in counted
                counted.add(value)
                if passes(value, first):
                    keep.append(record)
                    kept += 1
                else:
                    dropped += 1
            if is_list and keep:
                out.append(Payload(data=keep, format="json", meta=dict(payload.meta)))
            elif not is_list and keep:
                out.append(payload)
        if without:
            ctx.log("warning", f"{without} record{'s have' if without != 1 else ' has'} no value at "
                               f"'{config['key_field']}' and passed unchecked.")
        ctx.log("info", f"{BEHAVIOURS[behaviour]} on '{config['key_field']}' in pool '{pool.name}': "
                        f"{kept + dropped} record{'s' if kept + dropped != 1 else ''} checked, {kept} passed, "
                        f"{dropped} duplicate{'s' if dropped != 1 else ''} removed.")
        return out
