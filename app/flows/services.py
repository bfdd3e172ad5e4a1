"""Creating and managing flows: definitions, settings, duplicate, delete (the draft itself: drafts.py)."""
from __future__ import annotations

import copy

from sqlalchemy import func, select

from app.extensions import db
from app.flows import shapes
from app.flows.models import PRIORITIES, Flow, FlowVersion
from app.flows.shapes.try_catch import validate_placement
from app.markers import gettext
from app.tenancy import acting_as, scoped
from app.timeutil import utcnow

NAME_MAX = 120
MAX_RUN_RETRIES = 3


class DefinitionError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class FlowError(ValueError):
    """A flow change was refused; the message is meant for the user."""


class AllowanceRefused(FlowError):
    """Deploying or enabling would go past the company's tier allowance (deployed flows or connectors)."""


def check_enable(flow: Flow) -> None:
    """Refuse switching on a disabled flow when its deployed version would go past an allowance."""
    from app.companies.allowances import check_can_enable
    from app.companies.models import Company

    message = check_can_enable(db.session.get(Company, flow.company_id), flow)
    if message:
        raise AllowanceRefused(message)


def validate_definition(definition: dict) -> list[str]:
    """Every problem that would stop the definition from being deployed, in canvas order."""
    problems = _validate_steps(definition.get("steps", []), lambda n: gettext("Step %(num)d", num=n))
    return problems + validate_placement(definition.get("steps", []))


def _validate_steps(steps: list[dict], where_of) -> list[str]:
    """`where_of(n)` names the n-th step of this list ("Step 2", "Step 1 › Yes › step 2")."""
    problems = []
    for index, step in enumerate(steps, start=1):
        where = where_of(index)
        try:
            shape = shapes.get(step.get("type", ""), step.get("version"))
        except shapes.UnknownShape as exc:
            problems.append(f"{where}: {exc}")
            continue
        if step.get("name"):
            where = f"{where} “{step['name']}”"
        label = gettext(shape.label)
        problems += [f"{where} ({label}): {p}" for p in shape.validate(step.get("config") or {})]
        problems += [f"{where} ({label}): {p}" for p in shape.validate_paths(step.get("paths") or [])]
        for number, path in enumerate(step.get("paths") or [], start=1):
            name = path.get("name") or gettext("path %(num)d", num=number)
            problems += _validate_steps(path.get("steps") or [], lambda n, w=where, p=name: gettext(
                "%(where)s › %(path)s › step %(num)d", where=w, path=p, num=n))
    return problems


def create_flow(company, name: str, definition: dict, *, deploy: bool = False, enabled: bool = False,
                description: str | None = None, actor=None) -> Flow:
    """A flow with its first version (as draft, or deployed plus a fresh draft copy)."""
    problems = validate_definition(definition)
    if problems:
        raise DefinitionError(problems)
    actor_id = getattr(actor, "id", None)
    # Relative dates count from the queue time in new flows (spec §1.3 "use queued time": default true).
    flow = Flow(company_id=company.id, name=name, enabled=enabled, description=description or None,
                use_queued_time=True)
    db.session.add(flow)
    db.session.flush()
    first = FlowVersion(company_id=company.id, flow_id=flow.id, number=1, definition=definition,
                        status="deployed" if deploy else "draft", deployed_at=utcnow() if deploy else None,
                        created_by_id=actor_id, deployed_by_id=actor_id if deploy else None)
    db.session.add(first)
    if deploy:
        db.session.add(FlowVersion(company_id=company.id, flow_id=flow.id, number=2, status="draft",
                                   definition=copy.deepcopy(definition), created_by_id=actor_id))
    db.session.commit()
    return flow


EMPTY_DEFINITION = {"trigger": {"type": "manual", "config": {}}, "steps": []}


def new_flow(company, name: str, description: str | None, actor) -> Flow:
    """A new, empty, disabled flow: a manual trigger and nothing else, as a draft."""
    name = _clean_name(name)
    return create_flow(company, name, copy.deepcopy(EMPTY_DEFINITION), description=description, actor=actor)


def _clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise FlowError("Give the flow a name.")
    if len(name) > NAME_MAX:
        raise FlowError(f"A flow name can be at most {NAME_MAX} characters.")
    return name


def rename(flow: Flow, name: str) -> Flow:
    flow.name = _clean_name(name)
    db.session.commit()
    return flow


def set_enabled(flow: Flow, enabled: bool) -> Flow:
    if enabled and not flow.enabled:
        check_enable(flow)
    flow.enabled = bool(enabled)
    db.session.commit()
    return flow


