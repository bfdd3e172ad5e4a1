"""Run process flow: starts another flow once per payload, fire-and-forget (spec §2.14).

Config: {"flow_id": 12, "version": null, "variables": {"customer": "[[payload.id]]"}, "payload": null}

- `version` null means the child flow's deployed version (else its draft); a number picks a version.
- `variables` override the child's flow variables; values may hold tokens, resolved per payload.
- `payload` null passes each incoming payload on; text replaces it (parsed as JSON when it is JSON,
  else passed as text). The payload's meta variables always go to the child (spec).
- Several payloads start several child runs (which the run queue may run in parallel); no payload
  starts one child run (with the manual payload, or with none), so "schedule → run process flow"
  works. The calling run does not wait; the child run ids go to the log.
- The run service behind ctx.start_child_run enforces what needs the database: the child flow
  belongs to the company and is enabled, the version exists, and no recursion (a flow cannot be
  started by a run that it started, directly or further up). This shape refuses only the obvious
  case of a flow calling itself.
- Not retried: a retry would start the children before the failure again.
"""
from __future__ import annotations

import json

from app.flows import variables
from app.flows.context import Bucket, Payload, ShapeContext, ShapeError
from app.flows.shapes.base import Shape
from app.markers import N_, gettext

MAX_PAYLOAD_CHARS = 100_000
LOGGED_IDS = 20


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def manual_payload(text: str) -> Payload:
    try:
        return Payload(data=json.loads(text), format="json")
    except json.JSONDecodeError:
        return Payload(data=text, format="text")


class RunProcessFlow(Shape):
    type = "run_process_flow"
    label = N_("Run process flow")
    icon = "bi-diagram-2"
    help = N_("Start another process flow with each payload (the child runs on its own; this flow carries on).")
    retries = 0

    def validate(self, config: dict) -> list[str]:
        errors = []
        flow_id, version = config.get("flow_id"), config.get("version")
        if not _is_int(flow_id) or flow_id < 1:
            errors.append(gettext("Choose the process flow to run."))
        if version is not None and (not _is_int(version) or version < 1):
            errors.append(gettext("The version must be a version number, or empty for the deployed version."))
        overrides = config.get("variables") or {}
        if not isinstance(overrides, dict):
            errors.append(gettext("Variables must be pairs of a name and a value."))
        else:
            for name, value in overrides.items():
                if not str(name).strip():
                    errors.append(gettext("Every variable override needs a name."))
                elif isinstance(value, str):
                    errors += [gettext("Variable '%(name)s': %(problem)s", name=name, problem=problem)
                               for problem in variables.validate(value)]
        payload = config.get("payload")
        if payload is not None and not isinstance(payload, str):
            errors.append(gettext("The manual payload must be text."))
        elif isinstance(payload, str) and len(payload) > MAX_PAYLOAD_CHARS:
            errors.append(gettext("The manual payload is %(size)s characters; the limit is %(limit)s.",
                                  size=f"{len(payload):,}", limit=f"{MAX_PAYLOAD_CHARS:,}"))
        return errors

    def summary(self, config: dict) -> str:
        if not _is_int(config.get("flow_id")):
            return gettext("no flow chosen")
        version = config.get("version")
        if version:
            return gettext("flow #%(flow)s, version %(version)s", flow=config["flow_id"], version=version)
        return gettext("flow #%(flow)s, deployed version", flow=config["flow_id"])

    def execute(self, ctx: ShapeContext) -> Bucket:
        problems = self.validate(ctx.config)
        if problems:
            raise ShapeError(problems[0])
        if ctx.start_child_run is None:
            raise ShapeError("starting other process flows is not available in this run")
        flow_id, version = ctx.config["flow_id"], ctx.config.get("version")
        if ctx.flow_id is not None and flow_id == ctx.flow_id:
            raise ShapeError("a process flow cannot run itself")
        manual = ctx.config.get("payload")
        overrides = ctx.config.get("variables") or {}
        started: list[int] = []
        for payload in ctx.bucket or [None]:
            ctx.check_deadline()
            child_payload = manual_payload(manual) if manual not in (None, "") else payload
            started.append(ctx.start_child_run(
                flow_id=flow_id, version=version, payload=child_payload,
                meta=dict(payload.meta) if payload is not None else {},
                variables={str(name).strip(): ctx.resolve(value, payload) for name, value in overrides.items()}))
        shown = ", ".join(f"#{run_id}" for run_id in started[:LOGGED_IDS])
        more = f" and {len(started) - LOGGED_IDS} more" if len(started) > LOGGED_IDS else ""
        ctx.log("info", f"Started {len(started)} run{'s' if len(started) != 1 else ''} of flow #{flow_id}: "
                        f"{shown}{more}.")
        return ctx.bucket
