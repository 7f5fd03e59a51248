"""What /healthz says about the task queue and its workers."""

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from core.models import TaskWorker


def seconds_since(moment, now):
    return None if moment is None else round((now - moment).total_seconds(), 1)


def task_queue_report(now=None):
    """``(healthy, figures)``. Where tasks wait for a worker: the seconds since the freshest
    worker's heartbeat, how many tasks are ready, and how long the oldest of them has
    waited; unhealthy when either passes TASKS_UNHEALTHY_AFTER_SECONDS. Where tasks run at
    once, always healthy. Two queries, on indexed columns."""
    if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        return True, {"run": "at once"}
    now = now or timezone.now()
    # A deferred task has been waiting since its run_after; any other since it was queued.
    undeferred = Q(run_after=get_date_max())
    queue = DBTaskResult.objects.ready().aggregate(
        depth=Count("pk"),
        oldest_queued=Min("enqueued_at", filter=undeferred),
        oldest_deferred=Min("run_after", filter=~undeferred),
    )
    oldest = min(filter(None, [queue["oldest_queued"], queue["oldest_deferred"]]), default=None)
    figures = {
        "run": "by workers",
        "last_heartbeat_seconds": seconds_since(TaskWorker.objects.freshest_beat(), now),
        "ready": queue["depth"],
        "oldest_waiting_seconds": seconds_since(oldest, now) or 0,
    }
    limit = settings.TASKS_UNHEALTHY_AFTER_SECONDS
    beat = figures["last_heartbeat_seconds"]
    healthy = figures["oldest_waiting_seconds"] <= limit and beat is not None and beat <= limit
    figures["status"] = "ok" if healthy else "stalled"
    return healthy, figures
