"""The shape registry: explicit imports, {type: {version: class}}. A new shape is one module plus its
settings partial templates/flows/shapes/_<type>.html, added to the list below."""
from __future__ import annotations

from app.flows.shapes import (
    assert_payload,
    branch,
    cache_add,
    cache_load,
    callback,
    connector,
    dedupe,
    filter,
    flow_control,
    manual_payload,
    map,
    notify,
    route,
    run_flow,
    script,
    set_variables,
    split,
    track_data,
    try_catch,
)
from app.flows.shapes.base import Shape

_MODULE_CLASSES: list[type[Shape]] = [
    manual_payload.ManualPayload,
    map.Map,
    filter.Filter,
    route.Route,
    branch.Branch,
    flow_control.FlowControl,
    split.Split,
    try_catch.TryCatch,
    set_variables.SetVariables,
    assert_payload.AssertPayload,
    notify.Notify,
    track_data.TrackData,
    run_flow.RunProcessFlow,
    callback.Callback,
    connector.Connector,
    script.Script,
    cache_add.CacheAdd,
    cache_load.CacheLoad,
    dedupe.Dedupe,
]

SHAPES: dict[str, dict[int, type[Shape]]] = {}
for _cls in _MODULE_CLASSES:
    SHAPES.setdefault(_cls.type, {})[_cls.version] = _cls


class UnknownShape(LookupError):
    pass


def get(shape_type: str, version: int | None = None) -> Shape:
    """An instance of the shape class; version None means the newest."""
    versions = SHAPES.get(shape_type)
    if not versions:
        raise UnknownShape(f"Unknown shape type '{shape_type}'.")
    if version is None:
        version = max(versions)
    if version not in versions:
        raise UnknownShape(f"Shape '{shape_type}' has no version {version}.")
    return versions[version]()


def latest() -> list[type[Shape]]:
    """The newest version of every shape, in tray order."""
    return [versions[max(versions)] for versions in SHAPES.values()]
