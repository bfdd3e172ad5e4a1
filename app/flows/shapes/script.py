"""Script: runs a deployed custom script on each payload (spec §2.15, §7).

Config: {"script_id": 12, "script_name": "Split names", "variables": {"store": "[[meta.store]]"}}

- The script receives {payload (raw text), variables, meta, flow: {variables}} and returns the data
  with the new payload; one payload in, one payload out. Its `logs` (and printed lines) go to the run
  log. Returned text that reads as JSON becomes a JSON payload.
- `variables` values may hold [[payload.x]], [[meta.x]] and [[flow.variables.x]] tokens, resolved
  per payload.
- Scripts run in the sandbox (app/scripts/sandbox.py) through ctx.scripts. A script that runs out of
  time is not retried (it would only run out of time again); other failures get the usual retries.
"""
from __future__ import annotations

from app.flows import variables
from app.flows.context import Bucket, ShapeContext, ShapeError, StepTimeout
from app.flows.shapes.base import Shape
from app.markers import N_, gettext

NOT_AVAILABLE = "Custom scripts are not available in this run (it has no script service)."


class Script(Shape):
    type = "script"
    label = N_("Script")
    icon = "bi-code-square"
    group = "advanced"
    help = N_("Change each payload with one of your deployed custom scripts (Python or JavaScript).")

    def validate(self, config: dict) -> list[str]:
        problems = []
        ref = config.get("script_id")
        if ref in (None, "") or isinstance(ref, bool) or not isinstance(ref, (int, str)):
            problems.append(gettext("Choose a deployed script."))
        values = config.get("variables") or {}
        if not isinstance(values, dict):
            problems.append(gettext("Variables must be a set of names and values."))
        else:
            for name, value in values.items():
                if not str(name).strip():
                    problems.append(gettext("Every variable needs a name."))
                elif isinstance(value, str):
                    problems += [gettext("Variable '%(name)s': %(problem)s", name=name, problem=p)
                                 for p in variables.validate(value)]
        return problems

    def summary(self, config: dict) -> str:
        ref = config.get("script_id")
        return config.get("script_name") or (gettext("script %(id)s", id=ref) if ref else gettext("no script"))

    def execute(self, ctx: ShapeContext) -> Bucket:
        from app.scripts.sandbox import ScriptError

        problems = self.validate(ctx.config)
        if problems:
            raise ShapeError(problems[0])
        if ctx.scripts is None:
            raise ShapeError(NOT_AVAILABLE)
        ref = ctx.config["script_id"]
        out: Bucket = []
        for payload in ctx.bucket:
            ctx.check_deadline()
            values = {name: ctx.resolve(value, payload) for name, value in (ctx.config.get("variables") or {}).items()}
            try:
                result_payload, result = ctx.scripts.run_payload(ref, payload, variables=values,
                                                                 flow_variables=ctx.flow_variables)
            except ScriptError as exc:
                for line in exc.logs:
                    ctx.log("info", f"Script: {line}")
                if exc.kind == "timeout":
                    raise StepTimeout(str(exc)) from None
                raise ShapeError(str(exc)) from None
            for line in result.logs:
                ctx.log("info", f"Script: {line}")
            out.append(result_payload)
        return out