def update_settings(flow: Flow, *, name: str, description: str | None, priority: str, use_queued_time: bool,
                    concurrency_limit: int | None, retry_failed_runs: int, run_timeout_seconds: int | None,
                    failure_group_ids: list[int], failure_emails: list[str] | None = None,
                    enabled: bool | None = None) -> Flow:
    """The settings drawer. `enabled` None leaves it alone (for users who may not enable flows).
    `failure_emails` are addresses already checked (forms.SettingsForm); None leaves them alone."""
    from app.insights.models import NotificationGroup
    from app.insights.notifications import MAX_RECIPIENTS

    if priority not in PRIORITIES:
        raise FlowError("Choose a queue priority.")
    if concurrency_limit is not None and concurrency_limit < 1:
        raise FlowError("The concurrency limit must be at least 1 (leave it empty for no limit).")
    if not 0 <= int(retry_failed_runs or 0) <= MAX_RUN_RETRIES:
        raise FlowError(f"A failed run can be retried at most {MAX_RUN_RETRIES} times.")
    if run_timeout_seconds is not None and run_timeout_seconds < 1:
        raise FlowError("The run timeout must be at least 1 second (leave it empty for none).")
    ids = sorted({int(i) for i in failure_group_ids or []})
    if ids:
        found = set(db.session.execute(scoped(NotificationGroup).where(NotificationGroup.id.in_(ids))
                                       .with_only_columns(NotificationGroup.id)).scalars())
        if found != set(ids):
            raise FlowError("One of the chosen notification groups no longer exists; choose again.")
    if failure_emails is not None and len(failure_emails) > MAX_RECIPIENTS:
        raise FlowError(f"Failure emails can go to at most {MAX_RECIPIENTS} addresses.")
    if enabled and not flow.enabled:
        check_enable(flow)
    flow.name = _clean_name(name)
    flow.description = (description or "").strip() or None
    flow.priority = priority
    flow.use_queued_time = bool(use_queued_time)
    flow.concurrency_limit = concurrency_limit
    flow.retry_failed_runs = int(retry_failed_runs or 0)
    flow.run_timeout_seconds = run_timeout_seconds
    flow.failure_group_ids = ids
    if failure_emails is not None:
        flow.failure_emails = list(dict.fromkeys(e.strip().lower() for e in failure_emails if e.strip()))
    if enabled is not None:
        flow.enabled = bool(enabled)
    db.session.commit()
    return flow


def _copy_name(company_id: int, name: str) -> str:
    base = f"Copy of {name}"[:NAME_MAX]
    taken = set(db.session.execute(select(Flow.name).where(Flow.company_id == company_id,
                                                           Flow.name.like(f"{base}%"))).scalars())
    if base not in taken:
        return base
    number = 2
    while f"{base} ({number})"[:NAME_MAX] in taken:
        number += 1
    return f"{base} ({number})"[:NAME_MAX]


def _name_in(company_id: int, name: str) -> str:
    """A copy in another company keeps its name unless a flow there has it already."""
    taken = db.session.execute(select(Flow.id).where(Flow.company_id == company_id, Flow.name == name)).first()
    return _copy_name(company_id, name) if taken else name


def duplicate(flow: Flow, actor, name: str | None = None, target=None) -> tuple[Flow, list[str]]:
    """A disabled, undeployed copy: every shape and the whole structure (the draft, else the deployed
    version), the settings, labels, schedules, and new webhooks/callbacks of the same names.

    Inside the company, connector shapes keep their instances. Into another company (`target`, one the
    caller checked the user may edit flows in), references are remapped there by name or cleared
    (app.flows.copying); returns the copy and a line for each reference cleared."""
    from app.api import services as trigger_services
    from app.flows import copying

    source = flow.draft or flow.deployed
    definition = copy.deepcopy(source.definition if source else EMPTY_DEFINITION)
    company_id = target.id if target is not None else flow.company_id
    group_ids, labels, cleared = list(flow.failure_group_ids or []), list(flow.labels), []
    if company_id != flow.company_id:
        rebased = copying.rebase(definition, flow.company_id, company_id)
        group_ids, labels, settings_cleared = copying.settings_in(flow, company_id)
        definition, cleared = rebased.definition, rebased.cleared + settings_cleared
        default_name = _name_in(company_id, flow.name)
    else:
        default_name = _copy_name(company_id, flow.name)
    # Not create_flow: it refuses definitions with problems, and a half-built flow must still be copyable.
    copy_flow = Flow(company_id=company_id, name=_clean_name(name) if name else default_name,
                     description=flow.description, enabled=False, priority=flow.priority,
                     use_queued_time=flow.use_queued_time, concurrency_limit=flow.concurrency_limit,
                     run_timeout_seconds=flow.run_timeout_seconds, retry_failed_runs=flow.retry_failed_runs,
                     failure_group_ids=group_ids, failure_emails=list(flow.failure_emails or []), labels=labels)
    db.session.add(copy_flow)
    db.session.flush()
    copy_flow.versions.append(FlowVersion(company_id=company_id, number=1, status="draft",
                                          definition=definition, created_by_id=getattr(actor, "id", None)))
    db.session.commit()
    with acting_as(flow.company_id):
        webhooks, callbacks = trigger_services.webhooks_of(flow), trigger_services.callbacks_of(flow)
    # Copies get their own URLs and signatures: sharing a webhook between two flows would start both.
    for hook in webhooks:
        trigger_services.update_webhook(trigger_services.create_webhook(copy_flow, hook.name), name=hook.name,
                                        status=hook.response_status, body=hook.response_body,
                                        fmt=hook.response_format, enabled=hook.enabled)
    for hook in callbacks:
        trigger_services.create_callback(copy_flow, hook.name, hook.response_format, hook.timeout_seconds)
    return copy_flow, cleared


def active_runs(flow: Flow) -> int:
    from app.runs.models import Run

    return db.session.execute(scoped(Run).where(Run.flow_id == flow.id, Run.status.in_(("queued", "running")))
                              .with_only_columns(func.count())).scalar_one()


def delete(flow: Flow) -> None:
    """Remove the flow with its versions, triggers and run history; refused while a run is waiting or running."""
    running = active_runs(flow)
    if running:
        raise FlowError(f"“{flow.name}” has {running} run{'s' if running != 1 else ''} waiting or running; "
                        "stop them (or let them finish) before deleting the flow.")
    db.session.delete(flow)
    db.session.commit()
