"""The task worker (``manage.py run_worker``): django-tasks-db's worker, made to lose nothing.

Beside running the queued tasks as ``db_worker`` does, it

- writes a heartbeat (a ``TaskWorker`` row) every ``WORKER_HEARTBEAT_SECONDS``, from a
  thread of its own, so it beats while a long task runs too;
- gives back to the queue the tasks left RUNNING by a worker that stopped beating for
  ``WORKER_LOST_AFTER_SECONDS`` (killed with ``kill -9``, its host gone), or whose process
  is gone from this host, at start and every ``HOUSEKEEPING_SECONDS`` (5); they run again;
- outlives the database: while it does not answer, the worker says so once, waits with a
  growing pause, and carries on by itself when it answers again;
- enqueues the scheduled jobs (core/schedule.py) as they fall due;
- on SQLite, copies the write-ahead log into the database file at each housekeeping, so
  that the requests' commits need not (config/settings.py, SQLITE_OPTIONS).

A task may therefore run more than once (a worker killed just after it finished, before
it recorded so): tasks are written to make a second run harmless.
"""

import contextlib
import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.db.models.functions import Now
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from core import schedule
from core.models import TaskWorker
from core.views import DATABASE_UNREACHABLE

logger = logging.getLogger(__name__)

HOUSEKEEPING_SECONDS = 5
FIRST_PAUSE_SECONDS = 0.5
LONGEST_PAUSE_SECONDS = 5
# Rows of workers gone this long are deleted; until then the admin shows them.
KEEP_GONE_WORKERS = timedelta(days=7)


def process_is_running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def living_worker_ids(silent_for, own_worker_id):
    """``(alive, known)``: the ids of the workers presumed alive (beating within
    ``silent_for``, by the database's clock, which all hosts share; and if on this host,
    with their process still running), and of all workers with a row."""
    known = set(TaskWorker.objects.values_list("worker_id", flat=True))
    beating = TaskWorker.objects.beating_since(Now() - silent_for)
    alive, here = set(), socket.gethostname()
    for worker_id, host, pid in beating.values_list("worker_id", "host", "pid"):
        gone_from_here = host == here and worker_id != own_worker_id
        if not (gone_from_here and not process_is_running(pid)):
            alive.add(worker_id)
    return alive, known


def recover_abandoned_tasks(own_worker_id, now=None):
    """Put back in the queue every RUNNING task whose worker is gone (and this worker's own,
    which it calls only between tasks); returns how many. A worker that never beat (a plain
    ``db_worker``) is given WORKER_LOST_AFTER_SECONDS from the task's start. Safe for
    several workers at once: each row is given back only if it is still as it was read."""
    now = now or timezone.now()
    silent_for = timedelta(seconds=settings.WORKER_LOST_AFTER_SECONDS)
    alive, known = living_worker_ids(silent_for, own_worker_id)
    alive.discard(own_worker_id)
    recovered = 0
    for task in DBTaskResult.objects.running().only("id", "task_path", "worker_ids", "started_at"):
        worker_id = task.worker_ids[-1] if task.worker_ids else None
        if worker_id in alive or (worker_id not in known and task.started_at > now - silent_for):
            continue
        given_back = DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
        ).update(status=TaskResultStatus.READY, started_at=None)
        if given_back:
            recovered += 1
            logger.warning(
                "Task %s (%s) was left running by worker %s, which is gone: queued to run again",
                task.pk,
                task.task_path,
                worker_id,
            )
    TaskWorker.objects.filter(last_beat_at__lt=now - KEEP_GONE_WORKERS).delete()
    return recovered


