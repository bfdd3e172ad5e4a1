"""Custom scripts: create, edit the draft, deploy, restore an old version, delete (refused while used), and
test code on a pasted payload. Views and the future Core API call these; each change commits once."""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from app import audit
from app.extensions import db
from app.scripts import usage
from app.scripts.models import LANGUAGES, Script, ScriptVersion
from app.scripts.sandbox import Limits, ScriptError, ScriptResult, execute, limits_from, script_input
from app.scripts.sandbox_process import Sandbox
from app.tenancy import scoped
from app.timeutil import utcnow

NAME_MAX = 120
CODE_MAX = 200_000
TEST_TIMEOUT = 30.0  # a test from the page holds a web worker; runs get the full allowance

STARTERS = {
    "python": '''import json


def handle(data):
    """Called once per payload. data["payload"] is the payload as text; data["variables"], data["meta"] and
    data["flow"]["variables"] hold the rest. Return data with the new payload."""
    payload = json.loads(data["payload"] or "null")
    # Change the payload here.
    data["payload"] = json.dumps(payload)
    data["logs"] = ["Processed one payload"]
    return data
''',
    "javascript": '''function handle(data) {
  // Called once per payload. data.payload is the payload as text; data.variables, data.meta and
  // data.flow.variables hold the rest. Return data with the new payload.
  const payload = JSON.parse(data.payload || "null");
  // Change the payload here.
  data.payload = JSON.stringify(payload);
  data.logs = ["Processed one payload"];
  return data;
}
''',
}


class ScriptServiceError(ValueError):
    """A change that was refused; the message is for the user."""


class ScriptInUse(ScriptServiceError):
    def __init__(self, script: Script, usages: list[usage.Usage]):
        self.usages = usages
        names = ", ".join(sorted({u.where for u in usages}))
        super().__init__(f"“{script.name}” is used by {names}. Change or undeploy them before deleting the script.")


# -- reading ------------------------------------------------------------------------------------------
def all_scripts() -> list[Script]:
    return list(db.session.execute(scoped(Script).order_by(func.lower(Script.name))).scalars())


def deployed_scripts() -> list[Script]:
    """Scripts a shape may choose: those with a deployed version."""
    return [s for s in all_scripts() if s.deployed is not None]


def version_of(script: Script, number: int) -> ScriptVersion | None:
    return next((v for v in script.versions if v.number == number), None)


# -- changing -----------------------------------------------------------------------------------------
def _clean(name: str | None, description: str | None, language: str | None) -> tuple[str, str | None, str]:
    name = (name or "").strip()
    if not name:
        raise ScriptServiceError("Give the script a name.")
    if len(name) > NAME_MAX:
        raise ScriptServiceError(f"A script name can be at most {NAME_MAX} characters.")
    if language not in LANGUAGES:
        raise ScriptServiceError("Choose a language: " + " or ".join(LANGUAGES.values()) + ".")
    return name, (description or "").strip() or None, language


def _name_taken(company_id: int, name: str, except_id: int | None = None) -> bool:
    query = select(Script.id).where(Script.company_id == company_id, func.lower(Script.name) == name.lower())
    if except_id is not None:
        query = query.where(Script.id != except_id)
    return db.session.execute(query).first() is not None


def create_script(company, name: str, language: str, description: str | None = None, code: str | None = None,
                  actor=None) -> Script:
    """A new script whose first version is a draft holding `code` (or the language's starter)."""
    name, description, language = _clean(name, description, language)
    if _name_taken(company.id, name):
        raise ScriptServiceError(f"There is already a script called “{name}”.")
    code = STARTERS[language] if code is None else code
    _check_code(code)
    script = Script(company_id=company.id, name=name, description=description, language=language)
    script.versions.append(ScriptVersion(company_id=company.id, number=1, status="draft", code=code,
                                         created_by_id=getattr(actor, "id", None)))
    db.session.add(script)
    db.session.flush()
    audit.record(actor, company.id, "script.created", name, language=language)
    db.session.commit()
    return script


def _check_code(code: str) -> None:
    if len(code or "") > CODE_MAX:
        raise ScriptServiceError(f"The script is {len(code):,} characters; the limit is {CODE_MAX:,}.")


def update_details(script: Script, name: str, description: str | None, actor=None) -> Script:
    name, description, _ = _clean(name, description, script.language)
    if _name_taken(script.company_id, name, except_id=script.id):
        raise ScriptServiceError(f"There is already a script called “{name}”.")
    script.name, script.description = name, description
    audit.record(actor, script.company_id, "script.updated", name)
    db.session.commit()
    return script


