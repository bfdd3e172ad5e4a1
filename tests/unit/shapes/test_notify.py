"""Notify: templates (100 characters per variable), log and email channels, one message per payload."""
from __future__ import annotations

import pytest

from app.flows import shapes
from app.flows.context import Payload, ShapeContext, ShapeError
from app.flows.engine import Engine, Environment


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message))


class Mailer(list):
    """Stands in for the run's mail service: records what the shape asked to send."""

    def __call__(self, level, message, channels, groups):
        self.append((level, message, channels, groups))


def notify(config, bucket, mailer=None, flow_variables=None):
    log = Log()
    ctx = ShapeContext(config=config, bucket=bucket, log=log, notify=mailer, flow_variables=flow_variables or {})
    return shapes.get("notify").execute(ctx), log


def test_each_variable_contributes_at_most_100_characters_but_static_text_is_kept():
    mailer = Mailer()
    long_text = "n" * 150
    template = "Order [[payload.id]] for [[payload.note]] in [[flow.variables.shop]] (" + "s" * 120 + ")"
    notify({"template": template, "level": "error", "channels": "email", "groups": [4]},
           [Payload({"id": 17, "note": long_text})], mailer, {"shop": "EU"})
    ((level, message, channels, groups),) = mailer
    assert (level, channels, groups) == ("error", "email", [4])
    assert message == f"Order 17 for {'n' * 100} in EU ({'s' * 120})"


def test_the_log_channel_writes_at_the_chosen_level_and_needs_no_mail_service():
    out, log = notify({"template": "Synced [[payload.id]] for [[meta.shop]]", "level": "success", "channels": "log"},
                      [Payload({"id": 1}, meta={"shop": "UK"}), Payload({"id": 2}, meta={"shop": "US"})])
    assert log == [("success", "Synced 1 for UK"), ("success", "Synced 2 for US")]
    assert [p.data for p in out] == [{"id": 1}, {"id": 2}]


def test_email_and_log_does_both_once_per_payload():
    mailer = Mailer()
    _, log = notify({"template": "[[payload.id]] failed", "level": "warning", "channels": "email_log",
                     "groups": [1, 2]}, [Payload({"id": "A"}), Payload({"id": "B"})], mailer)
    assert mailer == [("warning", "A failed", "email_log", [1, 2]), ("warning", "B failed", "email_log", [1, 2])]
    assert log == [("warning", "A failed"), ("warning", "B failed")]


def test_identical_messages_of_one_step_are_sent_once():
    mailer = Mailer()
    _, log = notify({"template": "The stock sync failed", "level": "error", "channels": "email_log", "groups": [1]},
                    [Payload({"id": n}) for n in range(40)], mailer)
    assert len(mailer) == 1
    assert log == [("error", "The stock sync failed"),
                   ("info", "The message above was the same for 40 payloads and was sent once.")]


def test_raw_text_payloads_work_with_the_whole_payload_token():
    mailer = Mailer()
    notify({"template": "Got: [[payload]]", "level": "info", "channels": "email", "groups": [1]},
           [Payload("x" * 300, format="text")], mailer)
    assert mailer[0][1] == "Got: " + "x" * 100


def test_email_without_a_mail_service_fails_clearly():
    with pytest.raises(ShapeError, match="email notifications are not available in this run"):
        notify({"template": "hi", "channels": "email", "groups": [1]}, [Payload({})])


def test_no_payload_means_no_message():
    mailer = Mailer()
    out, log = notify({"template": "hi", "channels": "email_log", "groups": [1]}, [], mailer)
    assert out == [] and mailer == []
    assert log == [("info", "No payloads reached this shape, so there is nothing to notify.")]


def test_validation():
    shape = shapes.get("notify")
    assert shape.validate({"template": "Order [[payload.id]]", "level": "info", "channels": "log"}) == []
    assert shape.validate({"template": " ", "channels": "log"}) == ["Write the notification template."]
    assert shape.validate({"template": "x", "level": "loud", "channels": "log"}) == [
        "Alert level must be one of: Success, Info, Warning, Error."]
    assert shape.validate({"template": "x", "channels": "pigeon"}) == [
        "Channels must be one of: Email + log, Log, Email."]
    assert shape.validate({"template": "x", "channels": "email", "groups": []}) == [
        "Choose at least one notification group to email."]
    assert shape.validate({"template": "x", "channels": "email_log", "groups": ["3"]}) == [
        "Notification groups must be chosen from the list."]
    assert "Unknown variable [[paylod.id]]" in shape.validate({"template": "[[paylod.id]]", "channels": "log"})[0]
    summary = shape.summary({"level": "error", "channels": "email_log", "groups": [1, 2]})
    assert summary == "Error · Email + log, 2 groups"


def test_through_the_engine_the_run_hook_gets_the_messages_and_is_not_retried():
    log, mailer = Log(), Mailer()
    definition = {"steps": [
        {"id": "p", "type": "manual_payload", "config": {"format": "json", "body": '{"id": 5}'}},
        {"id": "n", "type": "notify", "config": {"template": "Order [[payload.id]] failed", "level": "error",
                                                 "channels": "email", "groups": [9]}},
    ]}
    result = Engine(Environment(log=log, retry_delay=0, notify=mailer)).run(definition, [])
    assert result.status == "success" and result.bucket[0].data == {"id": 5}
    assert mailer == [("error", "Order 5 failed", "email", [9])]

    def broken(*args):
        raise RuntimeError("mail service down")

    log = Log()
    result = Engine(Environment(log=log, retry_delay=0, notify=broken)).run(definition, [])
    assert result.status == "failure" and "mail service down" in result.error
    assert not [m for _, m in log if "attempt" in m]  # a retry would send the earlier messages twice

    result = Engine(Environment(log=Log(), retry_delay=0)).run(definition, [])
    assert result.error == "Notify: email notifications are not available in this run"
