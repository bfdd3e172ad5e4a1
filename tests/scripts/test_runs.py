"""Scripts in real runs (RQ worker, engine, sandbox): the script shape, the map's script transform, failures that
land in the run log while the worker goes on, and another company's script that does not exist for a flow."""
from __future__ import annotations

from sqlalchemy import select

from app.companies.models import Company
from app.extensions import db
from app.runs import services as run_services
from app.runs.models import Run, RunLog
from app.scripts import services
from tests import factories

UPPER = ("import json\n\ndef handle(data):\n    p = json.loads(data['payload'])\n"
         "    p['name'] = p['name'].upper() + str(data['variables']['suffix'])\n"
         "    data['payload'] = json.dumps(p)\n    data['logs'] = ['upper-cased ' + str(p['id'])]\n    return data\n")
LOOP = "def handle(data):\n    while True:\n        pass\n"


def _deployed(company, name, code, language="python"):
    script = services.create_script(company, name, language, code=code)
    services.deploy(script)
    return script.id


def _run(flow, payload='{"id": 7, "name": "ada"}'):
    return run_services.start_run(flow, payload=payload).id


def _logs(run_id) -> list[str]:
    return list(db.session.execute(select(RunLog.message).where(RunLog.run_id == run_id).order_by(RunLog.id)).scalars())


def _flow(company, steps, name=None):
    return factories.flow(company, name=name, definition={"trigger": {"type": "manual", "config": {}}, "steps": steps})


def test_a_script_shape_changes_the_payload_and_logs_its_messages(ctx, worker):
    company = factories.company()
    script_id = _deployed(company, "Upper", UPPER)
    flow = _flow(company, [{"id": "s", "type": "script", "version": 1,
                            "config": {"script_id": script_id, "variables": {"suffix": "[[payload.id]]"}}}])
    run_id = _run(flow)
    worker.work()
    run = db.session.get(Run, run_id)
    db.session.refresh(run)
    assert run.status == "success", _logs(run_id)
    assert "Script: upper-cased 7" in _logs(run_id)


def test_a_javascript_script_in_the_map_transforms_one_field(ctx, worker):
    company = factories.company()
    script_id = _deployed(company, "Initials", "function handle(d) { d.payload = d.payload.split(' ')"
                                               ".map(w => w[0]).join(''); return d; }", "javascript")
    flow = _flow(company, [{"id": "m", "type": "map", "version": 1, "config": {"rules": [
        {"source": "name", "target": "initials",
         "transforms": [{"fn": "script", "params": {"script": str(script_id)}}]},
        {"source": "id", "target": "id"}]}}])
    run_id = _run(flow, '[{"id": 1, "name": "Ada King Lovelace"}, {"id": 2, "name": "Alan Turing"}]')
    worker.work()
    run = db.session.get(Run, run_id)
    assert run.status == "success", _logs(run_id)
    from app.runs import logbook

    last = [r for r in db.session.execute(select(RunLog).where(RunLog.run_id == run_id)).scalars() if r.payload_ref][-1]
    body = logbook.store().get(company.id, last.payload_ref)
    assert b'"initials":"AKL"' in body.replace(b" ", b"") and b'"initials":"AT"' in body.replace(b" ", b"")


def test_an_endless_script_fails_its_run_clearly_and_the_worker_serves_the_next(app, ctx, worker):
    app.config["SCRIPT_TIMEOUT_SECONDS"] = 2
    company = factories.company()
    loop_flow = _flow(company, [{"id": "s", "type": "script", "version": 1,
                                 "config": {"script_id": _deployed(company, "Loop", LOOP)}}])
    good_flow = _flow(company, [{"id": "s", "type": "script", "version": 1,
                                 "config": {"script_id": _deployed(company, "Upper", UPPER),
                                            "variables": {"suffix": "!"}}}])
    bad_run, good_run = _run(loop_flow), _run(good_flow)
    worker.work()
    bad = db.session.get(Run, bad_run)
    assert bad.status == "failure"
    assert "ran longer than its limit of 2 s" in (bad.error or "")
    assert any("Script 'Loop' took too long" in line for line in _logs(bad_run))
    # A time-out is not retried: one attempt, not four.
    assert not any("Retrying" in line for line in _logs(bad_run))
    assert db.session.get(Run, good_run).status == "success"


def test_a_script_that_reads_files_fails_with_the_reason(ctx, worker):
    company = factories.company()
    spy = ("import json\ndef handle(data):\n    data['payload'] = json.codecs.open('/etc/passwd').read()\n"
           "    return data\n")
    flow = _flow(company, [{"id": "s", "type": "script", "version": 1,
                            "config": {"script_id": _deployed(company, "Spy", spy)}}])
    flow.versions[0].definition["steps"][0]["retries"] = 0
    run_id = _run(flow)
    worker.work()
    run = db.session.get(Run, run_id)
    assert run.status == "failure"
    assert "not allowed in a script: opening files" in run.error
    assert not any("root:" in line for line in _logs(run_id))


def test_another_companys_script_does_not_exist_for_a_flow(ctx, worker):
    owner, intruder = factories.company(), factories.company()
    secret_id = _deployed(owner, "Secret", UPPER)
    flow = _flow(intruder, [{"id": "s", "type": "script", "version": 1, "retries": 0,
                             "config": {"script_id": secret_id, "variables": {"suffix": ""}}}])
    run_id = _run(flow)
    worker.work()
    run = db.session.get(Run, run_id)
    assert run.status == "failure"
    assert f"Script '{secret_id}' does not exist in this company" in run.error


def test_a_script_without_a_deployed_version_says_so(ctx, worker):
    company = db.session.get(Company, factories.company().id)
    draft_only = services.create_script(company, "Draft", "python", code=UPPER)
    flow = _flow(company, [{"id": "s", "type": "script", "version": 1, "retries": 0,
                            "config": {"script_id": draft_only.name}}])
    run_id = _run(flow)
    worker.work()
    assert "has no deployed version" in db.session.get(Run, run_id).error
