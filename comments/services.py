"""Writing and moderating comments: the steps around saving one."""

import hashlib
import hmac
import logging
import re
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from core import pagecache
from core.batches import Batch, PerTransaction
from reviews import keys
from reviews.models import Review

from . import confirmation, notifications
from .models import Comment, Discussion, discussion_of, is_critic_of

logger = logging.getLogger(__name__)

LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
REVIEW_TEXT = ["body", "body_html", "body_sections", "dek"]


def address_hash(ip_address):
    """A keyed hash of a visitor's address: enough to count and ban, impossible to read back."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, (ip_address or "").encode(), hashlib.sha256).hexdigest()


def rate_limited(ip_hash):
    """Count one comment from this address; True once it is over the limit in the window.

    The counter lives in the shared cache, so the limit holds across server processes.
    """
    key = f"comments:rate:{ip_hash}"
    if cache.add(key, 1, timeout=settings.COMMENTS_RATE_WINDOW):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=settings.COMMENTS_RATE_WINDOW)
        return False
    return count > settings.COMMENTS_RATE_LIMIT


def comments_are_open(review):
    """Closed by the editor, or automatically some days after publication (a setting)."""
    return discussion_of(review).is_open and open_for_its_age(review)


def open_for_its_age(review):
    """False once the review is old enough for its comments to close by themselves
    (COMMENTS_CLOSE_AFTER_DAYS after publication), whatever the editors' switch says."""
    days = settings.COMMENTS_CLOSE_AFTER_DAYS
    if days and review.publish_at:
        return timezone.now() < review.publish_at + timedelta(days=days)
    return True


def screen(comment, seconds_taken, honeypot_filled):
    """Decide where a new comment goes: spam, the queue (with the reason), or straight out."""
    text = f"{comment.author_name} {comment.author_url} {comment.body}".lower()
    if honeypot_filled:
        return Comment.Status.SPAM, Comment.Reason.HONEYPOT
    if any(word.lower() in text for word in settings.COMMENTS_SPAM_WORDS):
        return Comment.Status.SPAM, Comment.Reason.BLOCKED_WORD
    if seconds_taken < settings.COMMENTS_MIN_SECONDS:
        return Comment.Status.PENDING, Comment.Reason.TOO_FAST
    links = len(LINK.findall(comment.body)) + bool(comment.author_url)
    if settings.COMMENTS_HOLD_LINKS and links >= settings.COMMENTS_HOLD_LINKS:
        return Comment.Status.PENDING, Comment.Reason.LINKS
    if settings.COMMENTS_APPROVE_RETURNING and (
        Comment.objects.approved().filter(author_email=comment.author_email.lower()).exists()
    ):
        return Comment.Status.APPROVED, Comment.Reason.NONE
    return Comment.Status.PENDING, Comment.Reason.MODERATION


def submit_comment(form, ip_address, request=None):
    """Save a reader's comment from a valid form, screened, and tell whoever needs to know
    (emails link to the site as ``request`` reached it)."""
    comment = form.save(commit=False)
    comment.review = form.review
    comment.parent = form.cleaned_data["parent"]
    comment.ip_hash = address_hash(ip_address)
    comment.status, comment.held_reason = screen(
        comment, form.cleaned_data["issued"], bool(form.cleaned_data.get("nickname"))
    )
    if confirmation.needs_confirmation(comment):
        confirmation.hold(comment)
    site = notifications.site_url(request)
    with transaction.atomic():
        comment.save()
        if comment.status == Comment.Status.UNCONFIRMED:
            confirmation.ask(comment, site)
        elif comment.status == Comment.Status.PENDING:
            notifications.comment_waiting(comment, site)
        elif comment.status == Comment.Status.APPROVED:
            notifications.comment_approved(comment, site)
    return comment


