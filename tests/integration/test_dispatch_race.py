"""A dispatch that finds one of its chosen runs handed over by another process meanwhile still hands
over the others (their jobs reach RQ) and leaves the other process's slot alone."""
from __future__ import annotations

from sqlalchemy import event, update

from app.extensions import db, get_redis
from app.runs import queue as run_queue
from app.runs import services
from app.runs.models import Run
from app.timeutil import utcnow
from tests import factories


def test_a_run_taken_meanwhile_does_not_lose_the_other_jobs(ctx):
    company = factories.company(tier="standard")  # ten slots
    flow = factories.flow(company)
    slots = run_queue.slots_key(company.id)
    redis = get_redis()
    redis.sadd(slots, *range(-10, 0))  # every slot held by runs going elsewhere
    first = services.start_run(flow, trigger="schedule")
    second = services.start_run(flow, trigger="schedule")
    assert first.dispatched_at is None and second.dispatched_at is None
    redis.srem(slots, -1, -2)  # two of them ended: two free slots
    first_id, second_id = first.id, second.id

    # Another process (a webhook's admission) hands `second` over, with its slot, just as this
    # dispatch claims its runs.
    fired = []

    def another_process(conn, cursor, statement, parameters, context, executemany):
        if not fired and statement.lstrip().upper().startswith("UPDATE RUN SET DISPATCHED_AT"):
            fired.append(True)
            with db.engine.begin() as other:
                other.execute(update(Run.__table__).where(Run.__table__.c.id == second_id)
                              .values(dispatched_at=utcnow()))
            redis.sadd(slots, second_id)

    event.listen(db.engine, "before_cursor_execute", another_process)
    try:
        assert run_queue.dispatch(company.id) == 1
    finally:
        event.remove(db.engine, "before_cursor_execute", another_process)
    assert fired
    db.session.expire_all()
    assert run_queue.is_waiting_on_queue(db.session.get(Run, first_id)), "the run this dispatch took reached RQ"
    assert redis.sismember(slots, first_id)
    assert redis.sismember(slots, second_id), "the other process's run keeps its slot"
    assert redis.get(f"weft:dispatch:{company.id}") is None, "the dispatch lock was let go"
