"""The trigger panel on the flow page: schedules on the draft, webhook and callback URLs, permissions."""
from __future__ import annotations

import re

import pytest

from app.api.models import CallbackTrigger, WebhookTrigger
from app.companies.models import Company
from app.extensions import db
from app.flows.models import Flow
from app.flows.schedules import to_cron
from app.runs.models import Run
from tests import factories

HX = {"HX-Request": "true"}
STEP = {"id": "p", "type": "manual_payload", "version": 1, "config": {"body": "{}"}}
HOURLY = {"trigger": {"type": "schedule", "config": {"schedules": [{"kind": "hourly", "every": 1, "minute": 15}]}},
          "steps": [STEP]}


def make_flow(app, company_id, definition=HOURLY, **kwargs) -> int:
    with app.app_context():
        return factories.flow(db.session.get(Company, company_id), definition=definition, **kwargs).id


def versions(app, flow_id):
    with app.app_context():
        flow = db.session.get(Flow, flow_id)
        return {v.status: (v.number, v.definition) for v in flow.versions}


def html(response) -> str:
    return response.get_data(as_text=True)


# --- showing -----------------------------------------------------------------------------------------

def test_the_flow_page_shows_the_schedules_with_their_next_fire_times(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"])
    page = html(client.get(f"/flows/{flow_id}"))
    assert 'id="trigger-panel"' in page
    assert "Every hour at :15" in page and "15 * * * *" in page
    next_runs = re.findall(r'<time datetime="([^"]+)">', page)
    assert len(next_runs) == 5 and all(":15:00" in t for t in next_runs)
    assert "take effect when the draft is deployed" in page
    assert "/static/js/copy.js" in page
    assert client.get("/static/js/copy.js").status_code == 200


# --- schedules -------------------------------------------------------------------------------------------

def test_adding_a_schedule_changes_the_draft_only_and_shows_both(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"])
    response = client.post(f"/flows/{flow_id}/triggers/schedules", headers=HX, data={
        "schedule-kind": "daily", "schedule-time": "09:30", "schedule-weekdays": ["mon", "wed"]})
    assert response.status_code == 200
    fragment = html(response)
    assert fragment.lstrip().startswith('<section id="trigger-schedules"')
    assert "Daily on Mon, Wed at 09:30 UTC" in fragment
    assert 'id="deployed-schedules"' in fragment  # the deployed version still runs on the old ones
    saved = versions(app, flow_id)
    assert saved["draft"][1]["trigger"]["config"]["schedules"][-1]["cron_string"] == "30 9 * * 1,3"
    assert saved["deployed"][1] == HOURLY


@pytest.mark.parametrize("data,message", [
    ({"schedule-kind": "minutes", "schedule-every": "99"}, "Every must be a whole number from 1 to 59, not 99"),
    ({"schedule-kind": "advanced", "schedule-cron": "0 0 9 * * *"}, "Cron needs exactly 5 fields"),
    ({"schedule-kind": "advanced", "schedule-cron": "0 0 30 2 *"}, "never fires"),
    ({"schedule-kind": "monthly", "schedule-time": "25:00", "schedule-day": "1"},
     "Hour must be a whole number from 0 to 23"),
    ({"schedule-kind": "monthly", "schedule-time": "08:00", "schedule-day": "40"}, "Day must be 1 to 31"),
])
def test_an_invalid_schedule_re_renders_the_form_with_its_error_and_422(app, client, login, data, message):
    me = login("user")
    flow_id = make_flow(app, me["company_id"])
    response = client.post(f"/flows/{flow_id}/triggers/schedules", headers=HX, data=data)
    assert response.status_code == 422
    fragment = html(response)
    assert 'id="schedule-form"' in fragment and "invalid-feedback" in fragment
    assert message in fragment
    assert versions(app, flow_id)["draft"][1] == HOURLY  # nothing saved


def test_choosing_an_occurrence_shows_its_inputs(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"])
    daily = html(client.get(f"/flows/{flow_id}/triggers/schedules/form?schedule-kind=daily", headers=HX))
    assert daily.lstrip().startswith('<form id="schedule-form"')
    assert 'value="mon"' in daily and 'type="time"' in daily and "schedule-cron" not in daily
    advanced = html(client.get(f"/flows/{flow_id}/triggers/schedules/form?schedule-kind=advanced", headers=HX))
    assert 'name="schedule-cron"' in advanced and 'value="mon"' not in advanced
    monthly = html(client.get(f"/flows/{flow_id}/triggers/schedules/form?schedule-kind=monthly", headers=HX))
    assert 'name="schedule-day"' in monthly and 'value="12"' in monthly  # December


def test_removing_a_schedule_and_a_stale_remove(app, client, login):
    me = login("user")
    two = {"trigger": {"type": "schedule", "config": {"schedules": [
        {"kind": "hourly", "every": 1, "minute": 15}, {"kind": "minutes", "every": 30}]}}, "steps": [STEP]}
    flow_id = make_flow(app, me["company_id"], definition=two)
    page = html(client.get(f"/flows/{flow_id}"))
    assert 'hx-confirm="Remove the schedule' in page

    stale = client.post(f"/flows/{flow_id}/triggers/schedules/0/delete", headers=HX, data={"cron": "*/30 * * * *"})
    assert "The schedules changed" in html(stale)
    assert len(versions(app, flow_id)["draft"][1]["trigger"]["config"]["schedules"]) == 2

    response = client.post(f"/flows/{flow_id}/triggers/schedules/0/delete", headers=HX, data={"cron": "15 * * * *"})
    assert response.status_code == 200
    assert "Every hour at :15" in html(response).split('id="deployed-schedules"')[1]  # still deployed
    assert [s.get("kind") for s in versions(app, flow_id)["draft"][1]["trigger"]["config"]["schedules"]] == [
        "minutes"]
    client.post(f"/flows/{flow_id}/triggers/schedules/0/delete", headers=HX, data={"cron": "*/30 * * * *"})
    assert versions(app, flow_id)["draft"][1]["trigger"] == {"type": "manual", "config": {}}


def test_a_flow_without_a_draft_gets_one_copied_from_the_deployed_version(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"])
    with app.app_context():
        flow = db.session.get(Flow, flow_id)
        flow.draft.status = "inactive"
        db.session.commit()
    response = client.post(f"/flows/{flow_id}/triggers/schedules", headers=HX,
                           data={"schedule-kind": "minutes", "schedule-every": "15"})
    assert response.status_code == 200
    number, definition = versions(app, flow_id)["draft"]
    assert number == 3
    assert [to_cron(s) for s in definition["trigger"]["config"]["schedules"]] == ["15 * * * *", "*/15 * * * *"]
    assert definition["steps"] == HOURLY["steps"]


def test_without_htmx_a_form_post_redirects_and_errors_render_the_trigger_page(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"])
    response = client.post(f"/flows/{flow_id}/triggers/schedules", data={"schedule-kind": "minutes",
                                                                          "schedule-every": "5"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/flows/{flow_id}/triggers")
    page = html(client.get(f"/flows/{flow_id}/triggers"))
    assert "<html" in page and "Every 5 minutes" in page
    bad = client.post(f"/flows/{flow_id}/triggers/schedules", data={"schedule-kind": "minutes", "schedule-every": ""})
    assert bad.status_code == 422 and "<html" in html(bad) and "Every is required" in html(bad)


# --- webhooks and callbacks ------------------------------------------------------------------------------

def test_add_a_webhook_then_call_its_url_end_to_end(app, client, login, worker):
    me = login("user")
    with app.app_context():
        db.session.get(Company, me["company_id"]).tier = "pro"
        db.session.commit()
    flow_id = make_flow(app, me["company_id"])
    response = client.post(f"/flows/{flow_id}/triggers/webhooks", headers=HX, data={"webhook-name": "Orders"})
    assert response.status_code == 200
    fragment = html(response)
    url = re.search(r'data-copy="(http://localhost/api/v1/webhooks/[^"]+)"', fragment).group(1)
    assert f'value="{url}"' in fragment
    assert re.fullmatch(rf"http://localhost/api/v1/webhooks/{me['company_id']}/\d+\?signature=[\w-]{{40,}}", url)

    called = client.post(url.removeprefix("http://localhost"), json={"id": 7})
    assert called.status_code == 200
    worker.work()
    with app.app_context():
        run = db.session.get(Run, called.json["run_id"])
        assert (run.flow_id, run.trigger, run.status) == (flow_id, "webhook", "success")


def test_a_webhook_name_is_required(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"])
    response = client.post(f"/flows/{flow_id}/triggers/webhooks", headers=HX, data={"webhook-name": " "})
    assert response.status_code == 422 and "This field is required." in html(response)


def _webhook(app, flow_id):
    with app.app_context():
        hook = db.session.query(WebhookTrigger).filter_by(flow_id=flow_id).one()
        return hook.id, hook.signature, hook.company_id


def test_customise_regenerate_and_delete_a_webhook(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"])
    client.post(f"/flows/{flow_id}/triggers/webhooks", headers=HX, data={"webhook-name": "Orders"})
    hook_id, signature, company_id = _webhook(app, flow_id)
    base = f"/flows/{flow_id}/triggers/webhooks/{hook_id}"

    form = html(client.get(base, headers=HX))
    assert 'name="edit-webhook-response_status"' in form
    bad = client.post(base, headers=HX, data={"edit-webhook-name": "Orders", "edit-webhook-response_status": "200",
                                              "edit-webhook-response_format": "json",
                                              "edit-webhook-response_body": "{oops", "edit-webhook-enabled": "y"})
    assert bad.status_code == 422 and "Invalid JSON" in html(bad)
    saved = client.post(base, headers=HX, data={
        "edit-webhook-name": "Orders", "edit-webhook-response_status": "202", "edit-webhook-response_format": "xml",
        "edit-webhook-response_body": "<ok>thanks</ok>", "edit-webhook-enabled": "y"})
    assert saved.status_code == 200 and "answers 202 XML" in html(saved)
    answer = client.post(f"/api/v1/webhooks/{company_id}/{hook_id}?signature={signature}", json={})
    assert (answer.status_code, answer.mimetype, answer.data) == (202, "application/xml", b"<ok>thanks</ok>")

    regenerated = client.post(base + "/signature", headers=HX)
    _, new_signature, _ = _webhook(app, flow_id)
    assert new_signature != signature and new_signature in html(regenerated)
    assert client.post(f"/api/v1/webhooks/{company_id}/{hook_id}?signature={signature}").status_code == 404

    page = html(client.get(f"/flows/{flow_id}"))
    assert 'hx-confirm="Delete “Orders”?' in page
    deleted = client.post(base + "/delete", headers=HX)
    assert deleted.status_code == 200 and "No webhooks." in html(deleted)
    assert client.post(f"/api/v1/webhooks/{company_id}/{hook_id}?signature={new_signature}").status_code == 404


def test_add_and_edit_a_callback(app, client, login):
    me = login("user")
    flow_id = make_flow(app, me["company_id"])
    added = client.post(f"/flows/{flow_id}/triggers/callbacks", headers=HX, data={
        "callback-name": "Stock", "callback-response_format": "xml", "callback-timeout_seconds": "20"})
    assert added.status_code == 200
    assert re.search(r'data-copy="http://localhost/api/v1/callbacks/\d+/\d+\?signature=[\w-]{40,}"', html(added))
    assert "answers XML, waits up to 20 s" in html(added)
    with app.app_context():
        hook_id = db.session.query(CallbackTrigger).filter_by(flow_id=flow_id).one().id
    bad = client.post(f"/flows/{flow_id}/triggers/callbacks/{hook_id}", headers=HX, data={
        "edit-callback-name": "Stock", "edit-callback-response_format": "json", "edit-callback-timeout_seconds": "0"})
    assert bad.status_code == 422 and "Number must be between 1 and 120." in html(bad)
    good = client.post(f"/flows/{flow_id}/triggers/callbacks/{hook_id}", headers=HX, data={
        "edit-callback-name": "Stock", "edit-callback-response_format": "text", "edit-callback-timeout_seconds": "5"})
    assert "answers TEXT, waits up to 5 s" in html(good)


# --- permissions and tenancy -----------------------------------------------------------------------------

def test_read_only_users_see_no_edit_controls_no_signatures_and_get_403(app, client, login):
    me = login("read-only")
    flow_id = make_flow(app, me["company_id"])
    with app.app_context():
        flow = db.session.get(Flow, flow_id)
        from app.api import services

        hook = services.create_webhook(flow, "Orders")
        callback = services.create_callback(flow, "Stock")
        hook_id, signature, callback_id = hook.id, hook.signature, callback.id
    page = html(client.get(f"/flows/{flow_id}"))
    assert "Every hour at :15" in page and "Orders" in page
    assert signature not in page and "Only users who can run flows see the signature." in page
    for control in ("Add schedule", "Add webhook", "Add callback", "New signature", "hx-confirm", "Customise answer"):
        assert control not in page, control
    base = f"/flows/{flow_id}/triggers"
    for url in (f"{base}/schedules", f"{base}/schedules/0/delete", f"{base}/webhooks", f"{base}/webhooks/{hook_id}",
                f"{base}/webhooks/{hook_id}/signature", f"{base}/webhooks/{hook_id}/delete", f"{base}/callbacks",
                f"{base}/callbacks/{callback_id}", f"{base}/callbacks/{callback_id}/signature",
                f"{base}/callbacks/{callback_id}/delete"):
        assert client.post(url, headers=HX, data={"cron": "15 * * * *", "webhook-name": "x"}).status_code == 403, url
    assert client.get(f"{base}/schedules/form", headers=HX).status_code == 403
    assert client.get(base).status_code == 200


def test_another_companys_flow_and_triggers_are_404(app, client, login):
    with app.app_context():
        stranger = factories.company("Stranger Ltd")
        flow = factories.flow(stranger, name="Secret flow", definition=HOURLY)
        from app.api import services

        hook = services.create_webhook(flow, "Secret hook")
        flow_id, hook_id = flow.id, hook.id
    me = login("administrator")
    base = f"/flows/{flow_id}/triggers"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/schedules/form").status_code == 404
    for url in (f"{base}/schedules", f"{base}/schedules/0/delete", f"{base}/webhooks",
                f"{base}/webhooks/{hook_id}/signature", f"{base}/webhooks/{hook_id}/delete"):
        response = client.post(url, headers=HX, data={"cron": "15 * * * *", "webhook-name": "x"})
        assert response.status_code == 404, url
        assert "Secret" not in html(response)
    # the stranger's webhook id under my own flow is a 404 too
    mine = make_flow(app, me["company_id"])
    assert client.post(f"/flows/{mine}/triggers/webhooks/{hook_id}/delete", headers=HX).status_code == 404
    with app.app_context():
        assert db.session.get(WebhookTrigger, hook_id) is not None
        assert db.session.get(Flow, flow_id).versions[-1].definition == HOURLY
