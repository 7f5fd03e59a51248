from django.conf import settings
from django.db import models
from django.db.models import Q

from reviews.models import Review


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)


class Comment(models.Model):
    """A reader's comment on a review; nobody else sees it until a moderator approves it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author_name = models.CharField("name", max_length=100, blank=True)
    author_email = models.EmailField("email", blank=True)
    author_url = models.URLField("website", blank=True)
    body = models.TextField("comment")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    is_staff_reply = models.BooleanField(default=False)
    is_review_author = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "id"]
        indexes = [
            models.Index(fields=["review", "status", "submitted_at"], name="comment_review_status"),
            models.Index(fields=["status", "-submitted_at"], name="comment_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="comment_not_own_parent"
            ),
        ]

    def __str__(self):
        who = self.author_name or "Anonymous"
        return f"{who} on {self.review}"

    def get_absolute_url(self):
        return f"{self.review.get_absolute_url()}#comment-{self.pk}"
