"""Creating flows and versions; the editor issue grows this room."""
from __future__ import annotations

from app.extensions import db
from app.flows import shapes
from app.flows.models import Flow, FlowVersion
from app.flows.shapes.try_catch import validate_placement
from app.timeutil import utcnow


class DefinitionError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def validate_definition(definition: dict) -> list[str]:
    """Every problem that would stop the definition from being deployed, in canvas order."""
    problems = _validate_steps(definition.get("steps", []), prefix="Step ")
    return problems + validate_placement(definition.get("steps", []))


def _validate_steps(steps: list[dict], prefix: str) -> list[str]:
    problems = []
    for index, step in enumerate(steps, start=1):
        where = f"{prefix}{index}"
        try:
            shape = shapes.get(step.get("type", ""), step.get("version"))
        except shapes.UnknownShape as exc:
            problems.append(f"{where}: {exc}")
            continue
        problems += [f"{where} ({shape.label}): {p}" for p in shape.validate(step.get("config") or {})]
        problems += [f"{where} ({shape.label}): {p}" for p in shape.validate_paths(step.get("paths") or [])]
        for number, path in enumerate(step.get("paths") or [], start=1):
            name = path.get("name") or f"path {number}"
            problems += _validate_steps(path.get("steps") or [], prefix=f"{where} › {name} › step ")
    return problems


def create_flow(company, name: str, definition: dict, *, deploy: bool = False, enabled: bool = False) -> Flow:
    """A flow with its first version (as draft, or deployed plus a fresh draft copy)."""
    problems = validate_definition(definition)
    if problems:
        raise DefinitionError(problems)
    flow = Flow(company_id=company.id, name=name, enabled=enabled)
    db.session.add(flow)
    db.session.flush()
    first = FlowVersion(company_id=company.id, flow_id=flow.id, number=1, definition=definition,
                        status="deployed" if deploy else "draft", deployed_at=utcnow() if deploy else None)
    db.session.add(first)
    if deploy:
        db.session.add(FlowVersion(company_id=company.id, flow_id=flow.id, number=2, definition=definition,
                                   status="draft"))
    db.session.commit()
    return flow
