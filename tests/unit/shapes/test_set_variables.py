"""Set variables: flow variables (shared by the run, last payload wins) and per-payload meta."""
from __future__ import annotations

import pytest

from app.flows import shapes
from app.flows.context import Payload, ShapeContext, ShapeError
from app.flows.engine import Engine, Environment


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message))


def run(config, bucket, flow_variables=None):
    log = Log()
    ctx = ShapeContext(config=config, bucket=bucket, log=log, flow_variables=flow_variables or {})
    return shapes.get("set_variables").execute(ctx), ctx, log


def test_flow_variables_are_shared_and_the_last_payload_wins():
    shared = {"since": "2020-01-01", "keep": 1}
    out, ctx, log = run({"flow": [{"name": "since", "value": "[[payload.updated]]"}]},
                        [Payload({"updated": "2024-05-01"}), Payload({"updated": "2024-06-30"})], shared)
    assert ctx.flow_variables is shared  # the run's one dict, changed in place
    assert shared == {"since": "2024-06-30", "keep": 1}
    assert [p.data for p in out] == [{"updated": "2024-05-01"}, {"updated": "2024-06-30"}]
    assert ("info", "Flow variables set: since = 2024-06-30") in log


def test_meta_is_set_per_payload_and_the_data_passes_through_untouched():
    first, second = Payload({"id": 7}, meta={"source": "shop"}), Payload({"id": 8})
    out, _, _ = run({"meta": [{"key": "order", "value": "order-[[payload.id]]"},
                              {"key": "raw", "value": "[[payload.id]]"}]}, [first, second])
    assert [p.meta for p in out] == [{"source": "shop", "order": "order-7", "raw": 7},
                                    {"order": "order-8", "raw": 8}]
    assert out[0].data is first.data
    assert first.meta == {"source": "shop"}  # the input payload's meta is not changed behind its back


def test_a_lone_token_keeps_its_type_and_later_entries_read_earlier_ones():
    out, ctx, _ = run({"flow": [{"name": "lines", "value": "[[payload.lines]]"}, {"name": "n", "value": "5"}],
                       "meta": [{"key": "count", "value": "[[flow.variables.n]]"},
                                {"key": "label", "value": "[[meta.count]] lines"}]},
                      [Payload({"lines": [{"sku": "A"}]})])
    assert ctx.flow_variables["lines"] == [{"sku": "A"}]
    assert out[0].meta == {"count": "5", "label": "5 lines"}


def test_with_no_payload_static_flow_variables_are_still_set():
    out, ctx, _ = run({"flow": [{"name": "mode", "value": "full"}], "meta": [{"key": "k", "value": "v"}]}, [])
    assert out == [] and ctx.flow_variables == {"mode": "full"}


def test_validation_reports_each_problem():
    shape = shapes.get("set_variables")
    assert shape.validate({}) == ["Add at least one flow or meta variable."]
    assert shape.validate({"flow": [{"name": "", "value": "x"}]}) == ["Flow variable 1 needs a name."]
    problems = shape.validate({"meta": [{"key": "k", "value": "[[paylod.id]]"}]})
    assert len(problems) == 1 and problems[0].startswith("Meta variable 'k': Unknown variable [[paylod.id]]")
    good = {"flow": [{"name": "a", "value": "[[payload.id]]"}], "meta": [{"key": "b", "value": 3}]}
    assert shape.validate(good) == []
    assert shape.summary({"flow": [{"name": "a"}], "meta": [{"key": "b"}]}) == "a, meta.b"


def test_a_broken_config_fails_the_step_with_the_problem():
    with pytest.raises(ShapeError, match="Meta variable 1 needs a key"):
        run({"meta": [{"value": "x"}]}, [Payload({})])


def test_through_the_engine_later_steps_and_the_run_see_the_new_values():
    log = Log()
    env = Environment(log=log, retry_delay=0, flow_variables={"region": "eu"})
    definition = {"steps": [
        {"id": "p", "type": "manual_payload", "config": {"format": "json", "body": '{"id": 41}'}},
        {"id": "s", "type": "set_variables", "config": {
            "flow": [{"name": "last_id", "value": "[[payload.id]]"}],
            "meta": [{"key": "key", "value": "[[flow.variables.region]]-[[payload.id]]"}]}},
        {"id": "n", "type": "notify", "config": {
            "template": "id [[flow.variables.last_id]] key [[meta.key]]", "level": "info", "channels": "log"}},
    ]}
    result = Engine(env).run(definition, [])
    assert result.status == "success"
    assert env.flow_variables == {"region": "eu", "last_id": 41}
    assert result.bucket[0].meta == {"key": "eu-41"} and result.bucket[0].data == {"id": 41}
    assert ("info", "id 41 key eu-41") in log
