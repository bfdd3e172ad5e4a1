"""Flow control: cuts the array at a level of each payload into batches, one output payload per batch
(docs/shapes.md#flow-control, docs/flow-control.md)."""
from __future__ import annotations

from app.flows import formats
from app.flows.batching import BatchError, batch
from app.flows.context import Bucket, Payload, ShapeContext, ShapeError
from app.flows.paths import STAR, PathError, parse_path
from app.flows.shapes.base import Shape, read_structured
from app.markers import N_, gettext

FORMATS = ("auto", "json", "xml", "csv")  # plain text has no records to batch
SETTINGS = ("level", "size", "format", "wrap_single", "source")  # source: schema helper for the level picker
DEFAULT_SIZE = 100


class FlowControl(Shape):
    type = "flow_control"
    label = N_("Flow control")
    icon = "bi-stack"
    group = "standard"
    help = N_("Cut the records of each payload into batches of a set size, one payload per batch.")
    retries = 0  # the same payload gives the same batches; trying again cannot help

    def validate(self, config: dict) -> list[str]:
        problems = [gettext("Unknown setting %(key)s.", key=repr(key)) for key in config if key not in SETTINGS]
        level = config.get("level", "*")
        if not isinstance(level, str):
            problems.append(gettext("The batch level must be a path (or * for a payload that is itself an array)."))
        elif level.strip() not in ("", "*", "$"):
            try:
                segs = parse_path(level.strip())
            except PathError as exc:
                problems.append(gettext("Batch level: %(problem)s.", problem=exc))
            else:
                if STAR in segs[:-1]:
                    problems.append(gettext("The batch level %(level)s must name one array; '*' is only allowed "
                                            "alone (the payload itself) or at the end.", level=repr(level)))
        size = config.get("size", DEFAULT_SIZE)
        if type(size) is not int or size < 1:
            problems.append(gettext("The batch size must be a whole number of at least 1, not %(value)s.",
                                    value=repr(size)))
        fmt = config.get("format", "auto")
        if fmt not in FORMATS:
            problems.append(gettext("The payload format must be one of %(formats)s, not %(value)s.",
                                    formats=", ".join(FORMATS), value=repr(fmt)))
        wrap = config.get("wrap_single", True)
        if not isinstance(wrap, bool):
            problems.append(gettext("'Wrap single records in an array' must be true or false, not %(value)s.",
                                    value=repr(wrap)))
        return problems

    def summary(self, config: dict) -> str:
        size = config.get("size", DEFAULT_SIZE)
        level = config.get("level", "*") or "*"
        if level in ("*", "$"):
            return gettext("batches of %(size)s", size=size)
        return gettext("batches of %(size)s of %(level)s", size=size, level=level)

    def execute(self, ctx: ShapeContext) -> Bucket:
        config = ctx.config
        level = config.get("level", "*")
        size = config.get("size", DEFAULT_SIZE)
        wrap = config.get("wrap_single", True)
        wanted = config.get("format", "auto")
        if wanted not in FORMATS:
            raise ShapeError(f"Unknown payload format {wanted!r}: use {', '.join(FORMATS)}.")
        out: Bucket = []
        for number, payload in enumerate(ctx.bucket, start=1):
            ctx.check_deadline()
            data, fmt, delimiter = read_structured(payload, number, "Flow control", wanted, plain_text=(
                f"Payload {number} reads as plain text, which has no records to batch; set the payload format to "
                "JSON, XML or CSV if it is one of those."))
            try:
                batches = batch(data, level=level, size=size, wrap_single=wrap)
            except BatchError as exc:
                raise ShapeError(f"Payload {number}: {exc}") from exc
            meta = payload.meta
            if fmt == "json":
                out.extend(Payload(data=b, format="json", meta=dict(meta)) for b in batches)
                continue
            for b in batches:
                try:
                    body = formats.dump(b, fmt, delimiter=delimiter).decode("utf-8")
                except formats.FormatError as exc:
                    raise ShapeError(f"Payload {number}: a batch could not be written as {fmt.upper()}: {exc}") from exc
                out.append(Payload(data=body, format=fmt, meta=dict(meta)))
        ctx.log("info", f"Flow control cut {len(ctx.bucket):,} payload(s) into {len(out):,} batch(es) of up to {size}.")
        return out
