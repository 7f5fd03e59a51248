"""Emails about comments. A failure to send is logged and never loses the comment."""

import functools
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection, send_mail
from django.urls import reverse

logger = logging.getLogger(__name__)


def never_raises(send):
    @functools.wraps(send)
    def wrapper(comment, *args, **kwargs):
        try:
            send(comment, *args, **kwargs)
        except Exception:
            logger.exception(
                "Could not send the %s email for comment %s", send.__name__, comment.pk
            )

    return wrapper


def site_url(request=None):
    """Where links in emails point: SITE_URL when it is set, else the address the request
    being answered came to (None: no request, SITE_URL's default)."""
    if request is not None and settings.SITE_URL_FROM_REQUESTS:
        return request.build_absolute_uri("/").rstrip("/")
    return settings.SITE_URL.rstrip("/")


def absolute(path, site=None):
    return (site or site_url()) + path


def moderator_addresses():
    moderators = (
        get_user_model().objects.filter(groups__name="Moderators", is_active=True).exclude(email="")
    )
    return sorted(
        set(moderators.values_list("email", flat=True)) | set(settings.COMMENTS_MODERATOR_EMAILS)
    )


@never_raises
def comment_waiting(comment, site=None):
    """Tell the moderators a comment waits for them; links start with ``site``."""
    recipients = moderator_addresses()
    if not recipients:
        return
    queue = reverse("admin:comments_comment_changelist") + "?status__exact=pending"
    send_mail(
        f"A comment waits for moderation: {comment.review.headline}",
        f"{comment.display_name} wrote on “{comment.review.headline}”:\n\n"
        f"{comment.body[:1000]}\n\nModerate it: {absolute(queue, site)}\n",
        None,
        recipients,
    )


def comments_approved(comments, site=None):
    """Tell the commenters of many approved comments, over one connection to the mail
    server rather than one per email."""
    connection = get_connection()
    try:
        connection.open()
    except Exception:
        logger.exception("Could not reach the mail server for %d approved comments", len(comments))
        return
    try:
        for comment in comments:
            comment_approved(comment, connection, site)
    finally:
        connection.close()


@never_raises
def comment_approved(comment, connection=None, site=None):
    """Tell the commenter (if they asked) and the person it answers (if they asked)."""
    link = absolute(comment.get_absolute_url(), site)
    if comment.notify and comment.author_email and not comment.is_staff_reply:
        send_mail(
            f"Your comment on “{comment.review.headline}” is published",
            f"Thank you, {comment.display_name}. Your comment is now on the page:\n\n{link}\n",
            None,
            [comment.author_email],
            connection=connection,
        )
    parent = comment.parent
    if (
        parent is not None
        and parent.notify
        and parent.author_email
        and parent.status == parent.Status.APPROVED
        and parent.author_email.lower() != (comment.author_email or "").lower()
    ):
        send_mail(
            f"A reply to your comment on “{comment.review.headline}”",
            f"{comment.display_name} replied to your comment:\n\n{comment.body[:1000]}\n\n{link}\n",
            None,
            [parent.author_email],
            connection=connection,
        )
