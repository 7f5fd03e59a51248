"""A published comment saved or deleted changes its review's count of approved comments and
the pages that show the review; so does a staff member's new name, on the pages of the
replies signed with it. Every new review gets its discussion."""

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from reviews.models import Review

from .models import Comment, Discussion, staff_name
from .services import invalidate_review_pages, recount_after_commit


def comment_saving(sender, instance, raw=False, **kwargs):
    """Remember whether the comment was approved before this save, so that one taken down
    by a plain ``save()`` is counted out too."""
    instance._was_approved = (
        not raw
        and instance.pk is not None
        and Comment.objects.approved().filter(pk=instance.pk).exists()
    )


def comment_changed(sender, instance, raw=False, **kwargs):
    """A comment saved or deleted one at a time; bulk status changes go through
    ``services.moderate``, which recounts the reviews itself."""
    approved = instance.status == Comment.Status.APPROVED
    if not raw and (approved or getattr(instance, "_was_approved", False)):
        recount_after_commit([instance.review_id])


def review_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:  # a fixture brings the discussions of its reviews
        Discussion.objects.get_or_create(review=instance)


def replies_signed_by(user):
    return Comment.objects.filter(user=user, is_staff_reply=True, author_name="")


def staff_member_saved(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and not {"first_name", "last_name", "username"} & set(
        update_fields
    ):
        return  # a sign-in recording its time, say
    review_ids = set(replies_signed_by(instance).approved().values_list("review_id", flat=True))
    if review_ids:
        invalidate_review_pages(review_ids)


def staff_member_deleted(sender, instance, **kwargs):
    """Their replies keep the name they were signed with when the account goes."""
    replies_signed_by(instance).update(author_name=staff_name(instance)[:100])


def connect():
    pre_save.connect(comment_saving, sender=Comment, dispatch_uid="comments.saving")
    for signal in (post_save, post_delete):
        signal.connect(
            comment_changed, sender=Comment, dispatch_uid=f"comments.changed.{signal is post_save}"
        )
    post_save.connect(review_saved, sender=Review, dispatch_uid="comments.review_saved")
    post_save.connect(
        staff_member_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="comments.staff_saved"
    )
    pre_delete.connect(
        staff_member_deleted, sender=settings.AUTH_USER_MODEL, dispatch_uid="comments.staff_gone"
    )
