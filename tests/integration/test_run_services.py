"""Run services the shapes reach through hooks: child runs (no recursion) and metering."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.flows.context import Payload, ShapeError
from app.insights import usage
from app.runs import services
from app.runs.jobs import RunHooks
from app.runs.models import Run
from app.timeutil import utcnow
from tests import factories


def test_child_runs_start_through_the_queue_and_cannot_recurse(ctx, worker):
    company = factories.company(tier="pro")
    parent_flow, child_flow = factories.flow(company, name="Parent"), factories.flow(company, name="Child")
    parent = services.start_run(parent_flow, trigger="manual")
    child_id = RunHooks(parent).start_child_run(child_flow.id, payload=Payload({"order": 7}), meta={"source": "A"})
    child = db.session.get(Run, child_id)
    assert child.parent_run_id == parent.id and child.trigger == "run_process_flow"
    assert child.input_meta == {"source": "A"}

    with pytest.raises(ShapeError, match="already running above this one"):
        RunHooks(child).start_child_run(parent_flow.id)  # B calling A while A called B
    other = factories.flow(factories.company(), name="Stranger")
    with pytest.raises(ShapeError, match="does not exist in this company"):
        RunHooks(parent).start_child_run(other.id)
    child_flow.enabled = False
    db.session.commit()
    with pytest.raises(ShapeError, match="disabled"):
        RunHooks(parent).start_child_run(child_flow.id)
    worker.work()
    db.session.refresh(child)
    assert child.status == "success"


def test_a_finished_run_is_metered_for_its_company_and_day(ctx, worker):
    company = factories.company()
    flow = factories.flow(company)
    services.start_run(flow)
    services.start_run(flow)
    services.count_operation(company.id, flow.id, "webhook")
    worker.work()
    runs = db.session.query(Run).all()
    from app.tenancy import acting_as

    with acting_as(company.id):
        totals = usage.totals(utcnow().date())
    assert totals == {"runs": 2, "operations": 1, "data_bytes": sum(r.data_out for r in runs)}
    with acting_as(factories.company().id):
        assert usage.totals(utcnow().date())["runs"] == 0
