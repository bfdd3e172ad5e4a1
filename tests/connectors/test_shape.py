"""The connector shape inside the real engine: buckets, metering, variables, protocols, failures."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.connectors.protocols import PROTOCOLS, Protocol, ProtocolError
from app.flows import shapes
from app.flows.context import Payload, ShapeContext, ShapeError
from app.flows.engine import Engine, Environment
from tests import factories
from tests.connectors.conftest import Log, endpoint, run_shape

PAGED = endpoint("list", "/pages/number", pagination={"type": "page_number", "limit_param": "limit", "limit": 10,
                                                       "data_path": "items", "stop_on_short_page": True})
SEND = endpoint("push", "/echo", method="POST", direction="send")


class EngineLog(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message))


def test_receive_then_send_meters_one_operation_per_page_and_per_payload(setup, make_runtime):
    instance = setup(endpoints=[PAGED, SEND])
    runtime = make_runtime(instance.company_id)
    definition = {"steps": [
        {"id": "r", "type": "connector", "config": {"instance_id": instance.id, "endpoint": "list"}},
        {"id": "s", "type": "connector", "config": {"instance_id": instance.id, "endpoint": "push",
                                                     "save_response_as_payload": True}}]}
    log = EngineLog()
    result = Engine(Environment(log=log, connectors=runtime, retry_delay=0)).run(definition, [])
    assert result.status == "success", result.error
    assert len(result.bucket) == 3
    assert result.operations == 6  # 3 pages (the short third page ends it) + 3 sends
    assert all(p.data["method"] == "POST" for p in result.bucket)


def test_without_a_runtime_the_shape_fails_clearly():
    ctx = ShapeContext(config={"instance_id": 1, "endpoint": "x"}, bucket=[], log=Log())
    with pytest.raises(ShapeError, match="connector runtime is not available"):
        shapes.get("connector").execute(ctx)


def test_an_instance_of_another_company_is_not_found(setup, make_runtime):
    instance = setup(endpoints=[PAGED])
    stranger = factories.company()
    with pytest.raises(ShapeError, match=f"instance {instance.id} does not exist"):
        run_shape(make_runtime(stranger.id), {"instance_id": instance.id, "endpoint": "list"})


def test_an_unknown_endpoint_is_named(setup, make_runtime):
    instance = setup(endpoints=[PAGED])
    with pytest.raises(ShapeError, match="has no endpoint 'gone'"):
        run_shape(make_runtime(instance.company_id), {"instance_id": instance.id, "endpoint": "gone"})


def test_variables_from_payload_meta_and_flow_run_one_receive_per_payload(setup, make_runtime, api):
    ep = endpoint("get", "/echo", query={"customer": "{{customer}}", "channel": "{{channel}}", "env": "{{env}}"},
                  variables=[{"key": "customer", "label": "Customer", "required": True},
                             {"key": "channel", "label": "Channel"}, {"key": "env", "label": "Env"}])
    instance = setup(endpoints=[ep])
    bucket = [Payload({"id": 7}, meta={"channel": "web"}), Payload({"id": 8}, meta={"channel": "pos"})]
    out, operations, _ = run_shape(make_runtime(instance.company_id), {
        "instance_id": instance.id, "endpoint": "get",
        "variables": {"customer": "c-[[payload.id]]", "channel": "[[meta.channel]]", "env": "[[flow.variables.env]]"}},
        bucket, flow_variables={"env": "live"})
    assert operations == 2
    assert [r["query"] for r in api.state["requests"]] == ["customer=c-7&channel=web&env=live",
                                                            "customer=c-8&channel=pos&env=live"]
    assert out[0].meta["channel"] == "web"  # meta travels with the payload


def test_a_required_variable_without_a_value_is_named(setup, make_runtime):
    ep = endpoint("get", "/echo", variables=[{"key": "order_id", "label": "Order ID", "required": True}])
    instance = setup(endpoints=[ep])
    with pytest.raises(ShapeError, match="needs a value for: Order ID"):
        run_shape(make_runtime(instance.company_id), {"instance_id": instance.id, "endpoint": "get",
                                                      "variables": {"order_id": "[[payload.missing]]"}},
                  [Payload({"id": 1})])


def test_first_wrapping_unwraps_single_item_arrays(setup, make_runtime):
    instance = setup(endpoints=[endpoint("one", "/single"), endpoint("many", "/pages/number")])
    runtime = make_runtime(instance.company_id)
    out, _, _ = run_shape(runtime, {"instance_id": instance.id, "endpoint": "one", "wrapping": "first"})
    assert out[0].data == {"id": 1}
    out, _, _ = run_shape(runtime, {"instance_id": instance.id, "endpoint": "one", "wrapping": "raw"})
    assert out[0].data == [{"id": 1}]
    out, _, _ = run_shape(runtime, {"instance_id": instance.id, "endpoint": "many", "wrapping": "first"})
    assert len(out[0].data["items"]) == 10  # not a one-item list: unchanged


def test_validate_reports_every_problem():
    problems = shapes.get("connector").validate({"timeout": 0, "retries": 3, "wrapping": "all",
                                                 "response_script": "fix", "variables": {"x": "[[nope.y]]"}})
    text = " ".join(problems)
    for expected in ("Choose a connector instance", "Choose an endpoint", "between 1 and 600", "0, 1 or 2",
                     "'raw' or 'first'", "Unknown variable [[nope.y]]"):
        assert expected in text
    assert shapes.get("connector").validate({"instance_id": 3, "endpoint": "list", "retries": 2,
                                             "response_script": "Fix dates"}) == []


class Recorder(Protocol):
    name = "recorder"
    sent: list = []

    def receive(self, settings, credentials, operation, variables) -> Iterator[Payload]:
        yield Payload({"path": operation["path"], "host": settings["host"], "user": credentials["username"],
                       "auth": credentials["auth_type"]})
        yield Payload({"second": True})

    def send(self, settings, credentials, operation, payload, variables):
        if payload.data.get("bad"):
            raise ProtocolError("Could not write /out/bad.json: permission denied.")
        self.sent.append((operation["filename"], payload.data))
        return Payload({"written": operation["filename"]})


@pytest.fixture
def recorder_protocol(monkeypatch):
    monkeypatch.setitem(PROTOCOLS, "recorder", Recorder())
    Recorder.sent = []
    return Recorder


def test_protocol_connectors_go_through_the_protocol_registry(ctx, make_runtime, recorder_protocol):
    from app.connectors import services

    company = factories.company()
    definition = {"key": "files", "name": "Files", "protocol": "ftp", "variables": [
        {"key": "host", "label": "Host", "required": True}, {"key": "folder", "label": "Folder", "default": "out"}],
        "auth_methods": [{"key": "up", "name": "User", "type": "db_user_pass", "variables": [
            {"key": "username", "label": "User"}, {"key": "password", "label": "Password", "secret": True}]}],
        "endpoints": [
            {"key": "list", "name": "List", "direction": "receive", "action": "list", "path": "/{{folder}}/{{day}}",
             "variables": [{"key": "day", "label": "Day"}]},
            {"key": "put", "name": "Upload", "direction": "send", "action": "upload",
             "filename": "{{folder}}/order-{{order_id}}-{{unknown_meta}}.json",
             "variables": [{"key": "order_id", "label": "Order"}]}]}
    connector = services.create_connector(company, definition)
    connector.definition = {**connector.definition, "protocol": "recorder"}  # route to the test protocol
    from app.extensions import db

    db.session.commit()
    instance = services.add_instance(connector, "Files", "up", {"host": "ftp.example.com", "username": "ada",
                                                                "password": "pw-secret-1"})
    runtime = make_runtime(company.id)
    out, operations, _ = run_shape(runtime, {"instance_id": instance.id, "endpoint": "list",
                                             "variables": {"day": "mon"}})
    assert out[0].data == {"path": "/out/mon", "host": "ftp.example.com", "user": "ada", "auth": "db_user_pass"}
    assert operations == 2
    out, operations, _ = run_shape(runtime, {"instance_id": instance.id, "endpoint": "put",
                                             "variables": {"order_id": "[[payload.id]]"},
                                             "save_response_as_payload": True}, [Payload({"id": 5})])
    assert recorder_protocol.sent == [("out/order-5-{{unknown_meta}}.json", {"id": 5})]
    assert operations == 1 and out[0].data == {"written": "out/order-5-{{unknown_meta}}.json"}
    with pytest.raises(ShapeError, match="permission denied"):
        run_shape(runtime, {"instance_id": instance.id, "endpoint": "put"}, [Payload({"bad": True})])


def test_shape_retries_stay_inside_the_shape():
    assert shapes.get("connector").retries == 0  # the engine must not resend payloads that went through
