from django.db import models
from django.utils import timezone


class TaskWorkerQuerySet(models.QuerySet):
    def beating_since(self, moment):
        """Workers whose last heartbeat came at ``moment`` or later: alive, as far as we know."""
        return self.filter(last_beat_at__gte=moment)

    def freshest_beat(self):
        """When the most recent heartbeat of any worker came, or None if none ever did."""
        return self.aggregate(latest=models.Max("last_beat_at"))["latest"]


class TaskWorker(models.Model):
    """A task worker process (``manage.py run_worker``): who it is and when it last said so.

    The worker writes ``last_beat_at`` every few seconds; a worker that stops (killed, its
    host gone) stops beating, and the tasks it was running are given to the others."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    last_beat_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = TaskWorkerQuerySet.as_manager()

    class Meta:
        ordering = ["-last_beat_at"]

    def __str__(self):
        return f"{self.worker_id} (pid {self.pid} on {self.host})"

    def beat_age(self, now=None):
        return (now or timezone.now()) - self.last_beat_at


class ScheduledRun(models.Model):
    """One run of a scheduled job (``TASKS_SCHEDULE``), for one due time: the unique pair is
    what lets every worker on every host tick the schedule while only one enqueues the run."""

    job = models.CharField(max_length=100)
    due_at = models.DateTimeField()
    enqueued_at = models.DateTimeField(default=timezone.now)
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-due_at", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "due_at"], name="one_run_per_job_and_due_time")
        ]

    def __str__(self):
        return f"{self.job} due {self.due_at:%Y-%m-%d %H:%M} UTC"
