"""A published comment edited or deleted changes the pages that show its review."""

from django.db.models.signals import post_delete, post_save

from .models import Comment
from .services import invalidate_review_pages


def comment_changed(sender, instance, **kwargs):
    if instance.status == Comment.Status.APPROVED:
        invalidate_review_pages([instance.review_id])


def connect():
    for signal in (post_save, post_delete):
        signal.connect(
            comment_changed, sender=Comment, dispatch_uid=f"comments.changed.{signal is post_save}"
        )
