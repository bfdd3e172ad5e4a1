"""Assert: compares the data at this point with an expected JSON document; a mismatch fails the step.

Meant for tests of a flow (spec §2.9). One payload is compared as it is; several payloads are
compared as a list of their data, in order (so the expected JSON is then a list); no payload is an
empty list. Non-JSON payloads take part as their text. A mismatch raises ShapeError with a readable,
size-capped list of differences (see app/flows/diffing.py). Deterministic, so never retried.
"""
from __future__ import annotations

import json
from typing import Any

from app.flows import diffing
from app.flows.context import Bucket, Payload, ShapeContext, ShapeError
from app.flows.shapes.base import Shape
from app.markers import N_, gettext

MAX_CHARS = 100_000
MAX_DIFFERENCES = 20
MAX_REPORT_CHARS = 2_000


def _data(payload: Payload) -> Any:
    if payload.format == "json":
        return payload.data
    if isinstance(payload.data, bytes):
        return payload.data.decode("utf-8", errors="replace")
    return payload.data if isinstance(payload.data, str) else str(payload.data)


class AssertPayload(Shape):
    type = "assert"
    label = N_("Assert")
    icon = "bi-check2-square"
    help = N_("Fail the run when the data here differs from the JSON you expect (for testing flows).")
    retries = 0  # the same data gives the same answer

    def validate(self, config: dict) -> list[str]:
        expected = config.get("expected")
        if not isinstance(expected, str) or not expected.strip():
            return [gettext("Paste the expected payload ({} is allowed).")]
        if len(expected) > MAX_CHARS:
            return [gettext("The expected payload is %(size)s characters; the limit is %(limit)s.",
                            size=f"{len(expected):,}", limit=f"{MAX_CHARS:,}")]
        try:
            json.loads(expected)
        except json.JSONDecodeError as exc:
            return [gettext("The expected payload is not valid JSON: %(error)s (line %(line)d, column %(column)d).",
                            error=exc.msg, line=exc.lineno, column=exc.colno)]
        return []

    def summary(self, config: dict) -> str:
        expected = (config.get("expected") or "").strip()
        if self.validate(config):
            return gettext("not set up")
        return gettext("expects %(payload)s", payload=diffing.show(json.loads(expected), 40))

    def execute(self, ctx: ShapeContext) -> Bucket:
        problems = self.validate(ctx.config)
        if problems:
            raise ShapeError(problems[0])
        expected = json.loads(ctx.config["expected"])
        bucket = ctx.bucket
        datas = []
        for payload in bucket:
            ctx.check_deadline()
            datas.append(_data(payload))
        actual = datas[0] if len(bucket) == 1 else datas
        result = diffing.diff(expected, actual, limit=MAX_DIFFERENCES)
        one = len(bucket) == 1
        what = "the payload" if one else f"the {len(bucket)} payloads (compared as a list)"
        if result:
            count = f"{result.total} difference{'s' if result.total != 1 else ''}"
            raise ShapeError(f"{what} {'does' if one else 'do'} not match the expected payload "
                             f"({count}):\n{diffing.report(result, MAX_REPORT_CHARS)}")
        ctx.log("info", f"Assertion passed: {what} {'matches' if one else 'match'} the expected payload.")
        return bucket
