"""Readers flagging published comments: enough flags send a comment back to the moderators."""

from django.conf import settings
from django.db import transaction

from .models import Comment, Flag
from .services import address_hash, recount_after_commit


def flagger_of(browser_token):
    """The keyed hash stored for a flagging browser: it tells browsers apart, nothing more."""
    return address_hash(f"flagger:{browser_token}")


def flags_since_last_decision(comment):
    """The flags a moderator has not yet answered: those after the comment's last decision."""
    flags = comment.flags.all()
    if comment.moderated_at:
        flags = flags.filter(flagged_at__gt=comment.moderated_at)
    return flags


@transaction.atomic
def flag_comment(comment, reason, browser_token):
    """Record this browser's flag on the comment; False when it has flagged it already.

    The flag that reaches ``COMMENTS_FLAGS_TO_REVIEW`` sends the comment back to the
    moderators' queue, hidden from readers unless ``COMMENTS_FLAGGED_STAY_SHOWN``.
    """
    _, created = Flag.objects.get_or_create(
        comment=comment, flagger=flagger_of(browser_token), defaults={"reason": reason}
    )
    if not created:
        return False
    enough = flags_since_last_decision(comment).count() >= settings.COMMENTS_FLAGS_TO_REVIEW
    if enough and comment.held_reason != Comment.Reason.FLAGGED:
        send_back_to_moderators(comment)
    return True


def send_back_to_moderators(comment):
    comment.held_reason = Comment.Reason.FLAGGED
    if not settings.COMMENTS_FLAGGED_STAY_SHOWN:
        comment.status = Comment.Status.PENDING
    Comment.objects.filter(pk=comment.pk).update(
        held_reason=comment.held_reason, status=comment.status
    )
    recount_after_commit([comment.review_id])
