"""Where a script is used: script steps, map script transforms and connector response scripts of deployed
flow versions, and connector definitions (endpoint and authentication scripts, script pagination).

A reference names the script by id or by name, so both are matched.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db


@dataclass(frozen=True)
class Usage:
    kind: str  # flow | connector
    id: int
    name: str
    detail: str

    @property
    def where(self) -> str:
        return f"the deployed flow “{self.name}”" if self.kind == "flow" else f"the connector “{self.name}”"


def walk_steps(steps: list) -> Iterator[dict]:
    for step in steps or []:
        if not isinstance(step, dict):
            continue
        yield step
        for path in step.get("paths") or []:
            if isinstance(path, dict):
                yield from walk_steps(path.get("steps") or [])


def map_transforms(step: dict) -> Iterator[dict]:
    """Every transform of a map step's rules (other steps have none)."""
    if step.get("type") != "map":
        return
    for rule in (step.get("config") or {}).get("rules") or []:
        for transform in (rule.get("transforms") or []) if isinstance(rule, dict) else []:
            if isinstance(transform, dict):
                yield transform


def deployed_steps(company_id: int) -> Iterator[tuple[int, str, dict]]:
    """(flow id, flow name, step) for every step, nested ones included, of the company's deployed flow versions:
    what "refused while a deployed flow uses it" checks look through."""
    from app.flows.models import Flow, FlowVersion

    rows = db.session.execute(select(FlowVersion.definition, Flow.id, Flow.name)
                              .join(Flow, Flow.id == FlowVersion.flow_id)
                              .where(FlowVersion.company_id == company_id, FlowVersion.status == "deployed"))
    for definition, flow_id, flow_name in rows:
        for step in walk_steps((definition or {}).get("steps") or []):
            yield flow_id, flow_name, step


def step_references(step: dict) -> Iterator[tuple[str, str]]:
    """(reference, what) for every script a step uses."""
    config = step.get("config") or {}
    kind = step.get("type")
    if kind == "script" and config.get("script_id") not in (None, ""):
        yield str(config["script_id"]), "script shape"
    elif kind == "connector" and config.get("response_script") not in (None, ""):
        yield str(config["response_script"]), "response script"
    for transform in map_transforms(step):
        if transform.get("fn") == "script":
            ref = (transform.get("params") or {}).get("script")
            if ref not in (None, ""):
                yield str(ref), "map script transform"


def definition_references(definition: dict) -> Iterator[tuple[str, str]]:
    for step in walk_steps((definition or {}).get("steps") or []):
        yield from step_references(step)


def connector_references(definition: dict) -> Iterator[tuple[str, str]]:
    for kind, items in (("endpoint", definition.get("endpoints") or []),
                        ("authentication method", definition.get("auth_methods") or [])):
        for item in items:
            if not isinstance(item, dict):
                continue
            label = f"{kind} “{item.get('name') or item.get('key')}”"
            for field in ("pre_request_script", "post_request_script"):
                if item.get(field) not in (None, ""):
                    yield str(item[field]), f"{label} {field.replace('_', '-').replace('-script', ' script')}"
            pagination = item.get("pagination") or {}
            if isinstance(pagination, dict) and pagination.get("type") == "script" and pagination.get("script"):
                yield str(pagination["script"]), f"{label} pagination"


def usages(script) -> list[Usage]:
    from app.connectors.models import InstalledConnector

    names = {str(script.id), script.name}
    found: list[Usage] = []
    for flow_id, flow_name, step in deployed_steps(script.company_id):
        for ref, what in step_references(step):
            if ref in names:
                found.append(Usage("flow", flow_id, flow_name, what))
    connectors = db.session.execute(select(InstalledConnector).where(
        InstalledConnector.company_id == script.company_id)).scalars()
    for connector in connectors:
        for ref, what in connector_references(connector.definition or {}):
            if ref in names:
                found.append(Usage("connector", connector.id, connector.name, what))
    return found
