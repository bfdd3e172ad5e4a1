"""Set variables: sets flow variables and/or meta variables (payload metadata) mid-flow (spec §2.11).

Config: {"flow": [{"name": "since", "value": "[[payload.updated_at]]"}],
         "meta": [{"key": "order_id", "value": "[[payload.id]]"}]}

Values are static text or contain tokens ([[payload.x]], [[meta.x]], [[flow.variables.x]]),
resolved for each payload. A value that is exactly one token keeps the token's raw value (a number,
a list, an object); mixed text gives text.

- Flow variables live in one dict shared by the whole run. They are set once per payload in bucket
  order, so with several payloads the **last payload wins**; with no payload they are set once (a
  payload token then resolves to null). The change lasts for the rest of this run only.
- Meta variables are set on each payload's own metadata and travel with it (also to child runs).
- Flow variables are set before meta variables, so a meta value can read a flow variable set by the
  same shape. Entries apply in order, so a later entry can read an earlier one.
The payload data passes through unchanged.
"""
from __future__ import annotations

from app.flows import variables
from app.flows.context import Bucket, Payload, ShapeContext, ShapeError
from app.flows.shapes.base import Shape
from app.markers import N_, gettext

MAX_ENTRIES = 100


def _entries(config: dict, kind: str) -> list:
    entries = config.get(kind) or []
    return entries if isinstance(entries, list) else []


# Whole sentences per kind of entry, so that each language can agree its words (marked, translated when used).
_TEXTS = {
    "flow": (N_("Flow variables must be a list."),
             N_("Flow variables: at most %(max)d entries."),
             N_("Flow variable %(number)d is not an entry with a name and a value."),
             N_("Flow variable %(number)d needs a name."),
             N_("Flow variable '%(name)s': %(problem)s")),
    "meta": (N_("Meta variables must be a list."),
             N_("Meta variables: at most %(max)d entries."),
             N_("Meta variable %(number)d is not an entry with a key and a value."),
             N_("Meta variable %(number)d needs a key."),
             N_("Meta variable '%(name)s': %(problem)s")),
}


class SetVariables(Shape):
    type = "set_variables"
    label = N_("Set variables")
    icon = "bi-sliders"
    help = N_("Set flow variables or metadata on each payload, from static values or payload data.")
    retries = 0  # resolving values cannot fail transiently

    def validate(self, config: dict) -> list[str]:
        errors = self._problems(config)
        if not errors and not _entries(config, "flow") and not _entries(config, "meta"):
            errors.append(gettext("Add at least one flow or meta variable."))
        return errors

    def _problems(self, config: dict) -> list[str]:
        errors: list[str] = []
        for kind, name_key in (("flow", "name"), ("meta", "key")):
            not_a_list, too_many, not_an_entry, no_name, bad_value = _TEXTS[kind]
            entries = config.get(kind) or []
            if not isinstance(entries, list):
                errors.append(gettext(not_a_list))
                continue
            if len(entries) > MAX_ENTRIES:
                errors.append(gettext(too_many, max=MAX_ENTRIES))
            for number, entry in enumerate(entries, start=1):
                if not isinstance(entry, dict):
                    errors.append(gettext(not_an_entry, number=number))
                    continue
                name = entry.get(name_key)
                if not isinstance(name, str) or not name.strip():
                    errors.append(gettext(no_name, number=number))
                    continue
                value = entry.get("value", "")
                if isinstance(value, str):
                    errors += [gettext(bad_value, name=name, problem=problem)
                               for problem in variables.validate(value)]
        return errors

    def summary(self, config: dict) -> str:
        names = [e.get("name") for e in _entries(config, "flow") if isinstance(e, dict)]
        keys = [f"meta.{e.get('key')}" for e in _entries(config, "meta") if isinstance(e, dict)]
        shown = ", ".join(str(n) for n in names + keys)
        return shown if len(shown) <= 60 else shown[:59] + "…"

    def execute(self, ctx: ShapeContext) -> Bucket:
        problems = self._problems(ctx.config)
        if problems:
            raise ShapeError(problems[0])
        flow_entries = [(e["name"].strip(), e.get("value", "")) for e in _entries(ctx.config, "flow")]
        meta_entries = [(e["key"].strip(), e.get("value", "")) for e in _entries(ctx.config, "meta")]
        out: Bucket = []
        for payload in ctx.bucket or [None]:
            ctx.check_deadline()
            for name, value in flow_entries:
                # One dict shared by the run: the engine handed it to every step's context.
                ctx.flow_variables[name] = ctx.resolve(value, payload)
            if payload is None:
                continue
            meta = dict(payload.meta)
            probe = Payload(data=payload.data, format=payload.format, meta=meta)
            for key, value in meta_entries:
                meta[key] = ctx.resolve(value, probe)  # later entries see earlier ones
            out.append(probe)
        if flow_entries:
            ctx.log("info", "Flow variables set: " + ", ".join(
                f"{name} = {variables.to_text(ctx.flow_variables[name])[:100]}" for name, _ in flow_entries))
        if meta_entries and out:
            ctx.log("info", f"Meta variables {', '.join(k for k, _ in meta_entries)} set on "
                            f"{len(out)} payload{'s' if len(out) != 1 else ''}.")
        return out
