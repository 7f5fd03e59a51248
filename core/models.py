"""The site's own records: the outbox (every email the site sends is a row here before it is
sent; core/mail.py records and delivers them), and the task workers and scheduled runs
(core/worker.py, core/schedule.py)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class EmailQuerySet(models.QuerySet):
    def record(self, emails):
        """Save these unsaved emails, skipping any whose key is already recorded, and
        return the ids of those of them still waiting to be sent."""
        emails = list(emails)
        if not emails:
            return []
        self.bulk_create(emails, ignore_conflicts=True)
        # Rows skipped for their key come back too: the delivery finds them already sent.
        recorded = self.filter(key__in=[email.key for email in emails]).waiting()
        return list(recorded.values_list("pk", flat=True))

    def waiting(self):
        return self.filter(status=Email.Status.WAITING)

    def due(self, now=None):
        """Waiting emails whose next attempt has come."""
        return self.waiting().filter(next_attempt_at__lte=now or timezone.now())

    def done_before(self, moment):
        """Emails sent before ``moment``, and those given up on that were decided before it."""
        sent = Q(status=Email.Status.SENT, sent_at__lt=moment)
        failed = Q(status=Email.Status.FAILED, created_at__lt=moment)
        return self.filter(sent | failed)


class Email(models.Model):
    """One email, from the moment it is decided until it is sent or given up on.

    ``key`` says what the email is ("comment-published:41"): an email whose key is
    recorded already is never recorded again, so it is sent at most once however often the
    step that decides it runs."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    key = models.CharField(max_length=200, unique=True)
    to = models.JSONField(help_text="The recipients' addresses.")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    headers = models.JSONField(default=dict, blank=True, help_text="Extra headers, by name.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker took it to send."
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = EmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "email"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="email_by_status"),
            models.Index(fields=["-created_at", "-id"], name="email_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False)
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="email_sent_when_sent_at",
            ),
        ]

    def __str__(self):
        return f"{self.subject} (to {', '.join(self.to)})"


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
