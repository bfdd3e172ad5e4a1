"""Where payload bodies are kept: small ones as database rows, large ones as files; readers see no difference,
and a reference only reads back in its own company."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.runs import logbook, services
from app.runs.models import RunLog, RunPayload
from app.runs.payloads import INLINE_BYTES
from tests import factories
from tests.runs_pages.conftest import flow_of, make_flow, mapping, reload


def _run_with(company, worker, payload: str):
    flow = make_flow(company, flow_of(mapping([{"source": "note", "target": "kept"}])))
    run = services.start_run(flow, payload=payload)
    worker.work()
    return reload(run)


def test_a_small_run_keeps_its_payloads_in_the_database_and_they_read_back(ctx, worker):
    company = factories.company()
    run = _run_with(company, worker, '{"note": "héllo"}')
    assert run.status == "success"
    store = logbook.store()
    assert not store.run_folder(company.id, run.id).exists(), "no file was created for a small run"
    assert store.get(company.id, run.input_ref) == '{"note": "héllo"}'.encode()
    step_ref = db.session.query(RunLog.payload_ref).filter(RunLog.run_id == run.id,
                                                           RunLog.payload_ref.is_not(None)).scalar()
    assert store.get(company.id, step_ref) == '{"kept":"héllo"}'.encode()
    assert store.size(company.id, run.input_ref) == len('{"note": "héllo"}'.encode())
    assert db.session.query(RunPayload).filter_by(run_id=run.id).count() == 2


def test_a_large_payload_goes_to_a_file_and_reads_back_the_same(ctx, worker):
    company = factories.company()
    big = '{"note": "' + "x" * (INLINE_BYTES + 10) + '"}'
    run = _run_with(company, worker, big)
    assert run.status == "success"
    store = logbook.store()
    assert store.run_folder(company.id, run.id).exists()
    assert db.session.query(RunPayload).filter_by(run_id=run.id).count() == 0
    assert store.get(company.id, run.input_ref) == big.encode()
    assert store.exists(company.id, run.input_ref)


def test_a_reference_does_not_read_in_another_company(ctx, worker):
    mine, other = factories.company(), factories.company()
    run = _run_with(mine, worker, '{"note": "secret"}')
    store = logbook.store()
    with pytest.raises(KeyError):
        store.get(other.id, run.input_ref)
    assert not store.exists(other.id, run.input_ref) and store.size(other.id, run.input_ref) == 0
    # Even a reference rewritten to name the other company finds nothing: rows are looked up with it.
    forged = f"{other.id}/{run.id}/input.json"
    with pytest.raises(KeyError):
        store.get(other.id, forged)