def save_draft(script: Script, code: str, actor=None) -> ScriptVersion:
    """Store the editor's code as the draft; after a deploy the first save starts a new draft version."""
    _check_code(code)
    draft = script.draft
    if draft is None:
        number = (script.latest.number if script.latest else 0) + 1
        draft = ScriptVersion(company_id=script.company_id, number=number, status="draft",
                              created_by_id=getattr(actor, "id", None))
        script.versions.append(draft)
    draft.code = code
    script.updated_at = utcnow()
    db.session.commit()
    return draft


def deploy(script: Script, actor=None) -> ScriptVersion:
    """The draft becomes the deployed version; the one deployed before becomes inactive."""
    draft = script.draft
    if draft is None:
        raise ScriptServiceError("There is no draft to deploy: the deployed version is already the latest.")
    if not (draft.code or "").strip():
        raise ScriptServiceError("The draft is empty: write the script before deploying it.")
    problem = syntax_problem(script.language, draft.code)
    if problem:
        raise ScriptServiceError(f"The draft cannot be deployed: {problem}")
    current = script.deployed
    if current is not None:
        current.status = "inactive"
        db.session.flush()  # one deployed version at a time, even for a moment
    draft.status = "deployed"
    draft.deployed_at = utcnow()
    audit.record(actor, script.company_id, "script.deployed", script.name, version=draft.number)
    db.session.commit()
    return draft


def restore(script: Script, version: ScriptVersion, actor=None) -> ScriptVersion:
    """Copy an older version's code into the draft (the deployed version does not change)."""
    return save_draft(script, version.code, actor)


def delete_script(script: Script, actor=None) -> None:
    """Refused while a deployed flow (or a connector) uses the script; ScriptInUse lists them."""
    usages = usage.usages(script)
    if usages:
        raise ScriptInUse(script, usages)
    audit.record(actor, script.company_id, "script.deleted", script.name)
    db.session.delete(script)
    db.session.commit()


# -- testing ------------------------------------------------------------------------------------------
@dataclass
class TestInput:
    payload: str
    variables: dict
    meta: dict
    flow_variables: dict


def parse_test_input(payload: str | None, variables: str | None, meta: str | None,
                     flow_variables: str | None) -> tuple[TestInput | None, dict[str, str]]:
    """The test panel's fields: the payload is raw text; the others must be JSON objects (blank is {})."""
    errors: dict[str, str] = {}
    parsed: dict[str, dict] = {}
    for key, text in (("variables", variables), ("meta", meta), ("flow_variables", flow_variables)):
        if not (text or "").strip():
            parsed[key] = {}
            continue
        try:
            value = json.loads(text)
        except ValueError as exc:
            errors[key] = f"Not valid JSON: {exc}."
            continue
        if not isinstance(value, dict):
            errors[key] = "Write a JSON object, such as {\"store\": \"UK\"}."
            continue
        parsed[key] = value
    if errors:
        return None, errors
    return TestInput(payload=payload or "", **parsed), {}


def syntax_problem(language: str, code: str) -> str | None:
    """A syntax error in the code, found by starting it in the sandbox, or None."""
    sandbox = Sandbox(_test_limits(), reuse=False)
    try:
        execute(sandbox, language, code + _PROBE[language], {"payload": None}, limits=_test_limits(), name="draft")
    except ScriptError as exc:
        if exc.kind == "syntax":
            return str(exc).split(": ", 1)[-1]
    finally:
        sandbox.close()
    return None


# Appended when only the syntax matters: the probe's handle() replaces the user's, so nothing of theirs runs.
_PROBE = {"python": "\n\ndef handle(data):\n    return data\n",
          "javascript": "\n;function handle(data) { return data; }\n"}


def _test_limits() -> Limits:
    return limits_from(current_app.config, timeout=TEST_TIMEOUT)


def readable_output(result: ScriptResult) -> str:
    """The returned payload for people: JSON text pretty-printed, other values as JSON."""
    value = result.data.get("payload")
    if isinstance(value, str):
        try:
            return json.dumps(json.loads(value), indent=2, ensure_ascii=False)
        except ValueError:
            return value
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def test_run(language: str, code: str, given: TestInput, name: str = "the script") -> ScriptResult:
    """Run code (saved or not) once on the test panel's input; raises ScriptError."""
    if language not in LANGUAGES:
        raise ScriptError("Choose Python or JavaScript.", "unavailable")
    data = script_input(given.payload, variables=given.variables, meta=given.meta,
                        flow_variables=given.flow_variables)
    sandbox = Sandbox(_test_limits(), reuse=False)
    try:
        return execute(sandbox, language, code, data, limits=_test_limits(), name=name)
    finally:
        sandbox.close()
