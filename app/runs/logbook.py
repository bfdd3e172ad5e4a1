"""Writes run log rows and publishes each to the run's Redis channel for live viewers.

The worker publishes facts (a row id, a status); the web side renders them, so url_for, the viewer's
permissions and time zone all work in the stream.
"""
from __future__ import annotations

import json

from flask import current_app

from app.extensions import db, get_redis
from app.flows.context import Bucket
from app.runs.models import Run, RunLog
from app.runs.payloads import PayloadStore, bucket_body, preview


def channel(run_id: int) -> str:
    return f"weft:runs:{run_id}"


def store() -> PayloadStore:
    return PayloadStore(f"{current_app.config['INSTANCE_PATH']}/payloads")


def publish(run_id: int, **fact) -> None:
    get_redis().publish(channel(run_id), json.dumps(fact))


class Logbook:
    """One per run: numbers stored payloads and writes rows."""

    def __init__(self, run: Run):
        self.run_id = run.id
        self.company_id = run.company_id
        self.seq = 0

    def __call__(self, level: str, message: str, step: dict | None = None, bucket: Bucket | None = None) -> RunLog:
        row = RunLog(run_id=self.run_id, company_id=self.company_id, level=level, message=message[:10_000])
        if step is not None:
            from app.flows.engine import step_label

            row.step_id = str(step.get("id", ""))[:40]
            row.step_label = step_label(step)[:120]
        if bucket is not None:
            self.seq += 1
            body = bucket_body(bucket)
            row.payload_ref = store().put(self.company_id, self.run_id, f"{self.seq:04d}-{row.step_id or 'run'}.dat",
                                          body)
            row.payload_size = len(body)
            row.payload_count = len(bucket)
            row.payload_preview = preview(body, current_app.config["PAYLOAD_PREVIEW_BYTES"])
        db.session.add(row)
        db.session.commit()
        publish(self.run_id, id=row.id)
        return row
