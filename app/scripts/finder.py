"""Finds a company's deployed script by id or name for a ScriptRunner (the database side of the runner)."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from app.extensions import db
from app.scripts.models import Script
from app.scripts.sandbox import DeployedScript, ScriptError, ScriptRunner, limits_from


def finder(company_id: int, session=None) -> Callable[[str], DeployedScript]:
    """Scripts of this company only: another company's id is 'does not exist', never a clue it does."""

    def find(key: str) -> DeployedScript:
        query = select(Script).where(Script.company_id == company_id)
        query = query.where(Script.id == int(key)) if key.isdigit() else query.where(Script.name == key)
        script = (session or db.session).execute(query).scalar_one_or_none()
        if script is None:
            raise ScriptError(f"Script '{key}' does not exist in this company (was it deleted?).", "missing")
        deployed = script.deployed
        if deployed is None:
            raise ScriptError(f"Script '{script.name}' has no deployed version: deploy it on the scripts page "
                              "first.", "missing")
        return DeployedScript(id=script.id, name=script.name, language=script.language, code=deployed.code,
                              version=deployed.number)
    return find


def runner_for(company_id: int, config=None, *, session=None, reuse: bool = True,
               timeout: float | None = None) -> ScriptRunner:
    """A ScriptRunner over the database for one company (a run, or a web request such as a connector test:
    those pass `timeout` so a script cannot hold a web worker for the run's full allowance)."""
    return ScriptRunner(company_id, find=finder(company_id, session), limits=limits_from(config, timeout=timeout),
                        reuse=reuse)