def moderate(comments, status, moderator, request=None):
    """Set the status of several comments at once, record who decided, and queue the task
    that tells their commenters (emails link to the site as ``request`` reached it).

    Returns the comments that changed (those that had another status), with their reviews.
    """
    # A comment readers flagged while it stayed shown is decided even when it keeps its status.
    undecided = ~Q(status=status) | Q(held_reason=Comment.Reason.FLAGGED)
    with transaction.atomic():
        # A removed comment is a placeholder for its replies, no longer anyone's to decide.
        decidable = comments.exclude(status=Comment.Status.REMOVED).filter(undecided)
        changing = list(decidable.for_decisions())
        if not changing:
            return []
        now = timezone.now()
        Comment.objects.filter(pk__in=[c.pk for c in changing]).update(
            status=status,
            moderated_by=moderator,
            moderated_at=now,
            held_reason=Case(
                When(held_reason=Comment.Reason.FLAGGED, then=Value(Comment.Reason.NONE)),
                default=F("held_reason"),
            ),
        )
        # An update sends no signals: the one place bulk status changes are recounted.
        recount_after_commit({c.review_id for c in changing})
        if status == Comment.Status.APPROVED:
            notifications.comments_approved(changing, notifications.site_url(request))
    return changing


def update_comment_counts(review_ids):
    """Store each review's number of approved comments on its discussion, for listings, and
    mark the pages showing those reviews stale once the transaction commits.

    A review that has no discussion yet is given one first."""
    review_ids = set(review_ids)
    without = Review.objects.filter(pk__in=review_ids, discussion__isnull=True)
    Discussion.objects.bulk_create(
        [Discussion(review_id=pk) for pk in without.values_list("pk", flat=True)],
        ignore_conflicts=True,
    )
    count_approved_comments(Discussion.objects.filter(pk__in=review_ids))
    invalidate_review_pages(review_ids)


def count_approved_comments(discussions):
    """Count again, in one UPDATE, the approved comments of these discussions' reviews.
    ``update_comment_counts`` for a known set of reviews; a bulk load that makes new
    reviews (whose pages nobody has seen yet) may call this with a range of them."""
    discussions.update(approved_count=Comment.objects.approved().count_per_review())


class CountBatch(Batch):
    """The reviews whose comments one transaction changed, recounted once it commits.

    Counted after the commit, a count sees every comment committed by then, those of
    transactions that ran alongside included; counted inside the transaction, it could
    miss the comments of another committing meanwhile.
    """

    def __init__(self):
        super().__init__()
        self.review_ids = set()

    def perform(self):
        update_comment_counts(self.review_ids)


recounts = PerTransaction(CountBatch)


def recount_after_commit(review_ids):
    """Count these reviews' approved comments again once the transaction commits, with
    every other review it changed the comments of; outside a transaction, at once."""
    batch = recounts.current()
    batch.review_ids.update(review_ids)
    recounts.run_after_commit(batch)


def set_comments_open(review, is_open):
    """The editors' switch: let readers comment on the review, or close its comments.
    Like the count, it is shown kept with the review's comments (comments_tags): a change
    to either goes through ``invalidate_review_pages``."""
    Discussion.objects.update_or_create(review=review, defaults={"is_open": is_open})
    invalidate_review_pages([review.pk])


def invalidate_review_pages(review_ids):
    stale = [keys.review(pk) for pk in review_ids]
    transaction.on_commit(lambda: pagecache.invalidate(*stale))


def reply_as_staff(comment, user, request=None):
    """Publish a reply written in the admin by a moderator, or by the review's critic, whose
    reply is marked as the author's."""
    comment.user = user
    comment.is_staff_reply = True
    comment.status = Comment.Status.APPROVED
    comment.moderated_by = user
    comment.moderated_at = timezone.now()
    if comment.parent_id:
        comment.review = comment.parent.review
    comment.is_review_author = is_critic_of(user, comment.review)
    # Left empty unless the reply is signed otherwise: it then shows the writer's name as
    # their account gives it, also after they change it.
    comment.author_email = comment.author_email or user.email
    with transaction.atomic():
        comment.save()
        notifications.comment_approved(comment, notifications.site_url(request))
    return comment
