"""Writes that take several steps: publishing, unpublishing and scheduling a review.

Called by the admin's actions and by anything else that publishes (an import, the shell).
Each saves with ``save()``, not ``update()``, so the change tracker (``reviews.changes``)
hears of it and the pages, feeds and search index follow once it commits.
"""

from django.utils import timezone

from .models import Review


def publish_now(review):
    """Make the review visible to readers from now on; False when it already is."""
    now = timezone.now()
    if review.status == Review.Status.PUBLISHED and review.publish_at <= now:
        return False
    review.status = Review.Status.PUBLISHED
    if review.publish_at is None or review.publish_at > now:
        review.publish_at = now
    review.save(update_fields=["status", "publish_at", "updated_at"])
    return True


def unpublish(review):
    """Take the review back to draft, hidden from readers; False when it is a draft already."""
    if review.status == Review.Status.DRAFT:
        return False
    review.status = Review.Status.DRAFT
    review.save(update_fields=["status", "updated_at"])
    return True


def schedule(review, when):
    """Publish the review at ``when`` (in the future); False when it is scheduled for then."""
    if when <= timezone.now():
        raise ValueError("A review is scheduled for a time to come; publish it now instead.")
    if review.status == Review.Status.SCHEDULED and review.publish_at == when:
        return False
    review.status, review.publish_at = Review.Status.SCHEDULED, when
    review.save(update_fields=["status", "publish_at", "updated_at"])
    return True
