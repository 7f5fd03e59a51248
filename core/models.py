"""The site's outbox: every email the site sends is a row here before it is sent
(core/mail.py records and delivers them)."""

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

    def failed(self):
        return self.filter(status=Email.Status.FAILED)


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
