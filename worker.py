"""Worker entry: builds the app once and runs each job inside an app context, without forking.

Runs ("run-<id>" jobs) take a lean path: RQ's per-job bookkeeping (started/finished registries,
execution records, job status writes: some 60 Redis commands a job) is replaced by two pipelines,
one as the run starts (worker busy, which run it holds) and one as it ends. Everything the queue
page and `rq info` show stays true: the job waits on its RQ queue, the worker is registered with
its state and current job, the job hash goes when the run ends. Crash recovery does not rely on
RQ's registries: while a run goes, `weft:runs:held` names the worker holding it, and the worker
keeps a short-lived liveness key; the scheduler's sweep fails runs whose worker died
(app.runs.recovery). Housekeeping jobs (mail, purges) take RQ's ordinary path.
"""
from __future__ import annotations

import gc
import importlib
import logging
import sys
import threading
import time
import traceback

from rq import SimpleWorker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer
from rq.timeouts import JobTimeoutException, UnixSignalDeathPenalty
from rq.worker import WorkerStatus

from app import create_app
from app.extensions import get_redis
from app.jobs import QUEUES
from app.runs import recovery
from app.runs.queue import FAILURE_TTL_SECONDS, JOB_TIMEOUT_SECONDS, run_id_of

log = logging.getLogger("weft.worker")
HEARTBEAT_SECONDS = 5
SUSPENSION_CHECK_SECONDS = 1.0


class LeanJob(Job):
    """A dequeued run job is not read back from its hash: its id names the run, which the database
    holds, and the lean run path needs nothing else (one round trip and a parse saved per run)."""

    @classmethod
    def fetch(cls, id: str, connection=None, serializer=None) -> Job:
        if run_id_of(id) is None:
            return super().fetch(id, connection=connection, serializer=serializer)
        job = cls(id, connection=connection, serializer=serializer)
        job.timeout, job.failure_ttl = JOB_TIMEOUT_SECONDS, FAILURE_TTL_SECONDS
        return job


class AppWorker(SimpleWorker):
    flask_app = None
    _beat_at = 0.0
    _suspension_checked_at = float("-inf")

    def heartbeat(self, timeout=None, pipeline=None):
        # RQ beats three or four times per job; one beat every few seconds keeps the worker listed just
        # as well (its key lives worker_ttl + 60 s) for a fraction of the Redis round trips.
        if timeout is None and pipeline is None and time.monotonic() - self._beat_at < HEARTBEAT_SECONDS:
            return
        self._beat_at = time.monotonic()
        super().heartbeat(timeout, pipeline)

    def check_for_suspension(self, burst: bool):
        # RQ asks Redis before every job; `rq suspend` seen within a second saves a round trip per run.
        if time.monotonic() - self._suspension_checked_at < SUSPENSION_CHECK_SECONDS:
            return
        self._suspension_checked_at = time.monotonic()
        super().check_for_suspension(burst)

    def set_state(self, state, pipeline=None):
        if pipeline is None and state == self._state:
            return  # already written (the run path sets idle in its closing pipeline)
        super().set_state(state, pipeline)

    def execute_job(self, job, queue):
        if run_id_of(job.id) is not None:
            return self._execute_run(job, queue)
        with self.flask_app.app_context():
            return super().execute_job(job, queue)

    def _execute_run(self, job, queue) -> None:
        from app.runs.jobs import execute_run

        run_id = run_id_of(job.id)
        pipe = self.connection.pipeline(transaction=False)
        self.set_state(WorkerStatus.BUSY, pipeline=pipe)
        self.set_current_job_id(job.id, pipeline=pipe)
        recovery.hold(pipe, run_id, self.name)
        pipe.execute()
        failed = None
        try:
            with self.flask_app.app_context(), UnixSignalDeathPenalty(job.timeout or 6 * 3600, JobTimeoutException,
                                                                       job_id=job.id):
                execute_run(run_id)
        except Exception:  # the run itself records what went wrong; this is our own bug or a lost database
            failed = traceback.format_exc()
            log.exception("run job %s failed", job.id)
        pipe = self.connection.pipeline(transaction=False)
        if failed is None:
            recovery.let_go(pipe, run_id)
        else:  # the run may still say "running": the next sweep fails it unless it has ended
            recovery.orphan(pipe, run_id)
        self.set_current_job_id(None, pipeline=pipe)
        self.set_state(WorkerStatus.IDLE, pipeline=pipe)
        if failed is None:
            self.increment_successful_job_count(pipeline=pipe)
            pipe.delete(job.key)  # result_ttl=0: nothing to keep
        else:
            self.increment_failed_job_count(pipeline=pipe)
            try:  # the registry saves the job back, so it needs the whole job, read from its hash
                whole = Job.fetch(job.id, connection=self.connection, serializer=self.serializer)
            except NoSuchJobError:
                whole = None
            if whole is not None:
                FailedJobRegistry(queue.name, connection=self.connection, serializer=self.serializer).add(
                    whole, ttl=job.failure_ttl, exc_string=failed, pipeline=pipe)
        pipe.execute()


def build_worker(app, queues=QUEUES, name: str | None = None) -> AppWorker:
    importlib.import_module("app.runs.jobs")  # load job modules once, before the first job

    worker = AppWorker(list(queues), connection=get_redis(app), serializer=JSONSerializer, name=name,
                       job_class=LeanJob)
    worker.flask_app = app
    return worker


def keep_alive(worker: AppWorker, stop: threading.Event) -> threading.Thread:
    """Refresh the worker's liveness key while the process lives; once it is gone the key expires
    and the runs it held are failed by the sweep (a killed worker cannot say so itself)."""
    def beat():
        redis = get_redis(worker.flask_app)
        while not stop.is_set():
            try:
                recovery.beat(redis, worker.name)
            except Exception:  # Redis away for a moment: the next beat tries again
                log.warning("liveness beat failed", exc_info=True)
            stop.wait(recovery.BEAT_SECONDS)

    thread = threading.Thread(target=beat, name="weft-worker-alive", daemon=True)
    thread.start()
    return thread


def main(argv: list[str]) -> int:
    app = create_app()
    # Runs allocate many short-lived dicts; a larger first generation and freezing what the app
    # loaded at start keep the collector from rescanning it after every batch of records.
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    queues = argv[1:] or list(QUEUES)
    worker = build_worker(app, queues)
    stop = threading.Event()
    keep_alive(worker, stop)
    try:
        worker.work(with_scheduler=False, logging_level="WARNING")
    finally:
        stop.set()
        recovery.gone(get_redis(app), worker.name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
