"""Enqueueing RQ jobs: ids only (JSON serializer), unique job ids, and only after the data is committed."""
from __future__ import annotations

from rq import Queue
from rq.serializers import JSONSerializer

from app.extensions import db, get_redis

DEFAULT = "default"
MAIL = "mail"
# Workers listen in this order, which is the priority order: callbacks first, then runs by their
# flow's queue priority, then housekeeping.
QUEUES = ("callbacks", "runs-highest", "runs-high", "runs-medium", "runs-low", "runs-lowest", DEFAULT, MAIL)


def queue(name: str) -> Queue:
    return Queue(name, connection=get_redis(), serializer=JSONSerializer)


def enqueue(queue_name: str, func: str, *args: int | str, job_id: str | None = None, **options):
    """Enqueue func (a dotted path) with primitive arguments. Refuses while the session has pending
    changes: a worker faster than our commit would otherwise load a row that does not exist yet."""
    session = db.session
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("commit before enqueueing: the worker must see what the job refers to")
    return queue(queue_name).enqueue(func, *args, job_id=job_id, **options)
