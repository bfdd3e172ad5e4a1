"""Deploy checks for what a flow names in its company: the message-queue instance of an event trigger, the script
of a script shape, a connector shape's response script, and the cross-reference lookups and scripts of map rules.
Without them a typo, a deleted lookup or instance, or an undeployed script only shows when a run fails.

References resolve as a run resolves them (`lookups.services.LookupReader`, `scripts.finder`): a number is an id,
anything else a name. Caches are not checked: a flow's own cache comes into being when it first writes.
"""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.flows import drafts, shapes


class _Known:
    """The company's scripts and lookups, by id and by name, read once per check and only when needed."""

    def __init__(self, company_id: int):
        self.company_id = company_id
        self._scripts: dict[str, bool] | None = None
        self._lookups: set[str] | None = None

    def script(self, ref) -> bool | None:
        """True: deployed; False: exists without a deployed version; None: no such script."""
        if self._scripts is None:
            from app.scripts.models import Script, ScriptVersion

            deployed = set(db.session.execute(select(ScriptVersion.script_id).where(
                ScriptVersion.company_id == self.company_id, ScriptVersion.status == "deployed")).scalars())
            self._scripts = {}
            for script_id, name in db.session.execute(select(Script.id, Script.name).where(
                    Script.company_id == self.company_id)):
                self._scripts[str(script_id)] = self._scripts[f"name:{name}"] = script_id in deployed
        return self._scripts.get(_key(ref))

    def lookup(self, ref) -> bool:
        if self._lookups is None:
            from app.lookups.models import LookupTable

            rows = db.session.execute(select(LookupTable.id, LookupTable.name).where(
                LookupTable.company_id == self.company_id))
            self._lookups = {k for table_id, name in rows for k in (str(table_id), f"name:{name}")}
        return _key(ref) in self._lookups


def _key(ref) -> str:
    text = str(ref).strip()
    return text if text.isdigit() else f"name:{text}"


def _where(step: dict) -> str:
    try:
        label = shapes.get(step.get("type", ""), step.get("version")).label
    except shapes.UnknownShape:
        label = step.get("type") or "Shape"
    return f"{label} ‘{step['name']}’" if step.get("name") else str(label)


def _script_problem(known: _Known, ref, what: str) -> str | None:
    state = known.script(ref)
    if state is None:
        return f"{what} ‘{ref}’, which does not exist"
    if state is False:
        return f"{what} ‘{ref}’, which has no deployed version (deploy it on the scripts page)"
    return None


def _step_problems(step: dict, known: _Known) -> list[str]:
    config = step.get("config") if isinstance(step.get("config"), dict) else {}
    kind = step.get("type")
    found: list[str | None] = []
    if kind == "script" and config.get("script_id") not in (None, ""):
        found.append(_script_problem(known, config["script_id"], "uses the script"))
    elif kind == "connector" and config.get("response_script") not in (None, ""):
        found.append(_script_problem(known, config["response_script"], "uses the response script"))
    elif kind == "map":
        for number, rule in enumerate(config.get("rules") or [], start=1):
            for transform in (rule.get("transforms") or []) if isinstance(rule, dict) else []:
                params = transform.get("params") if isinstance(transform, dict) else None
                if not isinstance(params, dict):
                    continue
                if transform.get("fn") == "cross_reference" and params.get("table") not in (None, ""):
                    if not known.lookup(params["table"]):
                        found.append(f"rule {number} uses the lookup ‘{params['table']}’, which does not exist")
                elif transform.get("fn") == "script" and params.get("script") not in (None, ""):
                    problem = _script_problem(known, params["script"], "uses the script")
                    found.append(problem and f"rule {number} {problem}")
    where = _where(step)
    return [f"{where}: {p}" if p.startswith("rule") else f"{where} {p}" for p in found if p]


def _trigger_problems(trigger, company_id: int) -> list[str]:
    """An event listener must name a message-queue (AMQP) instance of the company; otherwise the listener
    would skip the flow with only a line in its own log, and no message would ever start a run."""
    from app import event_bindings
    from app.connectors.models import Instance

    config = event_bindings.event_config(trigger if isinstance(trigger, dict) else None)
    if config is None or config.get("instance_id") in (None, ""):
        return []
    instance_id = event_bindings.trigger_instance_id(trigger)
    if instance_id is None:
        return [f"Event trigger: the connector instance ‘{config['instance_id']}’ is not an instance id"]
    instance = db.session.execute(select(Instance).where(
        Instance.company_id == company_id, Instance.id == instance_id)).scalar_one_or_none()
    if instance is None:
        return [f"Event trigger: connector instance {instance_id} does not exist (was it removed?); choose a "
                "message-queue instance"]
    if instance.connector.protocol != "amqp":
        return [f"Event trigger: connector instance ‘{instance.name}’ is not a message-queue (AMQP) connection; "
                "choose one that is"]
    return []


def problems(definition: dict, company_id: int) -> list[str]:
    """Every reference that does not resolve in the company: the trigger's, then the steps' in canvas order."""
    known = _Known(company_id)
    out: list[str] = _trigger_problems(definition.get("trigger"), company_id)
    for step in drafts.walk(definition.get("steps") or []):
        if isinstance(step, dict):
            out += _step_problems(step, known)
    return out
