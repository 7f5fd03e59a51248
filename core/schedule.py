"""The jobs the task workers run on a schedule, from ``settings.TASKS_SCHEDULE``.

Each entry names a job, the dotted path of its task, and either a time of day in UTC
(``{"name": "prune_comments", "task": "comments.tasks.prune_comments", "at": "03:00"}``)
or a number of minutes between runs, counted from midnight UTC (``"every_minutes": 10``).
Every worker ticks the schedule; a job's run for a due time is enqueued by whichever
worker gets there first (a ``ScheduledRun`` row, unique per job and due time) and by no
other. A run missed while no worker was up is enqueued when one next is: the latest due
time is what counts, so a job missed for three days runs once, not three times.
"""

import logging
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.models import ScheduledRun

logger = logging.getLogger(__name__)


def latest_due_time(at, now):
    """The latest moment at or before ``now`` when a job due daily at ``at`` ("HH:MM", UTC)
    was due."""
    hour, minute = (int(part) for part in at.split(":"))
    due = datetime.combine(now.astimezone(UTC).date(), time(hour, minute), tzinfo=UTC)
    return due if due <= now else due - timedelta(days=1)


def latest_due_time_of(job, now):
    """The latest moment at or before ``now`` when the job was due."""
    if "every_minutes" in job:
        midnight = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
        period = timedelta(minutes=job["every_minutes"])
        return midnight + (now - midnight) // period * period
    return latest_due_time(job["at"], now)


def enqueue_due_jobs(now=None):
    """Enqueue each scheduled job whose latest due time has no run yet; returns the names of
    the jobs this call enqueued."""
    now = now or timezone.now()
    enqueued = []
    for job in settings.TASKS_SCHEDULE:
        due = latest_due_time_of(job, now)
        if ScheduledRun.objects.filter(job=job["name"], due_at=due).exists():
            continue
        # The row and the task are written together, so a failure leaves neither behind.
        with transaction.atomic():
            run, created = ScheduledRun.objects.get_or_create(job=job["name"], due_at=due)
            if not created:
                continue
            result = import_string(job["task"]).enqueue()
            run.task_result_id = str(result.id)
            run.save(update_fields=["task_result_id"])
        logger.info("Scheduled job %s (due %s) enqueued", job["name"], f"{due:%Y-%m-%d %H:%M}")
        enqueued.append(job["name"])
    return enqueued
