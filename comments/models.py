from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from reviews.models import Review

from .text import render_comment_text


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def visible_to(self, pending_ids=()):
        """Approved comments, plus the pending ones this visitor wrote (ids from their session)."""
        return self.filter(
            Q(status=Comment.Status.APPROVED)
            | Q(status=Comment.Status.PENDING, pk__in=list(pending_ids))
        )


class Comment(models.Model):
    """A reader's comment on a review; nobody else sees it until a moderator approves it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"

    class Reason(models.TextChoices):
        NONE = "", "—"
        MODERATION = "moderation", "Every comment waits for a moderator"
        LINKS = "links", "Too many links"
        TOO_FAST = "too_fast", "Sent inhumanly fast"
        BLOCKED_WORD = "blocked_word", "Contains a blocked word"
        HONEYPOT = "honeypot", "Filled in the hidden field"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    author_name = models.CharField(
        "name", max_length=100, blank=True, help_text="Empty when unknown (imported comments)."
    )
    author_email = models.EmailField("email", blank=True, help_text="Never published.")
    author_url = models.URLField("website", blank=True)
    body = models.TextField("comment")
    body_html = models.TextField(editable=False, default="")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    held_reason = models.CharField(
        "why held", max_length=20, choices=Reason.choices, blank=True, default=Reason.NONE
    )
    notify = models.BooleanField(
        default=False, help_text="Email the commenter on approval and on approved replies."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
        help_text="The staff member who wrote it, for replies from the admin.",
    )
    is_staff_reply = models.BooleanField("staff reply", default=False)
    is_review_author = models.BooleanField("by the review's author", default=False)
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="Empty when unknown.")
    ip_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="A keyed hash; the address is not kept.",
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = [F("submitted_at").asc(nulls_first=True), "id"]
        indexes = [
            models.Index(fields=["review", "status", "submitted_at"], name="comment_review_status"),
            models.Index(fields=["status", "-submitted_at"], name="comment_queue"),
            models.Index(fields=["author_email", "status"], name="comment_author_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="comment_not_own_parent"),
        ]

    def __str__(self):
        return f"{self.display_name} on {self.review}"

    def save(self, *args, **kwargs):
        self.body_html = render_comment_text(self.body)
        # Stored lowercased, so that finding a commenter's other comments can use an index.
        self.author_email = self.author_email.strip().lower()
        self.depth = self.parent.depth + 1 if self.parent_id else 0
        if self.submitted_at is None and self._state.adding:
            self.submitted_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.review.get_absolute_url()}#comment-{self.pk}"

    @property
    def display_name(self):
        return self.author_name or "Anonymous"
