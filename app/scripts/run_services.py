"""The script, lookup, cache and de-dupe services one flow run hands its shapes (built by runs.jobs)."""
from __future__ import annotations

from flask import current_app

from app.caches.pools import DedupeService
from app.caches.services import CacheStore, allowance_bytes
from app.extensions import db, get_redis
from app.lookups.services import LookupReader
from app.scripts.finder import runner_for


def for_run(run) -> dict:
    """Keyword arguments for engine.Environment; close the runner with close(services)."""
    from app.companies.models import Company

    company_id, flow_id = run.company_id, run.flow_id
    company = db.session.get(Company, company_id)
    return {
        "scripts": runner_for(company_id, current_app.config, session=db.session),
        "lookups": LookupReader(company_id, session=db.session),
        "caches": CacheStore(get_redis(), company_id, flow_id=flow_id, run_id=run.id,
                             allowance=allowance_bytes(company), session=db.session),
        "dedupe": DedupeService(company_id, flow_id=flow_id, run_id=run.id, session=db.session),
    }


def close(env) -> None:
    """Stop the run's sandbox children (called once the engine is done)."""
    scripts = getattr(env, "scripts", None)
    if scripts is not None:
        scripts.close()
