"""Writes that take several steps: publishing, unpublishing and scheduling a review.

Called by the admin's actions and by anything else that publishes (an import, the shell).
Each saves with ``save()``, not ``update()``, so the change tracker (``reviews.changes``)
hears of it and the pages, feeds and search index follow once it commits; and each keeps a
version of the review (django-reversion), within the caller's revision when there is one
(the admin's, which names the editor).
"""

import reversion
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
    save_version(review, ["status", "publish_at"], "Published now.")
    return True


def unpublish(review):
    """Take the review back to draft, hidden from readers; False when it is a draft already."""
    if review.status == Review.Status.DRAFT:
        return False
    review.status = Review.Status.DRAFT
    save_version(review, ["status"], "Unpublished (back to draft).")
    return True


def schedule(review, when):
    """Publish the review at ``when`` (in the future); False when it is scheduled for then."""
    if when <= timezone.now():
        raise ValueError("A review is scheduled for a time to come; publish it now instead.")
    if review.status == Review.Status.SCHEDULED and review.publish_at == when:
        return False
    review.status, review.publish_at = Review.Status.SCHEDULED, when
    save_version(review, ["status", "publish_at"], "Scheduled.")
    return True


def save_version(review, fields, comment):
    """Save these fields of the review, and keep the review as it now is as a version."""
    with reversion.create_revision():
        review.save(update_fields=[*fields, "updated_at"])
        if not reversion.get_comment():
            reversion.set_comment(comment)
