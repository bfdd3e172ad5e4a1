"""Scripts pages: list, create, edit the draft, deploy, versions, test panel, delete (refused while used)."""
from __future__ import annotations

from app.extensions import db
from app.scripts import services
from app.scripts.models import Script
from tests import factories

HX = {"HX-Request": "true"}
CODE = "import json\n\ndef handle(data):\n    data['payload'] = json.dumps({'n': 1})\n    return data\n"


def _script(company_id, code=CODE, deploy=False, name="Tagger", language="python"):
    from app.companies.models import Company

    script = services.create_script(db.session.get(Company, company_id), name, language, code=code)
    if deploy:
        services.deploy(script)
    return script.id


def test_the_list_has_an_empty_state_and_a_create_button(client, login):
    login("manager")
    page = client.get("/scripts/").get_data(as_text=True)
    assert "has no scripts yet" in page and "Write your first script" in page


def test_creating_a_script_starts_a_draft_from_the_starter(app, client, login):
    ids = login("manager")
    response = client.post("/scripts/new", data={"name": "Split names", "language": "javascript"}, headers=HX)
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith("/scripts/")
    with app.app_context():
        script = db.session.query(Script).filter_by(company_id=ids["company_id"]).one()
        assert script.language == "javascript" and script.draft.number == 1
        assert "function handle(data)" in script.draft.code
    page = client.get(response.headers["HX-Redirect"]).get_data(as_text=True)
    assert "data-code-editor" in page and 'data-language="javascript"' in page and "Deploy v1" in page


def test_a_duplicate_name_is_a_422_with_the_form(client, login):
    ids = login("manager")
    with client.application.app_context():
        _script(ids["company_id"])
    response = client.post("/scripts/new", data={"name": "tagger", "language": "python"}, headers=HX)
    assert response.status_code == 422
    assert "already a script called" in response.get_data(as_text=True)


def test_save_deploy_edit_again_and_restore(app, client, login):
    ids = login("manager")
    with app.app_context():
        script_id = _script(ids["company_id"])
    assert client.post(f"/scripts/{script_id}/code", data={"code": CODE + "# v1\n"}, headers=HX).status_code == 204
    assert client.post(f"/scripts/{script_id}/deploy", headers=HX).status_code == 204
    page = client.get(f"/scripts/{script_id}").get_data(as_text=True)
    assert "Deployed · v1" in page and "starts draft version 2" in page
    client.post(f"/scripts/{script_id}/code", data={"code": CODE + "# v2\n"}, headers=HX)
    with app.app_context():
        script = db.session.get(Script, script_id)
        assert [(v.number, v.status) for v in script.versions] == [(1, "deployed"), (2, "draft")]
    client.post(f"/scripts/{script_id}/deploy", headers=HX)
    old = client.get(f"/scripts/{script_id}/versions/1").get_data(as_text=True)
    assert "older version" in old and "Restore into the draft" in old and "readonly" in old
    client.post(f"/scripts/{script_id}/versions/1/restore", headers=HX)
    with app.app_context():
        script = db.session.get(Script, script_id)
        assert [(v.number, v.status) for v in script.versions] == [(1, "inactive"), (2, "deployed"), (3, "draft")]
        assert script.draft.code.endswith("# v1\n")


def test_a_draft_with_a_syntax_error_cannot_be_deployed(app, client, login):
    ids = login("manager")
    with app.app_context():
        script_id = _script(ids["company_id"], code="def handle(data)\n    return data\n")
    client.post(f"/scripts/{script_id}/deploy", headers=HX)
    page = client.get(f"/scripts/{script_id}").get_data(as_text=True)
    assert "cannot be deployed" in page and "SyntaxError" in page
    with app.app_context():
        assert db.session.get(Script, script_id).deployed is None


def test_the_test_panel_shows_output_messages_time_and_memory(app, client, login):
    ids = login("manager")
    with app.app_context():
        script_id = _script(ids["company_id"])
    code = ("import json\ndef handle(data):\n    p = json.loads(data['payload'])\n"
            "    p['store'] = '/'.join([data['variables']['store'], data['meta']['page'],\n"
            "                           data['flow']['variables']['x']])\n"
            "    print('hello from the script')\n    data['payload'] = json.dumps(p)\n    return data\n")
    response = client.post(f"/scripts/{script_id}/test", headers=HX, data={
        "code": code, "payload": '{"id": 7}', "variables": '{"store": "UK"}', "meta_data": '{"page": "1"}',
        "flow_variables": '{"x": "y"}'})
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert "The script ran." in body and "&#34;store&#34;: &#34;UK/1/y&#34;" in body
    assert "hello from the script" in body and "peak memory" in body and "MB" in body
    assert 'id="test-isolation"' in body


def test_the_test_panel_reports_failures_and_bad_json(app, client, login):
    ids = login("manager")
    with app.app_context():
        script_id = _script(ids["company_id"])
    bad = client.post(f"/scripts/{script_id}/test", headers=HX, data={"code": CODE, "payload": "{}", "meta_data": "[1"})
    assert bad.status_code == 422 and "Not valid JSON" in bad.get_data(as_text=True)
    body = client.post(f"/scripts/{script_id}/test", headers=HX, data={
        "code": "def handle(data):\n    return open('/etc/passwd').read()\n", "payload": "{}"}).get_data(as_text=True)
    assert 'id="test-error"' in body and "NameError" in body and "root:" not in body


def test_deleting_is_refused_while_a_deployed_flow_uses_the_script(app, client, login):
    ids = login("manager")
    with app.app_context():
        script_id = _script(ids["company_id"], deploy=True)
        from app.companies.models import Company

        company = db.session.get(Company, ids["company_id"])
        factories.flow(company, name="Order sync", definition={"trigger": {"type": "manual", "config": {}}, "steps": [
            {"id": "s1", "type": "script", "version": 1, "config": {"script_id": script_id}}]})
    response = client.post(f"/scripts/{script_id}/delete", headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "cannot be deleted" in body and "Order sync" in body
    with app.app_context():
        assert db.session.get(Script, script_id) is not None


def test_an_unused_script_is_deleted(app, client, login):
    ids = login("manager")
    with app.app_context():
        script_id = _script(ids["company_id"])
    assert client.post(f"/scripts/{script_id}/delete", headers=HX).headers["HX-Redirect"] == "/scripts/"
    with app.app_context():
        assert db.session.get(Script, script_id) is None


def test_read_only_users_see_code_but_cannot_change_or_test_it(app, client, login):
    ids = login("read-only")
    with app.app_context():
        script_id = _script(ids["company_id"])
    page = client.get(f"/scripts/{script_id}").get_data(as_text=True)
    assert "readonly" in page and "Save draft" not in page and "Run test" not in page
    assert client.post(f"/scripts/{script_id}/code", data={"code": "x"}).status_code == 403
    assert client.post(f"/scripts/{script_id}/test", data={"code": "x"}).status_code == 403
    assert client.post(f"/scripts/{script_id}/deploy").status_code == 403


def test_another_companys_script_is_a_404(app, client, login):
    login("manager")
    with app.app_context():
        other = factories.company()
        script_id = _script(other.id, name="Secret script")
    for url in (f"/scripts/{script_id}", f"/scripts/{script_id}/versions/1"):
        assert client.get(url).status_code == 404
    assert client.post(f"/scripts/{script_id}/test", data={"code": CODE}).status_code == 404
    assert "Secret script" not in client.get("/scripts/").get_data(as_text=True)
