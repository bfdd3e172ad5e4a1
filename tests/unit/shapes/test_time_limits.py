"""Every shape that loops over payloads stops at the step's time limit, before doing the next payload's work."""
from __future__ import annotations

import time

import pytest

from app.flows import shapes
from app.flows.context import Payload, ShapeContext, StepTimeout

CONDITION = {"field": "id", "operator": "is_not_empty", "type": "string", "value": None}
CONFIGS = {
    "map": {"rules": [{"source": "id", "target": "n"}]},
    "filter": {"conditions": [CONDITION]},
    "split": {"level": "id"},
    "flow_control": {"size": 1},
    "set_variables": {"flow": [{"name": "last", "value": "[[payload.id]]"}], "meta": [{"key": "k", "value": "v"}]},
    "assert": {"expected": "[]"},
    "notify": {"template": "Order [[payload.id]]", "level": "info", "channels": "log"},
    "manual_payload": {"format": "json", "body": "{}"},
    "track_data": {"fields": [{"path": "id"}]},
}


class Log(list):
    def __call__(self, level, message, step=None, bucket=None):
        self.append((level, message))


def _context(config, **extra):
    return ShapeContext(config=config, bucket=[Payload([{"id": 1}]), Payload([{"id": 2}])], log=Log(),
                        deadline=time.monotonic() - 1, **extra)


@pytest.mark.parametrize("shape_type", sorted(CONFIGS))
def test_a_shape_past_its_time_limit_stops(shape_type):
    ctx = _context(CONFIGS[shape_type], track=lambda pairs: None)
    with pytest.raises(StepTimeout, match="ran past its time limit"):
        shapes.get(shape_type).execute(ctx)
    assert not [m for level, m in ctx.log if level != "debug"]  # nothing was reported done
    assert "last" not in ctx.flow_variables


def test_the_route_shape_stops_too():
    paths = [{"id": "a", "name": "A", "config": {"conditions": [CONDITION]}}, {"id": "b", "name": "B", "config": {}}]
    ctx = _context({"method": "all"})
    ctx.paths = paths
    with pytest.raises(StepTimeout):
        shapes.get("route").execute(ctx)


def test_a_dedupe_past_its_time_limit_records_nothing(ctx):
    from app.caches import pools
    from tests import factories

    service = pools.DedupeService(factories.company().id)
    config = {"pool": "orders", "key_field": "id", "behaviour": "filter_track"}
    with pytest.raises(StepTimeout):
        shapes.get("dedupe").execute(_context(config, dedupe=service))
    pool = service.pool("orders")
    assert service.known(pool, ["1", "2"]) == set()  # the next run still sees both records as new


def test_without_a_time_limit_nothing_stops():
    ctx = ShapeContext(config=CONFIGS["map"], bucket=[Payload({"id": 1})], log=Log())
    assert [p.data for p in shapes.get("map").execute(ctx)] == [{"n": 1}]
