"""Emails about comments, recorded in the site's outbox (core.mail) in the transaction that
decides them (for approvals by moderators, by a task queued in it) and sent by a task once
it commits: the request never waits for the mail server. Each email has a key saying what
it is, so none is recorded, or sent, twice. A failure to record one is logged and never
loses the comment."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from core import mail
from core.models import Email

from . import subscriptions
from .models import Comment

logger = logging.getLogger(__name__)


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


def record(make_emails, about):
    """Put the emails ``make_emails()`` gives in the outbox; if making or recording them
    fails, log it and let the comment stand."""
    try:
        with transaction.atomic():
            mail.send(make_emails())
    except Exception:
        logger.exception("Could not record the emails about %s", about)


def comment_waiting(comment, site=None):
    """Tell the moderators a comment waits for them; links start with ``site``."""
    record(lambda: waiting_emails(comment, site), f"comment {comment.pk}")


def comment_approved(comment, site=None):
    """Tell the commenter (if they asked) and the person it answers (if they asked)."""
    record(lambda: approval_emails([comment], site), f"comment {comment.pk}")


# A moderator's approval is told to its commenters this long after it commits: the task
# writes to the database, which on SQLite has one writer at a time, and the moderator's
# request still writes after the approval commits (its counts, the pages' versions, its message).
APPROVAL_EMAILS_AFTER_SECONDS = 5


def comments_approved(comments, site=None):
    """Tell the commenters of many approved comments: a task queued in the transaction
    that approves them makes the emails and records them in one write to the outbox, a
    few seconds later, so a moderator approving a thousand waits for none of that."""
    emails = tell_about_approved_comments
    if emails.get_backend().supports_defer:
        later = timezone.now() + timedelta(seconds=APPROVAL_EMAILS_AFTER_SECONDS)
        emails = emails.using(run_after=later)
    emails.enqueue([comment.pk for comment in comments], site or site_url())


@task()
def tell_about_approved_comments(comment_ids, site):
    """Record the emails these comments' approval calls for, for those still approved."""
    comments = list(Comment.objects.filter(pk__in=comment_ids).approved().for_decisions())
    record(lambda: approval_emails(comments, site), f"{len(comments)} approved comments")


def waiting_emails(comment, site=None):
    recipients = moderator_addresses()
    if not recipients:
        return []
    queue = reverse("admin:comments_comment_changelist") + "?status__exact=pending"
    return [
        Email(
            key=f"comment-waiting:{comment.pk}",
            to=recipients,
            subject=f"A comment waits for moderation: {comment.review.headline}",
            body=f"{comment.display_name} wrote on “{comment.review.headline}”:\n\n"
            f"{comment.body[:1000]}\n\nModerate it: {absolute(queue, site)}\n",
        )
    ]


def approval_emails(comments, site=None):
    """The emails approved comments call for (read ``review`` and ``parent`` with them),
    less those to addresses unsubscribed from the thread or from every email."""
    site = site or site_url()
    roots = subscriptions.thread_roots(comments)
    notices = [
        notice
        for comment in comments
        for notice in approval_notices(comment, roots[comment.pk], site)
    ]
    return [
        to_commenter(email, address, thread_id, site)
        for address, thread_id, email in subscriptions.still_wanted(notices)
    ]


def approval_notices(comment, thread_id, site):
    """``(address, thread id, email)`` for each commenter an approved comment concerns."""
    parent = comment.parent
    tells_the_commenter = comment.notify and comment.author_email and not comment.is_staff_reply
    tells_the_parents_commenter = (
        parent is not None
        and parent.notify
        and parent.author_email
        and parent.status == parent.Status.APPROVED
        and parent.author_email.lower() != (comment.author_email or "").lower()
    )
    if not (tells_the_commenter or tells_the_parents_commenter):
        return []
    notices = []
    link = absolute(comment.get_absolute_url(), site)
    if tells_the_commenter:
        notices.append(
            notice(
                comment.author_email,
                thread_id,
                key=f"comment-published:{comment.pk}",
                subject=f"Your comment on “{comment.review.headline}” is published",
                body=f"Thank you, {comment.display_name}. "
                f"Your comment is now on the page:\n\n{link}\n",
            )
        )
    if tells_the_parents_commenter:
        notices.append(
            notice(
                parent.author_email,
                thread_id,
                key=f"reply:{comment.pk}:{parent.pk}",
                subject=f"A reply to your comment on “{comment.review.headline}”",
                body=f"{comment.display_name} replied to your comment:\n\n"
                f"{comment.body[:1000]}\n\n{link}\n",
            )
        )
    return notices


def notice(address, thread_id, **email):
    """``(address, thread id, email)``: an email to one commenter about one thread."""
    return address, thread_id, Email(to=[address], **email)


def to_commenter(email, address, thread_id, site):
    """The email with its ways to unsubscribe: the headers, and the links at its foot."""
    email.headers = {**email.headers, **subscriptions.headers(site, address)}
    email.body += subscriptions.footer(site, address, thread_id)
    return email
