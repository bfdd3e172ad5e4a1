"""Every tenant-owned row is reachable only through the acting company: another company's id is a 404."""
from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound

from app import tenancy
from app.extensions import db
from app.runs.models import RunLog
from tests import factories
from tests.tenant_makers import MAKERS
from tests.tenant_makers.core import make_run


def test_every_tenant_model_is_covered():
    missing = sorted(m.__name__ for m in set(tenancy.TENANT_MODELS) - set(MAKERS))
    assert not missing, f"add a maker to tests/tenant_makers/ for: {missing}"


@pytest.mark.parametrize("model", list(MAKERS), ids=lambda m: m.__name__)
def test_rows_of_another_company_are_not_found(ctx, model):
    owner, other = factories.company(), factories.company()
    row = MAKERS[model](owner)
    with tenancy.acting_as(other.id):
        with pytest.raises(NotFound):
            tenancy.get_or_404(model, row.id)
        assert db.session.execute(tenancy.scoped(model).where(model.id == row.id)).first() is None
    with tenancy.acting_as(owner.id):
        assert tenancy.get_or_404(model, row.id).id == row.id


def test_pages_of_another_companys_flow_and_run_are_404(app, client, login, worker):
    with app.app_context():
        stranger = factories.company("Stranger Ltd")
        flow = factories.flow(stranger, name="Secret flow")
        run = make_run(stranger)
        log = RunLog(company_id=stranger.id, run_id=run.id, level="info", message="x", payload_ref="1/1/x.dat")
        db.session.add(log)
        db.session.commit()
        flow_id, run_id, log_id = flow.id, run.id, log.id
    login("administrator")
    for url in (f"/flows/{flow_id}", f"/runs/{run_id}", f"/runs/{run_id}/stream",
                f"/runs/{run_id}/logs/{log_id}/payload", f"/runs/{run_id}/summary"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Secret flow" not in response.get_data(as_text=True)
    assert client.post(f"/flows/{flow_id}/run").status_code == 404
    assert client.post(f"/runs/{run_id}/stop").status_code == 404
    assert "Secret flow" not in client.get("/flows/").get_data(as_text=True)
    assert f"#{run_id}" not in client.get("/runs/").get_data(as_text=True)