class Heartbeat(threading.Thread):
    """Writes the worker's row every WORKER_HEARTBEAT_SECONDS until stopped; a beat the
    database refuses is tried again a second later (the worker's loop reports outages)."""

    def __init__(self, worker_id):
        super().__init__(name="heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopped = threading.Event()

    def run(self):
        pause = settings.WORKER_HEARTBEAT_SECONDS
        while not self.stopped.wait(pause):
            try:
                beat(self.worker_id)
                pause = settings.WORKER_HEARTBEAT_SECONDS
            except DatabaseError:
                close_old_connections()
                pause = 1
        connection.close()

    def stop(self):
        self.stopped.set()


def beat(worker_id):
    """Record that this worker is alive now."""
    updated = TaskWorker.objects.filter(worker_id=worker_id).update(last_beat_at=Now())
    if not updated:
        TaskWorker.objects.create(
            worker_id=worker_id, host=socket.gethostname(), pid=os.getpid(), last_beat_at=Now()
        )


def checkpoint(database):
    """On SQLite, copy what the write-ahead log holds into the database file, without
    waiting for readers or writers: ``(busy, pages in the log, pages copied)``; None on
    other databases, and inside a transaction (where SQLite cannot checkpoint)."""
    if database.vendor != "sqlite" or database.in_atomic_block:
        return None
    with database.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        return cursor.fetchone()


def database_answers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


class SiteWorker(Worker):
    """django-tasks-db's worker, with the loop above: heartbeat, recovery, outages, schedule."""

    def __init__(self, **options):
        super().__init__(batch=False, startup_delay=False, max_tasks=None, **options)
        self.heartbeat = Heartbeat(self.worker_id)
        self.next_housekeeping = 0.0
        self.unavailable_since = None

    def run(self):
        logger.info(
            "Worker %s starting on %s (pid %s), queues %s",
            self.worker_id,
            socket.gethostname(),
            os.getpid(),
            ",".join(self.queue_names),
        )
        try:
            while self.running:
                self.step()
        finally:
            self.heartbeat.stop()
            if self.heartbeat.ident is not None:
                self.heartbeat.join(timeout=5)
            with contextlib.suppress(DatabaseError):
                TaskWorker.objects.filter(worker_id=self.worker_id).delete()
            logger.info("Worker %s stopped", self.worker_id)

    def step(self):
        """Housekeeping when due, then one task if one is ready, else a pause."""
        close_old_connections()
        try:
            if self.unavailable_since is not None:
                database_answers()
                self.database_back()
            if self.heartbeat.ident is None:
                # The first beat before any claim, so that no other worker takes this
                # one's first task for abandoned; the thread beats from then on.
                beat(self.worker_id)
                self.heartbeat.start()
            if time.monotonic() >= self.next_housekeeping:
                self.housekeeping()
            task_result = self.claim_next()
            if task_result is not None:
                self.run_task(task_result)
                return
        except DATABASE_UNREACHABLE as error:
            if not is_locked_database_exception(error):
                self.database_unavailable(error)
            return
        time.sleep(self.interval)

    def housekeeping(self):
        recover_abandoned_tasks(self.worker_id)
        schedule.enqueue_due_jobs()
        checkpoint(connection)
        self.next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS

    def claim_next(self):
        """The next ready task, claimed for this worker (so no other runs it), or None."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)
        return task_result

    def database_unavailable(self, error):
        """Log the outage once, then wait a little longer each time it goes on."""
        if self.unavailable_since is None:
            self.unavailable_since = time.monotonic()
            self.pause = FIRST_PAUSE_SECONDS
            logger.error("Database unavailable, waiting: %s", str(error).strip())
        else:
            self.pause = min(self.pause * 2, LONGEST_PAUSE_SECONDS)
        time.sleep(self.pause)

    def database_back(self):
        seconds = time.monotonic() - self.unavailable_since
        self.unavailable_since = None
        logger.warning(
            "Database answers again after %.0f s: worker %s resumes", seconds, self.worker_id
        )
        # Other workers' heartbeats stopped during the outage too: give them time to beat
        # again before their tasks are taken for abandoned.
        self.next_housekeeping = time.monotonic() + 2 * settings.WORKER_HEARTBEAT_SECONDS
