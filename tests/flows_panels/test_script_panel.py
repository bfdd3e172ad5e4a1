"""The script shape's panel: deployed scripts to choose from, variables, and a preview run in the sandbox."""
from __future__ import annotations

from app.companies.models import Company
from app.extensions import db
from tests.flows_panels.helpers import get_panel, html, make_flow, payload_step, preview, preview_outputs, save, step_of

CODE = """
def handle(data):
    payload = json.loads(data["payload"])
    payload["tag"] = data["variables"]["tag"]
    return {"payload": json.dumps(payload)}
"""


def deployed_script(app, company_id: int, name: str = "Tagger") -> int:
    from app.scripts import services

    with app.app_context():
        script = services.create_script(db.session.get(Company, company_id), name, "python",
                                        code="import json\n" + CODE)
        services.deploy(script)
        return script.id


def test_script_panel_lists_deployed_scripts_saves_and_previews_in_the_sandbox(app, client, login):
    me = login("user")
    script_id = deployed_script(app, me["company_id"])
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "s", "type": "script", "version": 1,
                                                                 "config": {"script_id": script_id}}])
    page = html(get_panel(client, flow_id, "s"))
    assert f'<option value="{script_id}" selected>Tagger (Python 3)</option>' in page
    response = save(client, flow_id, "s", {"script_id": str(script_id), "variables-0-name": "tag",
                                           "variables-0-value": "[[payload.status]]"}, app=app)
    assert response.status_code == 200, html(response)
    assert step_of(app, flow_id, "s")["config"] == {"script_id": script_id, "script_name": "Tagger",
                                                    "variables": {"tag": "[[payload.status]]"}}
    page = html(preview(client, flow_id, "s", {"script_id": str(script_id), "variables-0-name": "tag",
                                               "variables-0-value": "[[payload.status]]"},
                        paste={"id": 5, "status": "paid"}))
    assert preview_outputs(page) == [{"id": 5, "status": "paid", "tag": "paid"}]
    response = save(client, flow_id, "s", {"script_id": ""}, app=app)
    assert response.status_code == 422 and "Choose a deployed script." in html(response)


def test_without_deployed_scripts_the_panel_says_where_to_make_one(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"], [payload_step(), {"id": "s", "type": "script", "version": 1,
                                                                 "config": {"script_id": 99}}])
    page = html(get_panel(client, flow_id, "s"))
    assert "(not deployed)" in page and "/scripts" in page
